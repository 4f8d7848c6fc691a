package ai.jllm.model;

import ai.jllm.backend.Backend;
import ai.jllm.backend.LinearWeights;
import ai.jllm.config.ModelConfig;
import ai.jllm.weights.CheckpointLayout;
import ai.jllm.weights.DenseLinear;
import ai.jllm.weights.LayerTensors;
import ai.jllm.weights.LinearTensors;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Places a checkpoint's weights on a backend, fusing QKV and gate/up as the model expects (dense parts are stacked by
 * the backend; quantized projections arrive fused).
 */
public final class ModelLoader {

    private ModelLoader() {}

    /**
     * @param layerLoaded called with the number of layers placed so far, for progress display
     */
    public static ModelWeights load(ModelConfig config, CheckpointLayout checkpoint, Backend backend,
                                    IntConsumer layerLoaded) {
        var embedding = backend.upload(checkpoint.embedding());
        List<LayerWeights> layers = new ArrayList<>(config.numLayers());
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(layer(checkpoint.layer(i), backend));
            layerLoaded.accept(i + 1);
        }
        TensorView lmHead = checkpoint.lmHead();
        return new ModelWeights(embedding, layers, backend.upload(checkpoint.finalNorm()),
                backend.linear(List.of(lmHead), List.of()));
    }

    private static LayerWeights layer(LayerTensors tensors, Backend backend) {
        Optional<LayerWeights.QkNorm> qkNorm = tensors.qNorm().isPresent() && tensors.kNorm().isPresent()
                ? Optional.of(new LayerWeights.QkNorm(backend.upload(tensors.qNorm().get()),
                        backend.upload(tensors.kNorm().get())))
                : Optional.empty();
        return new LayerWeights(
                backend.upload(tensors.attentionNorm()),
                linear(backend, tensors.qkv(), tensors.qkvBias()),
                qkNorm,
                linear(backend, tensors.o(), tensors.oBias()),
                backend.upload(tensors.ffnNorm()),
                linear(backend, tensors.gateUp(), tensors.gateUpBias()),
                linear(backend, tensors.down(), tensors.downBias()));
    }

    private static LinearWeights linear(Backend backend, LinearTensors weight, List<TensorView> bias) {
        return switch (weight) {
            case DenseLinear dense -> backend.linear(dense.parts(), bias);
            case QuantizedLinear quantized -> backend.linear(quantized, bias);
        };
    }
}
