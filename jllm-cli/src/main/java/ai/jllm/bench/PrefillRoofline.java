package ai.jllm.bench;

import ai.jllm.config.ModelConfig;

/**
 * The arithmetic of a prefill, to quote a measured prefill as a fraction of the device's matrix-product rate: every
 * prompt token goes through every weight matrix (2 operations per weight), each sequence's last token through the
 * output projection, and causal attention adds, per layer and query head, 2·headDim operations for each (query, key)
 * pair of the scores and as many for the value sum: 2·headDim·T·(T + 1) for a T-token prompt.
 *
 * <p>Counted as {@link DecodeRoofline} counts weights (attention and MLP matrices, the lm_head); norms, rotary
 * embedding, activations and the softmax's exponentials are not.
 *
 * @param flopsPerToken   matrix operations per prompt token through the layers
 * @param lmHeadFlops     operations of one row through the output projection
 * @param attentionFactor 2·headDim·heads·layers: attention operations per (query, key) pair summed over heads and
 *                        layers, times two for the scores and the value sum
 */
public record PrefillRoofline(double flopsPerToken, double lmHeadFlops, double attentionFactor) {

    public static PrefillRoofline of(ModelConfig config) {
        long hidden = config.hiddenSize();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long perLayer = hidden * (q + 2 * kv) + q * hidden + 3 * hidden * config.intermediateSize();
        return new PrefillRoofline(2.0 * perLayer * config.numLayers(), 2.0 * config.vocabSize() * hidden,
                2.0 * config.headDim() * config.numAttentionHeads() * config.numLayers());
    }

    /** Operations of prefilling {@code batch} prompts of {@code tokens} tokens each (causal, no cached prefix). */
    public double flops(int batch, int tokens) {
        double causalPairs = (double) tokens * (tokens + 1) / 2;
        return batch * (tokens * flopsPerToken + lmHeadFlops + 2 * attentionFactor * causalPairs);
    }

    /** The share of those operations that is attention. */
    public double attentionShare(int batch, int tokens) {
        double causalPairs = (double) tokens * (tokens + 1) / 2;
        return batch * 2 * attentionFactor * causalPairs / flops(batch, tokens);
    }
}
