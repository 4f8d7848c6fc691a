package ai.jllm.weights;

import java.util.List;
import java.util.Optional;

/**
 * The stored tensors of one decoder layer, by role, shape-checked. Fusable projections are listed in the order they
 * are stacked: qkv = [q, k, v] (one entry when stored fused), gateUp = [gate, up].
 * Bias lists are empty when the model has no such bias.
 */
public record LayerTensors(
        TensorView attentionNorm,
        List<TensorView> qkv,
        List<TensorView> qkvBias,
        Optional<TensorView> qNorm,
        Optional<TensorView> kNorm,
        TensorView o,
        List<TensorView> oBias,
        TensorView ffnNorm,
        List<TensorView> gateUp,
        List<TensorView> gateUpBias,
        TensorView down,
        List<TensorView> downBias) {

    public LayerTensors {
        qkv = List.copyOf(qkv);
        qkvBias = List.copyOf(qkvBias);
        oBias = List.copyOf(oBias);
        gateUp = List.copyOf(gateUp);
        gateUpBias = List.copyOf(gateUpBias);
        downBias = List.copyOf(downBias);
    }
}
