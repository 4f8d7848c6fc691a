package ai.jllm.cpu;

import ai.jllm.backend.KvCache;

/**
 * The paged KV cache in float32 Java arrays, one key and one value array per layer.
 * k[layer], v[layer]: [numBlocks, blockSize, numKvHeads, headDim], so a token's slot s starts at s * kvSize.
 */
final class CpuKvCache implements KvCache {

    private final float[][] keys;
    private final float[][] values;
    private final int numBlocks;
    private final int blockSize;
    private final int numKvHeads;
    private final int headDim;

    CpuKvCache(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim) {
        long perLayer = (long) numBlocks * blockSize * numKvHeads * headDim;
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a CPU KV cache layer of " + perLayer + " floats exceeds a Java array; "
                    + "lower the number of KV-cache tokens");
        }
        this.keys = new float[numLayers][(int) perLayer];
        this.values = new float[numLayers][(int) perLayer];
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

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    @Override
    public int numLayers() {
        return keys.length;
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
    public long bytes() {
        return 2L * keys.length * keys[0].length * Float.BYTES;
    }
}
