package ai.jllm.cuda;

import ai.jllm.backend.KvCache;

/**
 * The paged KV cache in device memory, bf16. One allocation holds all layers' keys, another all values:
 * k, v: [numLayers, numBlocks + 1, blockSize, numKvHeads, headDim], so a token's slot s of layer l starts at
 * {@code (l * (numBlocks + 1) * blockSize + s) * kvSize}. Block {@link #paddingBlock} (the extra one) belongs to no
 * sequence: the rows that pad a decode step up to its recorded batch size write their keys and values there.
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

    /** One of the two allocations: every layer's blocks and the padding block. */
    static long allocationBytes(int numLayers, int numBlocks, int blockSize, int numKvHeads, int headDim) {
        return numLayers * layerBytes(numBlocks + 1, blockSize, numKvHeads, headDim);
    }

    /** The block padded decode rows write into; no block table of a sequence names it. */
    int paddingBlock() {
        return numBlocks;
    }

    long layerKeys(int layer) {
        return keys + layer * layerBytes(numBlocks + 1, blockSize, numKvHeads, headDim);
    }

    long layerValues(int layer) {
        return values + layer * layerBytes(numBlocks + 1, blockSize, numKvHeads, headDim);
    }

    @Override
    public long bytes() {
        return 2 * allocationBytes(numLayers, numBlocks, blockSize, numKvHeads, headDim);
    }
}
