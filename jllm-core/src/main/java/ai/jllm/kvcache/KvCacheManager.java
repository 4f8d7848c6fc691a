package ai.jllm.kvcache;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The KV-cache bookkeeping the scheduler drives: which blocks each sequence holds, which full blocks are known to hold
 * which prefix, and which blocks must be copied before the next forward. Plain Java, deterministic, no tensors; one
 * engine thread calls it (it is not thread-safe).
 *
 * <p>A request's life, in calls:
 * <pre>{@code
 * KvSequence seq = kv.newSequence(key);
 * // admission (waiting -> running), in the same step as its allocation:
 * int cached = kv.matchPrefix(seq, tokens, length);       // the request's cached_tokens; computing starts here
 * int chunk = Math.min(length - cached, tokenBudget);
 * if (kv.canAllocate(seq, chunk)) kv.allocate(seq, chunk);  // block table now covers cached + chunk tokens
 * // engine: kv.drainPendingCopies() on the device, then the forward over seq.blockTable()
 * kv.commit(seq, tokens, cached + chunk);                  // after the step: full blocks enter the prefix cache
 * // every later step: canAllocate/allocate(seq, n), forward, commit(seq, tokens, seq.numComputedTokens() + n)
 * kv.free(seq);                                            // finished, cancelled or preempted
 * }</pre>
 *
 * <p>Prefix hits never cover a request's last token: it must be computed to sample from it. A lookup of
 * {@code length} tokens therefore finds at most {@code (length - 1) / blockSize} full blocks; when a whole
 * block-aligned prompt is cached, its last block is computed again (into a fresh block, which {@link #commit} then
 * swaps for the cached twin). That costs at most {@code blockSize - 1} extra prefill tokens and needs no device copy.
 */
public final class KvCacheManager {

    private final KvCacheConfig config;
    private final int blockSize;
    private final BlockPool pool;
    private final BlockHasher hasher;
    private long nextSequenceId;
    private int[] lookupBlocks = new int[8];

    private int[] copySources = new int[8];
    private int[] copyDestinations = new int[8];
    private int numPendingCopies;

    private long prefixQueries;
    private long queriedTokens;
    private long hitTokens;

    public KvCacheManager(KvCacheConfig config, int numBlocks) {
        this(config, numBlocks, new ChainHash());
    }

    KvCacheManager(KvCacheConfig config, int numBlocks, BlockHasher hasher) {
        this.config = config;
        this.blockSize = config.blockSize();
        this.pool = new BlockPool(numBlocks, blockSize);
        this.hasher = hasher;
    }

    public KvCacheConfig config() {
        return config;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Blocks in the pool. */
    public int numBlocks() {
        return pool.numBlocks();
    }

    /** Blocks an allocation can take now: plain free ones and cached ones (which it would evict). */
    public int numFreeBlocks() {
        return pool.numFree();
    }

    /** Blocks that hold {@code numTokens} tokens. */
    public int blocksFor(int numTokens) {
        return config.blocksFor(numTokens);
    }

    /** A sequence that holds nothing yet; {@code key} says which cached blocks it may share. */
    public KvSequence newSequence(BlockHashKey key) {
        KvSequence sequence = new KvSequence(nextSequenceId++, key, ChainHash.root(key));
        resetChain(sequence);
        return sequence;
    }

    /**
     * How many leading tokens of {@code tokens[0 .. length)} a sequence with this key would find cached now: a whole
     * number of blocks, never the last token. Changes nothing (not even the statistics).
     */
    public int cachedPrefix(int[] tokens, int length, BlockHashKey key) {
        checkLength(tokens, length);
        if (!config.enableBlockReuse()) {
            return 0;
        }
        if (lookupBlocks.length < length / blockSize) {
            lookupBlocks = new int[length / blockSize];
        }
        return findPrefix(tokens, length, key, ChainHash.root(key), lookupBlocks) * blockSize;
    }

    /**
     * Finds the cached prefix of {@code tokens[0 .. length)} for a sequence about to be admitted (new, or preempted
     * and freed) and remembers it in the sequence, taking nothing yet: the next {@link #allocate} takes references on
     * those blocks, and {@link #canAllocate} counts them. Call it in the same step as that allocation, since any
     * eviction in between invalidates the match (allocate then refuses). Calling it again replaces the match.
     *
     * @return the tokens found cached, a multiple of the block size below {@code length}: the request's
     *         {@code cached_tokens}, and where its computation starts
     */
    public int matchPrefix(KvSequence sequence, int[] tokens, int length) {
        checkLength(tokens, length);
        if (sequence.numBlocks > 0) {
            throw new IllegalStateException(sequence + " already holds blocks; free it before matching a prefix");
        }
        sequence.ensureCapacity(length / blockSize);
        int blocks = config.enableBlockReuse()
                ? findPrefix(tokens, length, sequence.key, sequence.rootHash, sequence.blockTable) : 0;
        sequence.matchPending = true;
        sequence.matchedBlocks = blocks;
        sequence.matchedTokens = blocks * blockSize;
        sequence.queriedTokens = length;
        sequence.matchHashesDropped = pool.hashesDropped();
        resetChain(sequence);
        if (blocks > 0) {
            int last = sequence.blockTable[blocks - 1];
            sequence.chainBlocks = blocks;
            sequence.chainHash = pool.hash(last);
            sequence.chainParent = last;
            sequence.chainParentSerial = pool.serial(last);
        }
        return sequence.matchedTokens;
    }

    /**
     * Blocks the sequence would take out of the free queue for its table to cover {@code totalTokens} tokens: fresh
     * blocks, a private copy of a shared block it would write into, and matched prefix blocks that sit free in the
     * cache. With {@code totalTokens} = prompt + max_tokens this is what GUARANTEED_NO_EVICT admission reserves.
     */
    public int freeBlocksNeeded(KvSequence sequence, int totalTokens) {
        int held = sequence.matchPending ? sequence.matchedBlocks : sequence.numBlocks;
        int needed = Math.max(0, blocksFor(totalTokens) - held);
        if (sequence.matchPending) {
            checkMatchIsCurrent(sequence);
            for (int i = 0; i < sequence.matchedBlocks; i++) {
                if (pool.isFree(sequence.blockTable[i])) {
                    needed++;
                }
            }
        } else if (writesSharedBlock(sequence, totalTokens)) {
            needed++;
        }
        return needed;
    }

    /** Whether {@link #allocate} would succeed for {@code numNewTokens} more tokens. Changes nothing. */
    public boolean canAllocate(KvSequence sequence, int numNewTokens) {
        return freeBlocksNeeded(sequence, targetTokens(sequence, numNewTokens)) <= pool.numFree();
    }

    /**
     * Makes the sequence's block table cover its computed tokens plus {@code numNewTokens}: first the matched prefix
     * (if {@link #matchPrefix} found one; the computed tokens become the prefix), then a private copy of a shared
     * partial block it is about to write into (recorded for {@link #drainPendingCopies}), then fresh blocks, evicting
     * the least recently used cached blocks when no plain free block is left. All or nothing.
     *
     * @throws IllegalStateException when the pool cannot supply the blocks (nothing is changed; ask
     *                               {@link #canAllocate} first) or the pending match went stale
     */
    public void allocate(KvSequence sequence, int numNewTokens) {
        int total = targetTokens(sequence, numNewTokens);
        int needed = freeBlocksNeeded(sequence, total);
        if (needed > pool.numFree()) {
            throw new IllegalStateException(sequence + " needs " + needed + " free blocks to cover " + total
                    + " tokens but " + pool.numFree() + " are free");
        }
        if (sequence.matchPending) {
            takeMatch(sequence);
        }
        if (writesSharedBlock(sequence, total)) {
            copyOnWrite(sequence);
        }
        int blocks = blocksFor(total);
        sequence.ensureCapacity(blocks);
        while (sequence.numBlocks < blocks) {
            sequence.blockTable[sequence.numBlocks++] = pool.allocate();
        }
    }

    /**
     * Records that the cache now holds the keys and values of {@code tokens[0 .. numComputedTokens)} and registers
     * every block this filled in the prefix cache, each hash chained from the previous block's. When an identical
     * block is already cached (the same prefix computed twice), the sequence switches to that one and frees its own,
     * so a prefix is held once.
     */
    public void commit(KvSequence sequence, int[] tokens, int numComputedTokens) {
        if (sequence.matchPending) {
            throw new IllegalStateException(sequence + " has a prefix match not yet allocated; allocate first");
        }
        if (numComputedTokens < sequence.numComputedTokens || numComputedTokens > sequence.numBlocks * blockSize
                || numComputedTokens > tokens.length) {
            throw new IllegalArgumentException(sequence + " cannot have " + numComputedTokens + " computed tokens"
                    + " (it had " + sequence.numComputedTokens + ", its blocks hold " + sequence.numBlocks * blockSize
                    + ", " + tokens.length + " tokens given)");
        }
        sequence.numComputedTokens = numComputedTokens;
        if (!config.enableBlockReuse()) {
            return;
        }
        int fullBlocks = numComputedTokens / blockSize;
        while (sequence.chainOpen && sequence.chainBlocks < fullBlocks) {
            registerNextBlock(sequence, tokens);
        }
    }

    /**
     * A new sequence sharing every block of {@code parent} that holds computed tokens (one more reference each), for
     * {@code n > 1} samples and beam search. Full shared blocks are never written again; the partial last block is
     * copied on write by whichever of the two allocates into it first.
     */
    public KvSequence fork(KvSequence parent) {
        if (parent.matchPending) {
            throw new IllegalStateException(parent + " has a prefix match not yet allocated; allocate before forking");
        }
        KvSequence child = new KvSequence(nextSequenceId++, parent.key, parent.rootHash);
        int shared = blocksFor(parent.numComputedTokens);
        child.ensureCapacity(shared);
        for (int i = 0; i < shared; i++) {
            pool.retain(parent.blockTable[i]);
            child.blockTable[i] = parent.blockTable[i];
        }
        child.numBlocks = shared;
        child.numComputedTokens = parent.numComputedTokens;
        child.chainBlocks = parent.chainBlocks;
        child.chainHash = parent.chainHash;
        child.chainParent = parent.chainParent;
        child.chainParentSerial = parent.chainParentSerial;
        child.chainOpen = parent.chainOpen;
        return child;
    }

    /**
     * Releases every block of the sequence, last block first: registered full blocks stay cached (so a preempted
     * sequence finds its committed prefix when it is admitted again), the rest become plain free blocks. The sequence
     * is left empty and may be matched and allocated again.
     */
    public void free(KvSequence sequence) {
        for (int i = sequence.numBlocks - 1; i >= 0; i--) {
            pool.release(sequence.blockTable[i]);
        }
        sequence.numBlocks = 0;
        sequence.numComputedTokens = 0;
        sequence.matchPending = false;
        resetChain(sequence);
    }

    /**
     * The block copies recorded since the last call, which the engine must run on the device before the next forward.
     * Their blocks stay out of the free queue until this call, so nothing allocated meanwhile can overwrite them.
     */
    public BlockCopies drainPendingCopies() {
        if (numPendingCopies == 0) {
            return BlockCopies.NONE;
        }
        BlockCopies copies = new BlockCopies(Arrays.copyOf(copySources, numPendingCopies),
                Arrays.copyOf(copyDestinations, numPendingCopies));
        for (int i = 0; i < numPendingCopies; i++) {
            pool.unpin(copySources[i]);
            pool.unpin(copyDestinations[i]);
        }
        numPendingCopies = 0;
        return copies;
    }

    public KvCacheStats stats() {
        return new KvCacheStats(pool.numBlocks(), pool.numFree(), pool.numUsed(), pool.numCached(),
                prefixQueries, queriedTokens, hitTokens, pool.evictions());
    }

    BlockPool pool() {
        return pool;
    }

    private int targetTokens(KvSequence sequence, int numNewTokens) {
        if (numNewTokens < 0) {
            throw new IllegalArgumentException("new token count must be >= 0, got " + numNewTokens);
        }
        long start = sequence.matchPending ? sequence.matchedTokens : sequence.numComputedTokens;
        return Math.toIntExact(start + numNewTokens);
    }

    /** Fills {@code blocks} with the longest verified run of cached leading blocks; returns its length. */
    private int findPrefix(int[] tokens, int length, BlockHashKey key, long rootHash, int[] blocks) {
        int limit = (length - 1) / blockSize;
        long hash = rootHash;
        int parent = pool.root();
        long parentSerial = pool.serial(parent);
        int found = 0;
        while (found < limit) {
            int offset = found * blockSize;
            hash = hasher.hash(hash, tokens, offset, blockSize);
            OptionalInt candidate = pool.cachedBlock(hash);
            if (candidate.isEmpty() || !pool.holds(candidate.getAsInt(), tokens, offset, key, parent, parentSerial)) {
                break;
            }
            parent = candidate.getAsInt();
            parentSerial = pool.serial(parent);
            blocks[found++] = parent;
        }
        return found;
    }

    private void takeMatch(KvSequence sequence) {
        for (int i = 0; i < sequence.matchedBlocks; i++) {
            pool.retain(sequence.blockTable[i]);
        }
        sequence.numBlocks = sequence.matchedBlocks;
        sequence.numComputedTokens = sequence.matchedTokens;
        sequence.matchPending = false;
        if (config.enableBlockReuse()) {
            prefixQueries++;
            queriedTokens += sequence.queriedTokens;
            hitTokens += sequence.matchedTokens;
        }
    }

    private boolean writesSharedBlock(KvSequence sequence, int totalTokens) {
        int computed = sequence.numComputedTokens;
        return totalTokens > computed && computed % blockSize != 0
                && pool.refCount(sequence.blockTable[computed / blockSize]) > 1;
    }

    private void copyOnWrite(KvSequence sequence) {
        int index = sequence.numComputedTokens / blockSize;
        int source = sequence.blockTable[index];
        for (int i = 0; i < numPendingCopies; i++) {
            if (copyDestinations[i] == source) {
                throw new IllegalStateException(sequence + " would copy block " + source + " before its own pending"
                        + " copy ran; drain the pending copies before forking");
            }
        }
        int copy = pool.allocate();
        pool.pin(source);
        pool.pin(copy);
        pool.release(source);
        sequence.blockTable[index] = copy;
        if (numPendingCopies == copySources.length) {
            copySources = Arrays.copyOf(copySources, numPendingCopies * 2);
            copyDestinations = Arrays.copyOf(copyDestinations, numPendingCopies * 2);
        }
        copySources[numPendingCopies] = source;
        copyDestinations[numPendingCopies] = copy;
        numPendingCopies++;
    }

    private void registerNextBlock(KvSequence sequence, int[] tokens) {
        int index = sequence.chainBlocks;
        int offset = index * blockSize;
        int own = sequence.blockTable[index];
        long hash = hasher.hash(sequence.chainHash, tokens, offset, blockSize);
        OptionalInt cached = pool.cachedBlock(hash);
        int canonical;
        if (cached.isPresent()
                && pool.holds(cached.getAsInt(), tokens, offset, sequence.key, sequence.chainParent,
                        sequence.chainParentSerial)) {
            canonical = cached.getAsInt();
            if (canonical != own) {
                pool.retain(canonical);
                sequence.blockTable[index] = canonical;
                pool.release(own);
            }
        } else if (cached.isEmpty() && !pool.isCached(own)) {
            pool.register(own, hash, tokens, offset, sequence.key, sequence.chainParent, sequence.chainParentSerial);
            canonical = own;
        } else {
            // A different prefix owns this hash (a 64-bit collision): this sequence's later blocks stay unshared
            // rather than risk a chain that could serve the wrong keys and values.
            sequence.chainOpen = false;
            return;
        }
        sequence.chainBlocks++;
        sequence.chainHash = hash;
        sequence.chainParent = canonical;
        sequence.chainParentSerial = pool.serial(canonical);
    }

    private void checkMatchIsCurrent(KvSequence sequence) {
        if (sequence.matchHashesDropped != pool.hashesDropped()) {
            throw new IllegalStateException(sequence + " has a stale prefix match: cached blocks were evicted since"
                    + " matchPrefix; match again right before allocating");
        }
    }

    private void resetChain(KvSequence sequence) {
        sequence.chainBlocks = 0;
        sequence.chainHash = sequence.rootHash;
        sequence.chainParent = pool.root();
        sequence.chainParentSerial = pool.serial(pool.root());
        sequence.chainOpen = true;
    }

    private static void checkLength(int[] tokens, int length) {
        if (length <= 0 || length > tokens.length) {
            throw new IllegalArgumentException("token count must be in [1, " + tokens.length + "], got " + length);
        }
    }
}
