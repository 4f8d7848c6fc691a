package ai.jllm.kvcache;

import java.util.Arrays;

/**
 * One sequence's view of the KV cache: its block table and how many of its tokens the cache holds. Created and
 * changed only by its {@link KvCacheManager}; the scheduler keeps one per running request (per beam or sample when
 * forked) and reads the block table from it when it builds a forward batch.
 *
 * <p>A sequence outlives its blocks: after {@link KvCacheManager#free} (finished or preempted) it holds nothing and
 * can be admitted again, which is how a preempted request is recomputed.
 */
public final class KvSequence {

    private static final int INITIAL_BLOCKS = 8;

    private final long id;
    final BlockHashKey key;
    final long rootHash;

    int[] blockTable = new int[INITIAL_BLOCKS];
    int numBlocks;
    int numComputedTokens;

    // A prefix found by matchPrefix and not yet taken: its blocks wait in blockTable[0 .. matchedBlocks) unreferenced.
    boolean matchPending;
    int matchedBlocks;
    int matchedTokens;
    int queriedTokens;
    long matchHashesDropped;

    // The hash chain over the sequence's full blocks: chainBlocks of them are registered (or matched), the last as
    // chainParent in registration chainParentSerial with hash chainHash. Closed for good after a hash collision.
    int chainBlocks;
    long chainHash;
    int chainParent;
    long chainParentSerial;
    boolean chainOpen;

    KvSequence(long id, BlockHashKey key, long rootHash) {
        this.id = id;
        this.key = key;
        this.rootHash = rootHash;
    }

    /** A number unique within its manager, for logs and error messages. */
    public long id() {
        return id;
    }

    public BlockHashKey key() {
        return key;
    }

    /**
     * The block ids in order: token {@code p} lives in block {@code blockTable()[p / blockSize]}. Only the first
     * {@link #numBlocks()} entries are meaningful. This is the live array, not a copy; it may be replaced by a larger
     * one (or an entry changed by {@code allocate} or {@code commit}), so read it anew for every step.
     */
    public int[] blockTable() {
        return blockTable;
    }

    public int numBlocks() {
        return numBlocks;
    }

    /** Tokens whose keys and values are in the cache: the prefix hit plus everything committed since. */
    public int numComputedTokens() {
        return numComputedTokens;
    }

    /** Whether {@link KvCacheManager#matchPrefix} found a prefix that the next allocation will take. */
    public boolean hasPendingMatch() {
        return matchPending;
    }

    void ensureCapacity(int blocks) {
        if (blocks > blockTable.length) {
            blockTable = Arrays.copyOf(blockTable, Math.max(blocks, blockTable.length * 2));
        }
    }

    @Override
    public String toString() {
        return "KvSequence[" + id + ": " + numComputedTokens + " tokens computed in " + numBlocks + " blocks "
                + Arrays.toString(Arrays.copyOf(blockTable, numBlocks)) + "]";
    }
}
