package ai.jllm.weights;

import ai.jllm.JllmException;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.tensor.DType;
import ai.jllm.weights.EngineTensorNames.Projection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One rank of an engine directory ({@code rank{N}.safetensors}), by role: projections already fused, converted,
 * quantized and split as {@code jllm build} wrote them, so loading is a memory map and whatever copy the backend
 * makes. Every tensor's dtype and shape is checked against config.json, so a corrupt or mismatched engine fails here
 * with the tensor's name.
 */
public final class EngineCheckpoint implements CheckpointLayout {

    /** The rank file's {@code __metadata__} keys. */
    public static final String FORMAT_KEY = "jllm_engine_format";
    public static final String RANK_KEY = "rank";
    public static final String TP_SIZE_KEY = "tp_size";

    private final SafetensorsFile file;
    private final ModelConfig config;
    private final EngineConfig engine;
    private final int rank;

    /** {@code file} is rank {@code rank}'s file of the engine that {@code engine} describes. */
    public EngineCheckpoint(SafetensorsFile file, ModelConfig config, EngineConfig engine, int rank) {
        this.file = file;
        this.config = config;
        this.engine = engine;
        this.rank = rank;
        checkMetadata(file.metadata());
    }

    private void checkMetadata(Map<String, String> metadata) {
        String expected = "format " + EngineConfig.FORMAT_VERSION + ", rank " + rank + " of " + engine.tpSize();
        String actual = "format " + metadata.get(FORMAT_KEY) + ", rank " + metadata.get(RANK_KEY) + " of "
                + metadata.get(TP_SIZE_KEY);
        if (!expected.equals(actual)) {
            throw new JllmException(file.file() + " is not this engine's rank " + rank + ": its metadata says "
                    + actual + ", config.json says " + expected);
        }
    }

    @Override
    public TensorView embedding() {
        return dense(EngineTensorNames.EMBEDDING, config.vocabSize(), config.hiddenSize());
    }

    @Override
    public TensorView finalNorm() {
        return float32(EngineTensorNames.FINAL_NORM, config.hiddenSize());
    }

    @Override
    public TensorView lmHead() {
        if (file.contains(EngineTensorNames.LM_HEAD)) {
            return dense(EngineTensorNames.LM_HEAD, config.vocabSize() / engine.tpSize(), config.hiddenSize());
        }
        if (config.tieWordEmbeddings() && engine.tpSize() == 1) {
            return embedding();
        }
        throw new JllmException(file.file() + " has no " + EngineTensorNames.LM_HEAD);
    }

    @Override
    public LayerTensors layer(int index) {
        Optional<TensorView> qNorm = config.qkNorm()
                ? Optional.of(float32(EngineTensorNames.qNorm(index), config.headDim())) : Optional.empty();
        Optional<TensorView> kNorm = config.qkNorm()
                ? Optional.of(float32(EngineTensorNames.kNorm(index), config.headDim())) : Optional.empty();
        return new LayerTensors(
                float32(EngineTensorNames.attentionNorm(index), config.hiddenSize()),
                linear(Projection.QKV, index),
                bias(Projection.QKV, index, config.qkvBias()),
                qNorm,
                kNorm,
                linear(Projection.O, index),
                bias(Projection.O, index, config.oBias()),
                float32(EngineTensorNames.ffnNorm(index), config.hiddenSize()),
                linear(Projection.GATE_UP, index),
                bias(Projection.GATE_UP, index, config.mlpBias()),
                linear(Projection.DOWN, index),
                bias(Projection.DOWN, index, config.mlpBias()));
    }

    private LinearTensors linear(Projection projection, int layer) {
        String name = projection.name(layer);
        int[] shape = projection.rankShape(config, engine.tpSize());
        int out = shape[0];
        int in = shape[1];
        TensorView weight = file.tensor(name + EngineTensorNames.WEIGHT);
        return switch (engine.quantization().scheme()) {
            case NONE -> new DenseLinear(List.of(weight.expectDtype(engine.dtype()).expectShape(out, in)));
            case INT8_WEIGHT_ONLY -> new QuantizedLinear.Int8(weight.expectDtype(DType.I8).expectShape(out, in),
                    float32(name + EngineTensorNames.SCALES, out));
            case INT4_WEIGHT_ONLY -> {
                int groupSize = engine.quantization().groupSize().orElseThrow();
                if (in % groupSize != 0) {
                    throw new JllmException(file.file() + ": " + name + " has " + in + " inputs, which groups of "
                            + groupSize + " do not divide");
                }
                String order = name + EngineTensorNames.INPUT_ORDER;
                yield new QuantizedLinear.Int4(weight.expectDtype(DType.U8).expectShape(out, in / 2),
                        float32(name + EngineTensorNames.SCALES, out, in / groupSize),
                        file.tensor(name + EngineTensorNames.ZEROS).expectDtype(DType.U8)
                                .expectShape(out, in / groupSize),
                        groupSize,
                        file.contains(order) ? Optional.of(file.tensor(order).expectDtype(DType.I32).expectShape(in))
                                : Optional.empty());
            }
            case FP8 -> new QuantizedLinear.Fp8(weight.expectDtype(DType.F8_E4M3).expectShape(out, in),
                    float32(name + EngineTensorNames.SCALES, out));
        };
    }

    private List<TensorView> bias(Projection projection, int layer, boolean present) {
        if (!present) {
            return List.of();
        }
        int[] shape = projection.rankShape(config, engine.tpSize());
        return List.of(float32(projection.name(layer) + EngineTensorNames.BIAS, shape[0]));
    }

    private TensorView dense(String name, long... shape) {
        return file.tensor(name).expectDtype(engine.dtype()).expectShape(shape);
    }

    private TensorView float32(String name, long... shape) {
        return file.tensor(name).expectDtype(DType.F32).expectShape(shape);
    }
}
