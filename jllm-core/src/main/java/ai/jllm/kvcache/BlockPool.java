package ai.jllm.kvcache;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * Every KV-cache block, who holds it, and what it is known to contain.
 *
 * <p>A block is <em>used</em> while a sequence references it or a pending copy pins it, and <em>free</em> otherwise.
 * Free blocks wait in one {@link FreeBlockQueue}, handed out from the head: plain free blocks (no hash) in front, then
 * <em>cached</em> blocks, which hold a full block of a known prefix and stay findable by their hash while free, least
 * recently used first. So a new block is always a plain one while any is left, and only then is the least recently
 * used cached block evicted (its hash dropped) for the new use. A freed cached block joins the tail; a freed plain
 * block joins the head, as it holds nothing worth keeping.
 *
 * <p>Each cached block also stores its tokens, its sequence's key and its exact parent (block id and the serial the
 * parent got when it was registered), so a lookup can prove that a candidate really holds the prefix it is asked for
 * ({@link #holds}); the hash itself is never trusted.
 */
final class BlockPool {

    private final int numBlocks;
    private final int blockSize;
    private final int[] refCount;
    private final int[] pinCount;
    private final FreeBlockQueue freeQueue;
    private int cachedFree;

    // The prefix cache, per block; meaningful while hashed[block].
    private final PrefixIndex index;
    private final boolean[] hashed;
    private final long[] hashOf;
    private final long[] serial;        // [numBlocks + 1]: unique per registration; entry numBlocks is the chain root's
    private final int[] parentBlock;
    private final long[] parentSerial;
    private final BlockHashKey[] keyOf;
    private final int[] tokens;         // [numBlocks, blockSize]
    private long nextSerial = 1;
    private long evictions;
    private long hashesDropped;

    BlockPool(int numBlocks, int blockSize) {
        if (numBlocks <= 0 || blockSize <= 0 || (long) numBlocks * blockSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a block pool needs a positive number of blocks and tokens per block "
                    + "with at most 2^31 tokens in all, got " + numBlocks + " blocks of " + blockSize);
        }
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.refCount = new int[numBlocks];
        this.pinCount = new int[numBlocks];
        this.freeQueue = new FreeBlockQueue(numBlocks);
        this.index = new PrefixIndex(numBlocks);
        this.hashed = new boolean[numBlocks];
        this.hashOf = new long[numBlocks];
        this.serial = new long[numBlocks + 1];
        this.parentBlock = new int[numBlocks];
        this.parentSerial = new long[numBlocks];
        this.keyOf = new BlockHashKey[numBlocks];
        this.tokens = new int[numBlocks * blockSize];
    }

    int numBlocks() {
        return numBlocks;
    }

    int blockSize() {
        return blockSize;
    }

    /** Blocks in the free queue, cached ones included. */
    int numFree() {
        return freeQueue.size();
    }

    /** Free blocks that still hold a hashed prefix block (evictable). */
    int numCached() {
        return cachedFree;
    }

    int numUsed() {
        return numBlocks - freeQueue.size();
    }

    long evictions() {
        return evictions;
    }

    /** Counts every hash ever dropped; a prefix match found before the count last moved is still valid. */
    long hashesDropped() {
        return hashesDropped;
    }

    int refCount(int block) {
        return refCount[block];
    }

    boolean isFree(int block) {
        return freeQueue.contains(block);
    }

    boolean isCached(int block) {
        return hashed[block];
    }

    /** The free queue from head (handed out next) to tail; allocates, for tests and diagnostics. */
    int[] freeQueueOrder() {
        return freeQueue.toArray();
    }

    /** Takes the head of the free queue for a new use (reference count 1), evicting its prefix if it had one. */
    int allocate() {
        int block = freeQueue.removeFirst();
        if (hashed[block]) {
            cachedFree--;
            dropHash(block);
            evictions++;
        }
        refCount[block] = 1;
        return block;
    }

    /** One more reference; a free block (a cached one found by a lookup) leaves the free queue. */
    void retain(int block) {
        if (freeQueue.contains(block)) {
            freeQueue.remove(block);
            if (hashed[block]) {
                cachedFree--;
            }
        }
        refCount[block]++;
    }

    /** One reference fewer; at none (and no pin) the block joins the free queue. */
    void release(int block) {
        if (refCount[block] <= 0) {
            throw new IllegalStateException("block " + block + " is released but nobody holds it");
        }
        refCount[block]--;
        enqueueIfFree(block);
    }

    /** Keeps a block out of the free queue until {@link #unpin}, whatever its reference count. */
    void pin(int block) {
        if (freeQueue.contains(block)) {
            throw new IllegalStateException("block " + block + " is free and cannot be pinned");
        }
        pinCount[block]++;
    }

    void unpin(int block) {
        if (pinCount[block] <= 0) {
            throw new IllegalStateException("block " + block + " is not pinned");
        }
        pinCount[block]--;
        enqueueIfFree(block);
    }

    // The root of every chain is a virtual block: id numBlocks, serial 0, never registered.

    int root() {
        return numBlocks;
    }

    /** The hash a cached block is registered under. */
    long hash(int block) {
        if (!hashed[block]) {
            throw new IllegalStateException("block " + block + " has no hash");
        }
        return hashOf[block];
    }

    /** The serial of the block's current registration (0 for the root); a chain link names its parent by it. */
    long serial(int block) {
        return serial[block];
    }

    /** The block registered under a hash, if any; whether it holds the wanted prefix is for {@link #holds} to say. */
    OptionalInt cachedBlock(long hash) {
        return index.get(hash);
    }

    /**
     * Whether a hashed block holds exactly the block {@code tokens[offset .. offset + blockSize)} of a sequence with
     * this key, whose previous block is {@code parent} in its registration {@code parentSerial}. Since the parent was
     * proven the same way, by induction the block holds the keys and values of exactly the prefix asked for.
     */
    boolean holds(int block, int[] tokens, int offset, BlockHashKey key, int parent, long parentSerial) {
        int start = block * blockSize;
        return hashed[block]
                && parentBlock[block] == parent
                && this.parentSerial[block] == parentSerial
                && keyOf[block].equals(key)
                && Arrays.equals(this.tokens, start, start + blockSize, tokens, offset, offset + blockSize);
    }

    /**
     * Whether a cached block's parent is still cached in the registration the block names. The manager keeps this
     * true for every cached block (a sequence holding a block holds its parent, and frees its last block first, so
     * a parent is never evicted before its children); {@link #holds} checks the link anyway, so exactness does not
     * rest on that ordering.
     */
    boolean hasLiveParent(int block) {
        int parent = parentBlock[block];
        return hashed[block] && (parent == root() || hashed[parent] && serial[parent] == parentSerial[block]);
    }

    /** Registers a held, full, unhashed block under a hash not in use; returns its new serial. */
    long register(int block, long hash, int[] tokens, int offset, BlockHashKey key, int parent, long parentSerial) {
        if (hashed[block] || refCount[block] == 0) {
            throw new IllegalStateException("block " + block + " cannot be registered: "
                    + (hashed[block] ? "it already has a hash" : "nobody holds it"));
        }
        index.put(hash, block);
        hashed[block] = true;
        hashOf[block] = hash;
        serial[block] = nextSerial++;
        parentBlock[block] = parent;
        this.parentSerial[block] = parentSerial;
        keyOf[block] = key;
        System.arraycopy(tokens, offset, this.tokens, block * blockSize, blockSize);
        return serial[block];
    }

    private void dropHash(int block) {
        index.remove(hashOf[block]);
        hashed[block] = false;
        keyOf[block] = null;
        serial[block] = 0;
        hashesDropped++;
    }

    private void enqueueIfFree(int block) {
        if (refCount[block] > 0 || pinCount[block] > 0) {
            return;
        }
        if (hashed[block]) {
            freeQueue.addLast(block);
            cachedFree++;
        } else {
            freeQueue.addFirst(block);
        }
    }
}
