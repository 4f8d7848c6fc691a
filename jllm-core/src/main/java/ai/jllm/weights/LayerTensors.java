package ai.jllm.weights;

import java.util.List;
import java.util.Optional;

/**
 * The stored tensors of one decoder layer, by role, shape-checked. Fusable projections are stacked in this order:
 * qkv = [q; k; v], gateUp = [gate; up] (as separate dense parts, or already fused). Bias lists follow the same order
 * and are empty when the model has no such bias.
 */
public record LayerTensors(
        TensorView attentionNorm,
        LinearTensors qkv,
        List<TensorView> qkvBias,
        Optional<TensorView> qNorm,
        Optional<TensorView> kNorm,
        LinearTensors o,
        List<TensorView> oBias,
        TensorView ffnNorm,
        LinearTensors gateUp,
        List<TensorView> gateUpBias,
        LinearTensors down,
        List<TensorView> downBias) {

    public LayerTensors {
        qkvBias = List.copyOf(qkvBias);
        oBias = List.copyOf(oBias);
        gateUpBias = List.copyOf(gateUpBias);
        downBias = List.copyOf(downBias);
    }
}
