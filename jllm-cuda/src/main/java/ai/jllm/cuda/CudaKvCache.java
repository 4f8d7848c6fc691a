package ai.jllm.cuda;

import ai.jllm.backend.KvCache;

/**
 * The paged KV cache in device memory, bf16. One allocation holds all layers' keys, another all values:
 * k, v: [numLayers, numBlocks, blockSize, numKvHeads, headDim], so a token's slot s of layer l starts at
 * {@code (l * numBlocks * blockSize + s) * kvSize}.
 */
record CudaKvCache(long keys, long values, int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim)
        implements KvCache {

    static CudaKvCache of(KvCache cache) {
        if (cache instanceof CudaKvCache cuda) {
            return cuda;
        }
        throw new IllegalArgumentException("not a CUDA KV cache: " + cache);
    }

    static long layerBytes(int numBlocks, int blockSize, int numKvHeads, int headDim) {
        return (long) numBlocks * blockSize * numKvHeads * headDim * Short.BYTES;
    }

    long layerKeys(int layer) {
        return keys + layer * layerBytes(numBlocks, blockSize, numKvHeads, headDim);
    }

    long layerValues(int layer) {
        return values + layer * layerBytes(numBlocks, blockSize, numKvHeads, headDim);
    }

    @Override
    public long bytes() {
        return 2L * numLayers * layerBytes(numBlocks, blockSize, numKvHeads, headDim);
    }
}
