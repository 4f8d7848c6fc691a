package ai.jllm.tokenizer;

/**
 * The BPE merges as an open-addressing hash table from a pair of token ids to the merge's rank and the id of the
 * merged token. Keys and values are packed into longs, so a lookup touches two arrays and allocates nothing.
 */
final class MergeTable {

    /** Returned by {@link #find} when the pair never merges. */
    static final long NO_MERGE = -1L;

    private static final long EMPTY_KEY = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private final int shift;
    private int size;

    MergeTable(int expectedMerges) {
        int capacity = Integer.highestOneBit(Math.max(16, expectedMerges * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        java.util.Arrays.fill(keys, EMPTY_KEY);
    }

    /** Adds or replaces a merge; a later duplicate wins, as in the Hugging Face library. */
    void put(int left, int right, int rank, int mergedId) {
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY_KEY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        if (keys[slot] == EMPTY_KEY) {
            size++;
        }
        keys[slot] = key;
        values[slot] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    /** The packed merge for the pair ({@link #rank}, {@link #mergedId}), or {@link #NO_MERGE}. */
    long find(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        while (true) {
            long found = keys[slot];
            if (found == key) {
                return values[slot];
            }
            if (found == EMPTY_KEY) {
                return NO_MERGE;
            }
            slot = (slot + 1) & mask;
        }
    }

    static int rank(long merge) {
        return (int) (merge >>> 32);
    }

    static int mergedId(long merge) {
        return (int) merge;
    }

    int size() {
        return size;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Fibonacci hashing: the high bits of the product depend on every bit of the key. */
    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }
}
