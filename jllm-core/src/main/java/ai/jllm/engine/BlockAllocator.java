package ai.jllm.engine;

import java.util.ArrayDeque;

/** The KV-cache blocks not held by any sequence: a free list of block ids. */
final class BlockAllocator {

    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final int numBlocks;

    BlockAllocator(int numBlocks) {
        this.numBlocks = numBlocks;
        for (int block = 0; block < numBlocks; block++) {
            free.addLast(block);
        }
    }

    boolean canAllocate(int blocks) {
        return free.size() >= blocks;
    }

    /** Fills {@code table[0 .. blocks)} with free block ids. */
    void allocate(int[] table, int blocks) {
        if (!canAllocate(blocks)) {
            throw new IllegalStateException("asked for " + blocks + " blocks, " + free.size() + " free");
        }
        for (int i = 0; i < blocks; i++) {
            table[i] = free.removeFirst();
        }
    }

    void release(int[] table, int blocks) {
        for (int i = 0; i < blocks; i++) {
            free.addLast(table[i]);
        }
    }

    int freeBlocks() {
        return free.size();
    }

    int numBlocks() {
        return numBlocks;
    }
}
