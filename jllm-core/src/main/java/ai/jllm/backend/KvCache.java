package ai.jllm.backend;

import ai.jllm.config.KvCacheDtype;

/**
 * The paged key/value cache of one model, owned by a backend. For every layer it holds
 * {@code k, v: [numBlocks, blockSize, numKvHeads, headDim]}; a token's keys and values live at its
 * slot ({@code block * blockSize + offsetInBlock}). Which blocks belong to which sequence is bookkeeping
 * done in plain Java (the block tables in {@link ForwardBatch}); the cache itself only stores.
 *
 * <p>An 8-bit cache ({@link KvCacheDtype#FP8}, {@link KvCacheDtype#INT8}) stores codes in that layout plus one fp32
 * scale per (token, kv head) for K and for V, {@code kScale, vScale: [numBlocks, blockSize, numKvHeads]}; the RoPE/KV
 * write quantizes and attention dequantizes as it reads (see {@link ai.jllm.kvcache.KvQuantizer}).
 */
public interface KvCache {

    int numLayers();

    int numBlocks();

    int blockSize();

    int numKvHeads();

    int headDim();

    /** What the cache stores: the activation type ({@link KvCacheDtype#AUTO}) or 8-bit codes with scales. */
    KvCacheDtype dtype();

    /** Bytes of backend memory the cache occupies. */
    long bytes();
}
