package ai.jllm.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BlockPoolTest {

    private static final int[] TOKENS = {1, 2, 3, 4, 5, 6, 7, 8};

    @Test
    void allocationTakesTheHeadAndPlainFreedBlocksComeBackFirst() {
        BlockPool pool = new BlockPool(5, 4);
        assertThat(pool.freeQueueOrder()).containsExactly(0, 1, 2, 3, 4);
        assertThat(new int[] {pool.allocate(), pool.allocate(), pool.allocate()}).containsExactly(0, 1, 2);
        assertThat(pool.freeQueueOrder()).containsExactly(3, 4);
        assertThat(pool.numUsed()).isEqualTo(3);

        pool.release(1);
        pool.release(0);
        assertThat(pool.freeQueueOrder()).containsExactly(0, 1, 3, 4);
        assertThat(pool.allocate()).isZero();
        assertThat(pool.numFree() + pool.numUsed()).isEqualTo(5);
    }

    @Test
    void cachedBlocksWaitAtTheTailAndAreEvictedLeastRecentlyUsedFirst() {
        BlockPool pool = new BlockPool(5, 4);
        int first = pool.allocate();
        int second = pool.allocate();
        int plain = pool.allocate();
        long firstSerial = pool.register(first, 100, TOKENS, 0, BlockHashKey.NONE, pool.root(), 0);
        pool.register(second, 200, TOKENS, 4, BlockHashKey.NONE, first, firstSerial);
        pool.release(plain);
        pool.release(second);
        pool.release(first);

        assertThat(pool.freeQueueOrder()).containsExactly(2, 3, 4, 1, 0);
        assertThat(pool.numCached()).isEqualTo(2);
        assertThat(new int[] {pool.allocate(), pool.allocate(), pool.allocate()}).containsExactly(2, 3, 4);
        assertThat(pool.evictions()).isZero();

        assertThat(pool.allocate()).isEqualTo(1);
        assertThat(pool.evictions()).isEqualTo(1);
        assertThat(pool.cachedBlock(200)).isEmpty();
        assertThat(pool.isCached(1)).isFalse();
        assertThat(pool.cachedBlock(100)).hasValue(0);
        assertThat(pool.numCached()).isEqualTo(1);
    }

    @Test
    void retainingACachedFreeBlockTakesItOutOfTheQueueAndReleaseMakesItMostRecent() {
        BlockPool pool = new BlockPool(4, 4);
        for (int i = 0; i < 3; i++) {
            pool.allocate();
        }
        pool.register(0, 10, TOKENS, 0, BlockHashKey.NONE, pool.root(), 0);
        pool.register(1, 11, TOKENS, 4, BlockHashKey.NONE, pool.root(), 0);
        pool.release(0);
        pool.release(1);
        pool.release(2);
        assertThat(pool.freeQueueOrder()).containsExactly(2, 3, 0, 1);

        pool.retain(0);
        assertThat(pool.freeQueueOrder()).containsExactly(2, 3, 1);
        assertThat(pool.numCached()).isEqualTo(1);
        assertThat(pool.refCount(0)).isEqualTo(1);
        pool.release(0);
        assertThat(pool.freeQueueOrder()).containsExactly(2, 3, 1, 0);
    }

    @Test
    void aPinnedBlockStaysOutOfTheQueueUntilUnpinned() {
        BlockPool pool = new BlockPool(2, 4);
        int block = pool.allocate();
        pool.pin(block);
        pool.release(block);
        assertThat(pool.isFree(block)).isFalse();
        assertThat(pool.numUsed()).isEqualTo(1);
        pool.unpin(block);
        assertThat(pool.isFree(block)).isTrue();
        assertThat(pool.freeQueueOrder()).containsExactly(0, 1);
        assertThatThrownBy(() -> pool.pin(block)).hasMessageContaining("is free");
        assertThatThrownBy(() -> pool.release(block)).hasMessageContaining("nobody holds it");
    }

    @Test
    void holdsAcceptsOnlyTheExactTokensKeyAndParentRegistration() {
        BlockPool pool = new BlockPool(3, 4);
        int parent = pool.allocate();
        int child = pool.allocate();
        long parentSerial = pool.register(parent, 1, TOKENS, 0, BlockHashKey.NONE, pool.root(), 0);
        pool.register(child, 2, TOKENS, 4, BlockHashKey.NONE, parent, parentSerial);

        assertThat(pool.holds(child, TOKENS, 4, BlockHashKey.NONE, parent, parentSerial)).isTrue();
        assertThat(pool.holds(child, new int[] {1, 2, 3, 4, 5, 6, 7, 9}, 4, BlockHashKey.NONE, parent, parentSerial))
                .as("one token differs").isFalse();
        assertThat(pool.holds(child, TOKENS, 4, BlockHashKey.ofSalt("x"), parent, parentSerial))
                .as("another key").isFalse();
        assertThat(pool.holds(child, TOKENS, 4, BlockHashKey.NONE, pool.root(), 0)).as("another parent").isFalse();
        assertThat(pool.holds(child, TOKENS, 4, BlockHashKey.NONE, parent, parentSerial + 1))
                .as("the parent block in a later registration").isFalse();
        assertThat(pool.holds(2, TOKENS, 4, BlockHashKey.NONE, parent, parentSerial)).as("unhashed").isFalse();
    }

    @Test
    void registrationNeedsAHeldUnhashedBlockAndAFreeHash() {
        BlockPool pool = new BlockPool(3, 4);
        int block = pool.allocate();
        int other = pool.allocate();
        pool.register(block, 7, TOKENS, 0, BlockHashKey.NONE, pool.root(), 0);
        assertThatThrownBy(() -> pool.register(block, 8, TOKENS, 0, BlockHashKey.NONE, pool.root(), 0))
                .hasMessageContaining("already has a hash");
        assertThatThrownBy(() -> pool.register(other, 7, TOKENS, 0, BlockHashKey.NONE, pool.root(), 0))
                .hasMessageContaining("already maps to block 0");
        assertThatThrownBy(() -> pool.register(2, 9, TOKENS, 0, BlockHashKey.NONE, pool.root(), 0))
                .hasMessageContaining("nobody holds it");
    }
}
