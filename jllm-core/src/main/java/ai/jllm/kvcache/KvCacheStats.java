package ai.jllm.kvcache;

/**
 * A snapshot of the KV cache's occupancy and of its prefix cache's effect, for metrics and logs.
 *
 * @param totalBlocks   blocks in the pool; always {@code freeBlocks + usedBlocks}
 * @param freeBlocks    blocks no sequence holds, cached ones included
 * @param usedBlocks    blocks held by sequences (or pinned by a pending copy)
 * @param cachedBlocks  free blocks that still hold a prefix and can be hit (evicted when a new block is needed)
 * @param prefixQueries admissions that looked up their prompt in the prefix cache
 * @param queriedTokens tokens those admissions looked up
 * @param hitTokens     of those, tokens found cached (never computed again)
 * @param evictions     cached blocks given to a new use, their prefix forgotten
 */
public record KvCacheStats(int totalBlocks, int freeBlocks, int usedBlocks, int cachedBlocks,
                           long prefixQueries, long queriedTokens, long hitTokens, long evictions) {

    /** Share of looked-up tokens found in the cache, 0 before the first lookup. */
    public double hitRate() {
        return queriedTokens == 0 ? 0 : (double) hitTokens / queriedTokens;
    }

    /** Share of the pool held by sequences. */
    public double usage() {
        return (double) usedBlocks / totalBlocks;
    }
}
