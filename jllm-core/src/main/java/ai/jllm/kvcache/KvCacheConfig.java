package ai.jllm.kvcache;

import ai.jllm.JllmException;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How large the paged KV cache is and whether it reuses blocks across requests (TensorRT-LLM's
 * {@code KvCacheConfig}). The cache takes {@code freeGpuMemoryFraction} of the device memory left free once the
 * weights are loaded, and never more than {@code maxTokens} tokens when that is given.
 *
 * @param blockSize             tokens per block ({@code tokens_per_block}); a sequence holds whole blocks
 * @param freeGpuMemoryFraction share of the free device memory the cache may take, in (0, 1]
 * @param maxTokens             a hard cap on the tokens the cache holds over all sequences (rounded up to whole blocks)
 * @param enableBlockReuse      prefix caching: full blocks stay findable by their content after their sequence ends,
 *                              and a new request with the same prefix reuses them instead of computing them again
 */
public record KvCacheConfig(int blockSize, double freeGpuMemoryFraction, OptionalInt maxTokens,
                            boolean enableBlockReuse) {

    public static final int DEFAULT_BLOCK_SIZE = 32;
    public static final double DEFAULT_FREE_GPU_MEMORY_FRACTION = 0.9;
    /** The most tokens a cache holds, so that slot ids and the host-side bookkeeping stay within int arrays. */
    public static final int MAX_CACHE_TOKENS = 1 << 30;
    public static final int MAX_BLOCK_SIZE = 1 << 16;

    public KvCacheConfig {
        Objects.requireNonNull(maxTokens, "maxTokens");
        if (blockSize <= 0 || blockSize > MAX_BLOCK_SIZE) {
            throw new JllmException("kv-cache block_size must be 1 to " + MAX_BLOCK_SIZE + " tokens, got " + blockSize);
        }
        if (!(freeGpuMemoryFraction > 0 && freeGpuMemoryFraction <= 1)) {
            throw new JllmException("kv-cache free_gpu_memory_fraction must be in (0, 1], got " + freeGpuMemoryFraction);
        }
        if (maxTokens.isPresent() && maxTokens.getAsInt() <= 0) {
            throw new JllmException("kv-cache max_tokens must be a positive number of tokens, got "
                    + maxTokens.getAsInt());
        }
    }

    /** 32 tokens per block, 90% of free memory, no token cap, block reuse on (TensorRT-LLM's defaults). */
    public static KvCacheConfig defaults() {
        return new KvCacheConfig(DEFAULT_BLOCK_SIZE, DEFAULT_FREE_GPU_MEMORY_FRACTION, OptionalInt.empty(), true);
    }

    public KvCacheConfig withBlockSize(int blockSize) {
        return new KvCacheConfig(blockSize, freeGpuMemoryFraction, maxTokens, enableBlockReuse);
    }

    public KvCacheConfig withFreeGpuMemoryFraction(double freeGpuMemoryFraction) {
        return new KvCacheConfig(blockSize, freeGpuMemoryFraction, maxTokens, enableBlockReuse);
    }

    public KvCacheConfig withMaxTokens(int maxTokens) {
        return new KvCacheConfig(blockSize, freeGpuMemoryFraction, OptionalInt.of(maxTokens), enableBlockReuse);
    }

    public KvCacheConfig withBlockReuse(boolean enableBlockReuse) {
        return new KvCacheConfig(blockSize, freeGpuMemoryFraction, maxTokens, enableBlockReuse);
    }

    /** Blocks that hold {@code numTokens} tokens. */
    public int blocksFor(int numTokens) {
        if (numTokens < 0) {
            throw new IllegalArgumentException("token count must be >= 0, got " + numTokens);
        }
        return (int) (((long) numTokens + blockSize - 1) / blockSize);
    }

    /**
     * Bytes one token's keys and values take over all layers: {@code 2 (K and V) × layers × kvHeads × (headDim ×
     * bytesPerElement + scaleBytesPerHead)}. An 8-bit cache ({@code bytesPerElement} 1) with an fp32 scale per
     * (token, kv head) takes {@code (headDim + 4) / (2 headDim)} of a bf16 cache: 33/64 for a head dim of 128.
     */
    public static long bytesPerToken(int numLayers, int numKvHeads, int headDim, int bytesPerElement,
                                     int scaleBytesPerHead) {
        if (numLayers <= 0 || numKvHeads <= 0 || headDim <= 0 || bytesPerElement <= 0 || scaleBytesPerHead < 0) {
            throw new IllegalArgumentException("layers, kv heads, head dim and element size must be positive and "
                    + "scale bytes >= 0, got " + numLayers + ", " + numKvHeads + ", " + headDim + ", "
                    + bytesPerElement + ", " + scaleBytesPerHead);
        }
        return 2L * numLayers * numKvHeads * ((long) headDim * bytesPerElement + scaleBytesPerHead);
    }

    /**
     * The number of blocks the cache gets: as many as {@code freeGpuMemoryFraction} of {@code freeBytes} holds, but no
     * more than {@code maxTokens} needs (rounded up to a whole block) nor {@link #MAX_CACHE_TOKENS}.
     *
     * @param freeBytes     device memory free once the weights and activation workspaces are in place
     * @param bytesPerToken see {@link #bytesPerToken}
     * @throws JllmException when not even one block fits
     */
    public int numBlocks(long freeBytes, long bytesPerToken) {
        if (freeBytes < 0 || bytesPerToken <= 0) {
            throw new IllegalArgumentException("free bytes must be >= 0 and bytes per token positive, got "
                    + freeBytes + " and " + bytesPerToken);
        }
        double blockBytes = (double) bytesPerToken * blockSize;
        long byMemory = (long) Math.floor(freeBytes * freeGpuMemoryFraction / blockBytes);
        long blocks = Math.min(byMemory, MAX_CACHE_TOKENS / blockSize);
        if (maxTokens.isPresent()) {
            blocks = Math.min(blocks, blocksFor(maxTokens.getAsInt()));
        }
        if (blocks == 0) {
            throw new JllmException("the KV cache has no room for one block: " + freeGpuMemoryFraction + " of "
                    + freeBytes + " free bytes is less than the " + (long) blockBytes + " bytes of a " + blockSize
                    + "-token block; free device memory, raise free_gpu_memory_fraction or lower block_size");
        }
        return (int) blocks;
    }
}
