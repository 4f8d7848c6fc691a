package ai.jllm.tokenizer;

/**
 * Applies BPE merges to one word: repeatedly merges the adjacent pair with the lowest rank, leftmost first,
 * until no pair merges. A binary heap of {@code rank << 32 | position} keeps this O(n log n) for long words;
 * entries made stale by an earlier merge are recognised and dropped when they surface, as the Hugging Face
 * library does. Everything lives in primitive arrays sized for the word.
 */
final class BpeMerger {

    private BpeMerger() {}

    /** Merges {@code symbols[0..count)} in place and returns the resulting ids. */
    static int[] merge(MergeTable merges, int[] symbols, int count) {
        if (count < 2) {
            return java.util.Arrays.copyOf(symbols, count);
        }
        int[] next = new int[count];
        int[] previous = new int[count];
        boolean[] removed = new boolean[count];
        for (int i = 0; i < count; i++) {
            next[i] = i + 1;
            previous[i] = i - 1;
        }
        Heap heap = new Heap(3 * count);
        for (int i = 0; i + 1 < count; i++) {
            heap.pushIfMerges(merges, symbols[i], symbols[i + 1], i);
        }
        int remaining = count;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int position = (int) top;
            int rank = (int) (top >>> 32);
            int right = next[position];
            if (removed[position] || right >= count) {
                continue;
            }
            long merge = merges.find(symbols[position], symbols[right]);
            if (merge == MergeTable.NO_MERGE || MergeTable.rank(merge) != rank) {
                continue;
            }
            symbols[position] = MergeTable.mergedId(merge);
            removed[right] = true;
            remaining--;
            int afterRight = next[right];
            next[position] = afterRight;
            if (afterRight < count) {
                previous[afterRight] = position;
                heap.pushIfMerges(merges, symbols[position], symbols[afterRight], position);
            }
            int left = previous[position];
            if (left >= 0) {
                heap.pushIfMerges(merges, symbols[left], symbols[position], left);
            }
        }
        int[] result = new int[remaining];
        for (int i = 0, j = 0; i < count; i = next[i]) {
            result[j++] = symbols[i];
        }
        return result;
    }

    /** A min-heap of packed {@code rank << 32 | position} longs: lowest rank first, then leftmost. */
    private static final class Heap {
        private final long[] entries;
        private int size;

        Heap(int capacity) {
            entries = new long[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void pushIfMerges(MergeTable merges, int left, int right, int position) {
            long merge = merges.find(left, right);
            if (merge != MergeTable.NO_MERGE) {
                push(((long) MergeTable.rank(merge) << 32) | position);
            }
        }

        private void push(long entry) {
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (entries[parent] <= entry) {
                    break;
                }
                entries[i] = entries[parent];
                i = parent;
            }
            entries[i] = entry;
        }

        long pop() {
            long top = entries[0];
            long last = entries[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && entries[child + 1] < entries[child]) {
                    child++;
                }
                if (last <= entries[child]) {
                    break;
                }
                entries[i] = entries[child];
                i = child;
            }
            entries[i] = last;
            return top;
        }
    }
}
