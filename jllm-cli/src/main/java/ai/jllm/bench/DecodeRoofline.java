package ai.jllm.bench;

import ai.jllm.config.EngineConfig;
import ai.jllm.config.ModelConfig;

/**
 * The memory-bandwidth limit of a decode step: every weight matrix is read once per step whatever the batch, plus
 * each sequence's keys and values. Dividing the bytes a step reads by the device's copy bandwidth gives the fastest a
 * step can be; measured step rates are quoted as a fraction of that.
 *
 * <p>Counted: the attention and MLP matrices of every layer, as the engine stores them (quantized codes with their
 * scales and zero points), and the output projection (a tied embedding counts once, as the lm_head: the embedding
 * lookup itself reads only a row per token). Not counted: norm weights, biases and
 * activations, which are a rounding error next to the matrices.
 *
 * @param weightBytes      bytes of weights one step reads
 * @param kvBytesPerToken  bytes of keys and values one cached token holds, over all layers
 */
public record DecodeRoofline(double weightBytes, double kvBytesPerToken) {

    /**
     * @param quantization     how the engine stores the linear layers: int8 and fp8 count a byte per weight plus an
     *                         f32 scale per output row, int4 half a byte per weight plus an f32 scale and a byte zero point
     *                         per group; the output projection stays dense
     * @param denseElementBytes bytes per element of dense weights as the backend stores them (2 for bf16)
     * @param kvBytesPerToken   bytes of one cached token over all layers, scales included
     *                          ({@link ai.jllm.kvcache.KvCacheConfig#bytesPerToken})
     */
    public static DecodeRoofline of(ModelConfig config, EngineConfig.Quantization quantization,
                                    int denseElementBytes, long kvBytesPerToken) {
        long hidden = config.hiddenSize();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long intermediate = config.intermediateSize();
        // [out, in] of each projection: qkv, o, gate/up, down
        long[][] projections = {{q + 2 * kv, hidden}, {hidden, q}, {2 * intermediate, hidden}, {hidden, intermediate}};
        double perLayer = 0;
        for (long[] projection : projections) {
            perLayer += matrixBytes(projection[0], projection[1], quantization, denseElementBytes);
        }
        double weights = perLayer * config.numLayers() + (double) denseElementBytes * config.vocabSize() * hidden;
        return new DecodeRoofline(weights, kvBytesPerToken);
    }

    private static double matrixBytes(long out, long in, EngineConfig.Quantization quantization,
                                      int denseElementBytes) {
        double elements = (double) out * in;
        return switch (quantization.scheme()) {
            case NONE -> elements * denseElementBytes;
            case INT8_WEIGHT_ONLY, FP8 -> elements + out * Float.BYTES;
            case INT4_WEIGHT_ONLY -> elements / 2 + elements / quantization.groupSize().orElseThrow()
                    * (Float.BYTES + 1);
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
