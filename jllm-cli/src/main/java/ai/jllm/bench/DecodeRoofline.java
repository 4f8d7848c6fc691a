package ai.jllm.bench;

import ai.jllm.config.ModelConfig;

/**
 * The memory-bandwidth limit of a decode step: every weight matrix is read once per step whatever the batch, plus
 * each sequence's keys and values. Dividing the bytes a step reads by the device's copy bandwidth gives the fastest a
 * step can be; measured step rates are quoted as a fraction of that.
 *
 * <p>Counted: the attention and MLP matrices of every layer and the output projection (a tied embedding counts once,
 * as the lm_head: the embedding lookup itself reads only a row per token). Not counted: norm weights, biases and
 * activations, which are a rounding error next to the matrices.
 *
 * @param weightBytes      bytes of weights one step reads
 * @param kvBytesPerToken  bytes of keys and values one cached token holds, over all layers
 */
public record DecodeRoofline(double weightBytes, double kvBytesPerToken) {

    /**
     * @param weightElementBytes bytes per weight element as the backend stores them (2 for bf16)
     * @param kvBytesPerToken    bytes of one cached token over all layers, scales included
     *                           ({@link ai.jllm.kvcache.KvCacheConfig#bytesPerToken})
     */
    public static DecodeRoofline of(ModelConfig config, int weightElementBytes, long kvBytesPerToken) {
        long hidden = config.hiddenSize();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long perLayer = hidden * (q + 2 * kv) + q * hidden + 3 * hidden * config.intermediateSize();
        double weights = (double) weightElementBytes * (perLayer * config.numLayers()
                + (long) config.vocabSize() * hidden);
        return new DecodeRoofline(weights, kvBytesPerToken);
    }

    /** Bytes one decode step of {@code batch} sequences reads when each holds {@code averageContext} tokens. */
    public double bytesPerStep(int batch, double averageContext) {
        return weightBytes + batch * averageContext * kvBytesPerToken;
    }

    /** The most decode steps per second a device of {@code bandwidth} bytes/s allows. */
    public double stepsPerSecond(double bandwidth, int batch, double averageContext) {
        return bandwidth / bytesPerStep(batch, averageContext);
    }
}
