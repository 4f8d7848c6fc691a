package ai.jllm.kvcache;

import java.util.OptionalInt;

/**
 * Block hash → block id, the prefix cache's lookup table: open addressing with linear probing over primitive arrays,
 * sized once for the pool (a block carries at most one hash, so there are never more entries than blocks), so it
 * neither boxes nor resizes. Removal shifts the following run back instead of leaving tombstones, so lookups stay
 * short however long the cache has been churning.
 */
final class PrefixIndex {

    private final long[] hashes;
    private final int[] blocks;
    private final boolean[] used;
    private final int mask;
    private final int maxEntries;
    private int size;

    PrefixIndex(int maxEntries) {
        if (maxEntries <= 0 || maxEntries > 1 << 29) {
            throw new IllegalArgumentException("a prefix index holds 1 to 2^29 entries, asked for " + maxEntries);
        }
        // At most half full, so probe runs stay short.
        int capacity = Integer.highestOneBit(maxEntries) << 2;
        this.hashes = new long[capacity];
        this.blocks = new int[capacity];
        this.used = new boolean[capacity];
        this.mask = capacity - 1;
        this.maxEntries = maxEntries;
    }

    int size() {
        return size;
    }

    OptionalInt get(long hash) {
        for (int slot = home(hash); used[slot]; slot = (slot + 1) & mask) {
            if (hashes[slot] == hash) {
                return OptionalInt.of(blocks[slot]);
            }
        }
        return OptionalInt.empty();
    }

    /** Adds an entry; the hash must not be present yet. */
    void put(long hash, int block) {
        if (size == maxEntries) {
            throw new IllegalStateException("prefix index is full (" + maxEntries + " entries)");
        }
        int slot = home(hash);
        for (; used[slot]; slot = (slot + 1) & mask) {
            if (hashes[slot] == hash) {
                throw new IllegalStateException("hash " + Long.toHexString(hash) + " already maps to block "
                        + blocks[slot]);
            }
        }
        used[slot] = true;
        hashes[slot] = hash;
        blocks[slot] = block;
        size++;
    }

    /** Removes an entry; the hash must be present. */
    void remove(long hash) {
        int hole = home(hash);
        for (; !used[hole] || hashes[hole] != hash; hole = (hole + 1) & mask) {
            if (!used[hole]) {
                throw new IllegalStateException("hash " + Long.toHexString(hash) + " is not in the prefix index");
            }
        }
        used[hole] = false;
        size--;
        // Pull back every later entry of the run whose home does not lie in (hole, slot]: it would be unreachable
        // past the hole otherwise.
        for (int slot = (hole + 1) & mask; used[slot]; slot = (slot + 1) & mask) {
            int home = home(hashes[slot]);
            boolean reachable = hole <= slot ? hole < home && home <= slot : hole < home || home <= slot;
            if (!reachable) {
                hashes[hole] = hashes[slot];
                blocks[hole] = blocks[slot];
                used[hole] = true;
                used[slot] = false;
                hole = slot;
            }
        }
    }

    private int home(long hash) {
        // Re-mix: the index must spread well even under a deliberately weak block hash (the collision tests use one).
        return (int) ChainHash.mix(hash) & mask;
    }
}
