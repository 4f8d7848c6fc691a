package ai.jllm.cuda;

import ai.jllm.backend.KvCache;
import ai.jllm.config.KvCacheDtype;

/**
 * The paged KV cache in device memory: bf16 ({@link KvCacheDtype#AUTO}), or 8-bit codes (E4M3 or int8) with an fp32
 * scale per (token, kv head). One allocation holds all layers' keys, another all values:
 * k, v: [numLayers, numBlocks + 1, blockSize, numKvHeads, headDim] of {@link #elementBytes}, so a token's slot s of
 * layer l starts at element {@code (l * (numBlocks + 1) * blockSize + s) * kvSize}. An 8-bit cache has two more,
 * kScales, vScales: [numLayers, numBlocks + 1, blockSize, numKvHeads] f32 (0 for a bf16 cache). Block
 * {@link #paddingBlock} (the extra one) belongs to no sequence: the rows that pad a decode step up to its recorded
 * batch size write their keys and values there.
 */
record CudaKvCache(long keys, long values, long keyScales, long valueScales, KvCacheDtype dtype, int numLayers,
                   int numBlocks, int blockSize, int numKvHeads, int headDim) implements KvCache {

    static CudaKvCache of(KvCache cache) {
        if (cache instanceof CudaKvCache cuda) {
            return cuda;
        }
        throw new IllegalArgumentException("not a CUDA KV cache: " + cache);
    }

    /** Bytes of one element: 2 for bf16, 1 for the 8-bit types. */
    static int elementBytes(KvCacheDtype dtype) {
        return dtype.quantized() ? 1 : Short.BYTES;
    }

    /** Bytes of one layer's keys (or values) over {@code numBlocks} blocks. */
    static long layerBytes(KvCacheDtype dtype, int numBlocks, int blockSize, int numKvHeads, int headDim) {
        return (long) numBlocks * blockSize * numKvHeads * headDim * elementBytes(dtype);
    }

    /** Bytes of one layer's key (or value) scales over {@code numBlocks} blocks; 0 for bf16. */
    static long layerScaleBytes(KvCacheDtype dtype, int numBlocks, int blockSize, int numKvHeads) {
        return (long) numBlocks * blockSize * numKvHeads * dtype.scaleBytesPerHead();
    }

    /** The keys (or values) allocation: every layer's blocks and the padding block. */
    static long allocationBytes(KvCacheDtype dtype, int numLayers, int numBlocks, int blockSize, int numKvHeads,
                                int headDim) {
        return numLayers * layerBytes(dtype, numBlocks + 1, blockSize, numKvHeads, headDim);
    }

    /** The key (or value) scales allocation: every layer's blocks and the padding block; 0 for bf16. */
    static long scaleAllocationBytes(KvCacheDtype dtype, int numLayers, int numBlocks, int blockSize, int numKvHeads) {
        return numLayers * layerScaleBytes(dtype, numBlocks + 1, blockSize, numKvHeads);
    }

    /** The block padded decode rows write into; no block table of a sequence names it. */
    int paddingBlock() {
        return numBlocks;
    }

    long layerKeys(int layer) {
        return keys + layer * layerBytes(dtype, numBlocks + 1, blockSize, numKvHeads, headDim);
    }

    long layerValues(int layer) {
        return values + layer * layerBytes(dtype, numBlocks + 1, blockSize, numKvHeads, headDim);
    }

    /** [numBlocks + 1, blockSize, numKvHeads] f32 of the layer; 0 for bf16. */
    long layerKeyScales(int layer) {
        return keyScales == 0 ? 0 : keyScales + layer * layerScaleBytes(dtype, numBlocks + 1, blockSize, numKvHeads);
    }

    long layerValueScales(int layer) {
        return valueScales == 0 ? 0
                : valueScales + layer * layerScaleBytes(dtype, numBlocks + 1, blockSize, numKvHeads);
    }

    @Override
    public long bytes() {
        return 2 * allocationBytes(dtype, numLayers, numBlocks, blockSize, numKvHeads, headDim)
                + 2 * scaleAllocationBytes(dtype, numLayers, numBlocks, blockSize, numKvHeads);
    }
}
