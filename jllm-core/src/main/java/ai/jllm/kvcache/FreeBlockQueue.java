package ai.jllm.kvcache;

/**
 * The blocks no sequence holds, in the order they will be handed out: a doubly linked list threaded through two int
 * arrays indexed by block id, so taking the head, appending, prepending and unlinking a block from the middle (a
 * prefix hit on a cached free block) are O(1) and allocate nothing.
 */
final class FreeBlockQueue {

    // Node `capacity` is the list's sentinel: next[sentinel] is the head, prev[sentinel] the tail.
    private final int sentinel;
    private final int[] prev;
    private final int[] next;
    private final boolean[] queued;
    private int size;

    /** A queue holding every block, in id order. */
    FreeBlockQueue(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("a free block queue needs at least one block, got " + capacity);
        }
        this.sentinel = capacity;
        this.prev = new int[capacity + 1];
        this.next = new int[capacity + 1];
        this.queued = new boolean[capacity];
        prev[sentinel] = sentinel;
        next[sentinel] = sentinel;
        for (int block = 0; block < capacity; block++) {
            addLast(block);
        }
    }

    int size() {
        return size;
    }

    boolean contains(int block) {
        return queued[block];
    }

    /** Removes and returns the head, the block handed out next. */
    int removeFirst() {
        if (size == 0) {
            throw new IllegalStateException("the free block queue is empty");
        }
        int head = next[sentinel];
        remove(head);
        return head;
    }

    void addFirst(int block) {
        linkAfter(sentinel, block);
    }

    void addLast(int block) {
        linkAfter(prev[sentinel], block);
    }

    void remove(int block) {
        if (!queued[block]) {
            throw new IllegalStateException("block " + block + " is not in the free queue");
        }
        next[prev[block]] = next[block];
        prev[next[block]] = prev[block];
        queued[block] = false;
        size--;
    }

    /** The blocks from head to tail; allocates, so it is for tests and diagnostics only. */
    int[] toArray() {
        int[] blocks = new int[size];
        int node = next[sentinel];
        for (int i = 0; i < size; i++) {
            blocks[i] = node;
            node = next[node];
        }
        return blocks;
    }

    private void linkAfter(int anchor, int block) {
        if (queued[block]) {
            throw new IllegalStateException("block " + block + " is already in the free queue");
        }
        int following = next[anchor];
        prev[block] = anchor;
        next[block] = following;
        next[anchor] = block;
        prev[following] = block;
        queued[block] = true;
        size++;
    }
}
