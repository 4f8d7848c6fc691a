package ai.jllm.bench;

import ai.jllm.config.EngineConfig;
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
     * @param linearElementBytes bytes per element of the attention and MLP matrices as stored (2 for bf16, 1 for
     *                           int8 and fp8 engines, about 0.5 for int4)
     * @param outputElementBytes bytes per element of the output projection (2 for bf16; quantized engines keep it so)
     * @param kvElementBytes     bytes per KV-cache element (2 for bf16)
     */
    public static DecodeRoofline of(ModelConfig config, double linearElementBytes, int outputElementBytes,
                                    int kvElementBytes) {
        long hidden = config.hiddenSize();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long perLayer = hidden * (q + 2 * kv) + q * hidden + 3 * hidden * config.intermediateSize();
        double weights = linearElementBytes * perLayer * config.numLayers()
                + (double) outputElementBytes * config.vocabSize() * hidden;
        double kvPerToken = 2.0 * kvElementBytes * config.numLayers() * kv;
        return new DecodeRoofline(weights, kvPerToken);
    }

    /**
     * Bytes per element of an engine's attention and MLP matrices (codes plus their scales and zero points), on a
     * backend that keeps dense weights in bf16.
     */
    public static double linearElementBytes(EngineConfig.Quantization quantization) {
        return switch (quantization.scheme()) {
            case NONE -> 2;
            case INT8_WEIGHT_ONLY, FP8 -> 1;
            case INT4_WEIGHT_ONLY -> 0.5 + (double) (Float.BYTES + 1) / quantization.groupSize().orElseThrow();
        };
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
