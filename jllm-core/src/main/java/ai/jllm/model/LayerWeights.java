package ai.jllm.model;

import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import java.util.Optional;

/**
 * One decoder layer's weights, placed on a backend. Projections are fused: qkv = [q; k; v] and gateUp = [gate; up]
 * stacked along the output rows.
 *
 * @param qkNorm Qwen3's per-head RMS norm weights for queries and keys ([headDim] each), when the model has them
 */
public record LayerWeights(
        Tensor attentionNorm,
        LinearWeights qkv,
        Optional<QkNorm> qkNorm,
        LinearWeights o,
        Tensor ffnNorm,
        LinearWeights gateUp,
        LinearWeights down) {

    public record QkNorm(Tensor q, Tensor k) {}
}
