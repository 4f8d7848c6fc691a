package ai.jllm.cpu;

import ai.jllm.backend.KvCache;
import ai.jllm.config.KvCacheDtype;

/**
 * The paged KV cache in Java arrays, one {@link CpuKvLayer} per layer: float32 for {@link KvCacheDtype#AUTO}, 8-bit
 * codes with a scale per (token, kv head) otherwise. k[layer], v[layer]: [numBlocks, blockSize, numKvHeads, headDim].
 */
final class CpuKvCache implements KvCache {

    private final CpuKvLayer[] layers;
    private final KvCacheDtype dtype;
    private final int numBlocks;
    private final int blockSize;
    private final int numKvHeads;
    private final int headDim;

    CpuKvCache(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim, KvCacheDtype dtype) {
        long perLayer = (long) numBlocks * blockSize * numKvHeads * headDim;
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a CPU KV cache layer of " + perLayer + " elements exceeds a Java array; "
                    + "lower the number of KV-cache tokens");
        }
        int numSlots = numBlocks * blockSize;
        this.layers = new CpuKvLayer[numLayers];
        for (int layer = 0; layer < numLayers; layer++) {
            layers[layer] = dtype.quantized() ? new QuantizedKvLayer(dtype, numSlots, blockSize, numKvHeads, headDim)
                    : new FloatKvLayer(numSlots, blockSize, numKvHeads, headDim);
        }
        this.dtype = dtype;
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.numKvHeads = numKvHeads;
        this.headDim = headDim;
    }

    static CpuKvCache of(KvCache cache) {
        if (cache instanceof CpuKvCache cpu) {
            return cpu;
        }
        throw new IllegalArgumentException("not a CPU KV cache: " + cache);
    }

    CpuKvLayer layer(int layer) {
        return layers[layer];
    }

    @Override
    public int numLayers() {
        return layers.length;
    }

    @Override
    public int numBlocks() {
        return numBlocks;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public int numKvHeads() {
        return numKvHeads;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public KvCacheDtype dtype() {
        return dtype;
    }

    @Override
    public long bytes() {
        long bytes = 0;
        for (CpuKvLayer layer : layers) {
            bytes += layer.bytes();
        }
        return bytes;
    }
}
