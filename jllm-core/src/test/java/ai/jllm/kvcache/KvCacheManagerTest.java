package ai.jllm.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The manager block by block, with four-token blocks: exact block ids, reference counts, free-queue order (head
 * first) and eviction order, worked out by hand from the rules in docs/kvcache.md.
 */
class KvCacheManagerTest {

    private static final int BLOCK = 4;
    private static final KvCacheConfig CONFIG = new KvCacheConfig(BLOCK, 0.9, OptionalInt.empty(), true);

    private static int[] range(int from, int count) {
        return IntStream.range(from, from + count).toArray();
    }

    private static int[] table(KvSequence sequence) {
        return Arrays.copyOf(sequence.blockTable(), sequence.numBlocks());
    }

    private static int[] refCounts(KvCacheManager kv, int... blocks) {
        return Arrays.stream(blocks).map(block -> kv.pool().refCount(block)).toArray();
    }

    /** Admits a prompt as one chunk and commits it, as a step of the engine would. */
    private static KvSequence prefill(KvCacheManager kv, int[] prompt, BlockHashKey key) {
        KvSequence sequence = kv.newSequence(key);
        int cached = kv.matchPrefix(sequence, prompt, prompt.length);
        kv.allocate(sequence, prompt.length - cached);
        kv.commit(sequence, prompt, prompt.length);
        return sequence;
    }

    @Test
    void blocksAreTakenFromTheHeadAndFreedCachedBlocksQueueLastBlockFirst() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 10);
        KvSequence a = prefill(kv, range(0, 10), BlockHashKey.NONE);
        assertThat(table(a)).containsExactly(0, 1, 2);
        assertThat(a.numComputedTokens()).isEqualTo(10);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(3, 4, 5, 6, 7, 8, 9);

        kv.free(a);
        // Block 2 is partial (tokens 8, 9), so it has no hash and goes to the head; the full blocks 0 and 1 stay
        // cached at the tail, last block first, so the prefix's first block is evicted last.
        assertThat(kv.pool().freeQueueOrder()).containsExactly(2, 3, 4, 5, 6, 7, 8, 9, 1, 0);
        assertThat(kv.stats()).isEqualTo(new KvCacheStats(10, 10, 0, 2, 1, 10, 0, 0));
        assertThat(a.numBlocks()).isZero();
        assertThat(a.numComputedTokens()).isZero();
    }

    @Test
    void aSecondRequestWithTheSamePromptSharesItsFullBlocks() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 10);
        int[] prompt = range(0, 10);
        KvSequence a = prefill(kv, prompt, BlockHashKey.NONE);
        assertThat(kv.cachedPrefix(prompt, 10, BlockHashKey.NONE)).isEqualTo(8);

        KvSequence b = kv.newSequence(BlockHashKey.NONE);
        assertThat(kv.matchPrefix(b, prompt, 10)).isEqualTo(8);
        assertThat(b.hasPendingMatch()).isTrue();
        assertThat(b.numBlocks()).as("a match takes nothing yet").isZero();
        assertThat(refCounts(kv, 0, 1)).containsExactly(1, 1);

        assertThat(kv.canAllocate(b, 2)).isTrue();
        kv.allocate(b, 2);
        assertThat(table(b)).containsExactly(0, 1, 3);
        assertThat(b.numComputedTokens()).isEqualTo(8);
        assertThat(b.hasPendingMatch()).isFalse();
        assertThat(refCounts(kv, 0, 1, 2, 3)).containsExactly(2, 2, 1, 1);
        kv.commit(b, prompt, 10);

        kv.free(a);
        assertThat(refCounts(kv, 0, 1, 2, 3)).containsExactly(1, 1, 0, 1);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(2, 4, 5, 6, 7, 8, 9);
        assertThat(kv.stats().hitTokens()).isEqualTo(8);
        assertThat(kv.stats().queriedTokens()).isEqualTo(20);
        assertThat(kv.stats().hitRate()).isEqualTo(0.4);
    }

    @Test
    void aPromptDivergingInItsThirdBlockReusesTheFirstTwo() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 10);
        int[] prompt = range(0, 16);
        KvSequence a = prefill(kv, prompt, BlockHashKey.NONE);
        assertThat(table(a)).containsExactly(0, 1, 2, 3);

        int[] diverging = prompt.clone();
        diverging[9] = 99;
        KvSequence b = kv.newSequence(BlockHashKey.NONE);
        assertThat(kv.matchPrefix(b, diverging, 16)).isEqualTo(8);
        kv.allocate(b, 8);
        assertThat(table(b)).containsExactly(0, 1, 4, 5);
        assertThat(refCounts(kv, 0, 1, 2, 3, 4, 5)).containsExactly(2, 2, 1, 1, 1, 1);

        // The chain stops at the first miss: later blocks that match token for token do not count.
        int[] firstBlockDiffers = prompt.clone();
        firstBlockDiffers[1] = 99;
        assertThat(kv.cachedPrefix(firstBlockDiffers, 16, BlockHashKey.NONE)).isZero();
    }

    @Test
    void aCacheSaltOrLoraIdKeepsIdenticalPromptsApart() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 12);
        int[] prompt = range(0, 9);
        prefill(kv, prompt, BlockHashKey.NONE);
        BlockHashKey tenant = BlockHashKey.ofSalt("tenant-b");

        KvSequence b = prefill(kv, prompt, tenant);
        assertThat(kv.stats().hitTokens()).isZero();
        assertThat(table(b)).containsExactly(3, 4, 5);

        KvSequence c = kv.newSequence(tenant);
        assertThat(kv.matchPrefix(c, prompt, 9)).isEqualTo(8);
        kv.allocate(c, 1);
        assertThat(table(c)).containsExactly(3, 4, 6);

        assertThat(kv.cachedPrefix(prompt, 9, BlockHashKey.ofSalt("tenant-c"))).isZero();
        assertThat(kv.cachedPrefix(prompt, 9, BlockHashKey.NONE.withLoraId(1))).isZero();
        assertThat(kv.cachedPrefix(prompt, 9, tenant.withLoraId(1))).isZero();
        assertThat(kv.cachedPrefix(prompt, 9, BlockHashKey.NONE)).isEqualTo(8);
    }

    @Test
    void aHashCollisionNeverServesAnotherPrefix() {
        // Every block of every prompt collides.
        KvCacheManager kv = new KvCacheManager(CONFIG, 10, (parent, tokens, offset, count) -> 42L);
        int[] prompt = range(0, 9);
        KvSequence a = prefill(kv, prompt, BlockHashKey.NONE);
        assertThat(kv.pool().isCached(0)).isTrue();
        assertThat(kv.pool().isCached(1)).as("its hash belongs to block 0; the chain closes").isFalse();

        int[] other = range(100, 9);
        assertThat(kv.cachedPrefix(other, 9, BlockHashKey.NONE)).isZero();
        KvSequence b = prefill(kv, other, BlockHashKey.NONE);
        assertThat(table(b)).containsExactly(3, 4, 5);
        assertThat(kv.pool().isCached(3)).isFalse();
        assertThat(kv.cachedPrefix(prompt, 9, BlockHashKey.NONE)).isEqualTo(4);
        assertThat(table(a)).containsExactly(0, 1, 2);
    }

    @Test
    void aHashBlindToTokensStillFindsOnlyTheRightBlocks() {
        // The hash depends only on the position in the chain: every prompt's block i collides with every other's.
        KvCacheManager kv = new KvCacheManager(CONFIG, 10, (parent, tokens, offset, count) -> parent + 1);
        int[] prompt = range(0, 9);
        prefill(kv, prompt, BlockHashKey.NONE);
        assertThat(kv.cachedPrefix(prompt, 9, BlockHashKey.NONE)).isEqualTo(8);

        int[] secondBlockDiffers = prompt.clone();
        secondBlockDiffers[5] = 99;
        assertThat(kv.cachedPrefix(secondBlockDiffers, 9, BlockHashKey.NONE)).isEqualTo(4);
        KvSequence b = prefill(kv, secondBlockDiffers, BlockHashKey.NONE);
        assertThat(table(b)).containsExactly(0, 3, 4);
        assertThat(kv.pool().isCached(3)).isFalse();
        assertThat(kv.cachedPrefix(prompt, 9, BlockHashKey.NONE)).isEqualTo(8);
        assertThat(kv.cachedPrefix(prompt, 9, BlockHashKey.ofSalt("s"))).isZero();
    }

    @Test
    void aFullyCachedPromptStillComputesItsLastBlockAndThenSharesTheCachedOne() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 10);
        int[] prompt = range(0, 8);
        kv.free(prefill(kv, prompt, BlockHashKey.NONE));
        assertThat(kv.pool().freeQueueOrder()).containsExactly(2, 3, 4, 5, 6, 7, 8, 9, 1, 0);

        KvSequence b = kv.newSequence(BlockHashKey.NONE);
        assertThat(kv.matchPrefix(b, prompt, 8)).as("the last token must be computed").isEqualTo(4);
        kv.allocate(b, 4);
        assertThat(table(b)).containsExactly(0, 2);
        kv.commit(b, prompt, 8);
        assertThat(table(b)).as("the recomputed twin gives way to the cached block").containsExactly(0, 1);
        assertThat(refCounts(kv, 0, 1, 2)).containsExactly(1, 1, 0);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(2, 3, 4, 5, 6, 7, 8, 9);

        // One token more and the whole cached part is a hit.
        assertThat(kv.cachedPrefix(range(0, 9), 9, BlockHashKey.NONE)).isEqualTo(8);
        assertThat(kv.cachedPrefix(prompt, 1, BlockHashKey.NONE)).isZero();
    }

    @Test
    void chunkedPrefillRegistersBlocksOneChunkAtATime() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 10);
        int[] prompt = range(0, 14);
        KvSequence a = kv.newSequence(BlockHashKey.NONE);
        assertThat(kv.matchPrefix(a, prompt, 14)).isZero();

        kv.allocate(a, 5);
        assertThat(table(a)).containsExactly(0, 1);
        assertThat(kv.cachedPrefix(prompt, 14, BlockHashKey.NONE)).as("nothing committed yet").isZero();
        kv.commit(a, prompt, 5);
        assertThat(kv.cachedPrefix(prompt, 14, BlockHashKey.NONE)).isEqualTo(4);

        kv.allocate(a, 5);
        assertThat(table(a)).containsExactly(0, 1, 2);
        kv.commit(a, prompt, 10);
        assertThat(kv.cachedPrefix(prompt, 14, BlockHashKey.NONE)).isEqualTo(8);

        kv.allocate(a, 4);
        assertThat(table(a)).containsExactly(0, 1, 2, 3);
        kv.commit(a, prompt, 14);
        assertThat(kv.cachedPrefix(prompt, 14, BlockHashKey.NONE)).isEqualTo(12);
        assertThat(kv.pool().isCached(3)).as("partial").isFalse();
    }

    @Test
    void aPreemptedSequenceFindsItsCommittedBlocksWhenAdmittedAgain() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 10);
        int[] tokens = Arrays.copyOf(range(0, 10), 20);
        KvSequence a = kv.newSequence(BlockHashKey.NONE);
        kv.matchPrefix(a, tokens, 10);
        kv.allocate(a, 10);
        kv.commit(a, tokens, 10);
        // Three decode steps, each computing the token sampled by the step before.
        for (int length = 10; length < 13; length++) {
            tokens[length] = 50 + length;
            assertThat(kv.canAllocate(a, 1)).isTrue();
            kv.allocate(a, 1);
            kv.commit(a, tokens, length + 1);
        }
        assertThat(table(a)).containsExactly(0, 1, 2, 3);

        kv.free(a);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(3, 4, 5, 6, 7, 8, 9, 2, 1, 0);

        tokens[13] = 63;
        assertThat(kv.matchPrefix(a, tokens, 14)).isEqualTo(12);
        kv.allocate(a, 2);
        assertThat(table(a)).as("the same blocks as before preemption").containsExactly(0, 1, 2, 3);
        assertThat(a.numComputedTokens()).isEqualTo(12);
    }

    @Test
    void evictionTakesTheLeastRecentlyUsedCachedBlockAndItsPrefixThenMisses() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 6);
        int[] first = range(0, 5);
        int[] second = range(100, 5);
        kv.free(prefill(kv, first, BlockHashKey.NONE));
        assertThat(kv.pool().freeQueueOrder()).containsExactly(1, 2, 3, 4, 5, 0);
        kv.free(prefill(kv, second, BlockHashKey.NONE));
        assertThat(kv.pool().freeQueueOrder()).containsExactly(2, 3, 4, 5, 0, 1);
        assertThat(kv.stats().cachedBlocks()).isEqualTo(2);

        // Plain free blocks go first; then the older cached block (first's) is evicted.
        KvSequence big = prefill(kv, range(200, 20), BlockHashKey.NONE);
        assertThat(table(big)).containsExactly(2, 3, 4, 5, 0);
        assertThat(kv.stats().evictions()).isEqualTo(1);
        assertThat(kv.cachedPrefix(first, 5, BlockHashKey.NONE)).isZero();
        assertThat(kv.cachedPrefix(second, 5, BlockHashKey.NONE)).isEqualTo(4);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(1);
    }

    @Test
    void aForkSharesBlocksAndCopiesTheSharedPartialBlockOnWrite() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 8);
        int[] tokens = Arrays.copyOf(range(0, 6), 12);
        KvSequence parent = prefill(kv, Arrays.copyOf(tokens, 6), BlockHashKey.NONE);
        assertThat(table(parent)).containsExactly(0, 1);

        KvSequence child = kv.fork(parent);
        assertThat(table(child)).containsExactly(0, 1);
        assertThat(child.numComputedTokens()).isEqualTo(6);
        assertThat(refCounts(kv, 0, 1)).containsExactly(2, 2);

        // The parent writes position 6 into block 1, which both hold: it gets block 2, a copy of block 1.
        assertThat(kv.freeBlocksNeeded(parent, 7)).isEqualTo(1);
        kv.allocate(parent, 1);
        assertThat(table(parent)).containsExactly(0, 2);
        assertThat(refCounts(kv, 0, 1, 2)).containsExactly(2, 1, 1);

        // Block 1 is the child's alone now: it writes in place. Block 0 is full and stays shared.
        assertThat(kv.freeBlocksNeeded(child, 7)).isZero();
        kv.allocate(child, 1);
        assertThat(table(child)).containsExactly(0, 1);

        BlockCopies copies = kv.drainPendingCopies();
        assertThat(copies.sources()).containsExactly(1);
        assertThat(copies.destinations()).containsExactly(2);
        assertThat(kv.drainPendingCopies()).isSameAs(BlockCopies.NONE);

        // Each sampled its own token at position 6; both fill block 1 differently and both get cached.
        int[] parentTokens = tokens.clone();
        int[] childTokens = tokens.clone();
        parentTokens[6] = 60;
        childTokens[6] = 70;
        kv.commit(parent, parentTokens, 7);
        kv.commit(child, childTokens, 7);
        for (int position = 7; position < 8; position++) {
            parentTokens[position] = 61;
            childTokens[position] = 71;
            kv.allocate(parent, 1);
            kv.allocate(child, 1);
            kv.commit(parent, parentTokens, position + 1);
            kv.commit(child, childTokens, position + 1);
        }
        assertThat(kv.pool().isCached(2)).isTrue();
        assertThat(kv.pool().isCached(1)).isTrue();
        assertThat(kv.cachedPrefix(Arrays.copyOf(parentTokens, 9), 9, BlockHashKey.NONE)).isEqualTo(8);
        assertThat(kv.cachedPrefix(Arrays.copyOf(childTokens, 9), 9, BlockHashKey.NONE)).isEqualTo(8);
        assertThat(kv.drainPendingCopies().isEmpty()).isTrue();
    }

    @Test
    void aForkOfABlockAlignedSequenceNeedsNoCopy() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 8);
        KvSequence parent = prefill(kv, range(0, 8), BlockHashKey.NONE);
        KvSequence child = kv.fork(parent);
        kv.allocate(parent, 1);
        kv.allocate(child, 1);
        assertThat(table(parent)).containsExactly(0, 1, 2);
        assertThat(table(child)).containsExactly(0, 1, 3);
        assertThat(kv.drainPendingCopies().isEmpty()).isTrue();
    }

    @Test
    void blocksOfAPendingCopyStayReservedUntilDrained() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 4);
        KvSequence parent = prefill(kv, range(0, 6), BlockHashKey.NONE);
        KvSequence child = kv.fork(parent);
        kv.allocate(parent, 1);
        assertThat(table(parent)).containsExactly(0, 2);

        // Both finish (or are preempted) before the engine ran the copy 1 -> 2.
        kv.free(child);
        kv.free(parent);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(3, 0);
        assertThat(kv.stats().usedBlocks()).isEqualTo(2);

        BlockCopies copies = kv.drainPendingCopies();
        assertThat(copies.sources()).containsExactly(1);
        assertThat(copies.destinations()).containsExactly(2);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(2, 1, 3, 0);
        assertThat(kv.stats().usedBlocks()).isZero();
    }

    @Test
    void aFailedAllocationChangesNothing() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 5);
        kv.free(prefill(kv, range(0, 9), BlockHashKey.NONE));
        assertThat(kv.pool().freeQueueOrder()).containsExactly(2, 3, 4, 1, 0);
        KvSequence running = prefill(kv, range(100, 12), BlockHashKey.NONE);
        assertThat(table(running)).containsExactly(2, 3, 4);

        KvSequence b = kv.newSequence(BlockHashKey.NONE);
        assertThat(kv.matchPrefix(b, range(0, 20), 20)).isEqualTo(8);
        // Five blocks for 20 tokens: three fresh plus the two matched ones, which sit in the free queue.
        assertThat(kv.freeBlocksNeeded(b, 20)).isEqualTo(5);
        assertThat(kv.canAllocate(b, 12)).isFalse();
        KvCacheStats before = kv.stats();
        assertThatThrownBy(() -> kv.allocate(b, 12))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs 5 free blocks to cover 20 tokens but 2 are free");
        assertThat(kv.stats()).isEqualTo(before);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(1, 0);
        assertThat(refCounts(kv, 0, 1)).containsExactly(0, 0);
        assertThat(b.numBlocks()).isZero();
        assertThat(b.hasPendingMatch()).isTrue();

        assertThatThrownBy(() -> kv.allocate(running, 9)).hasMessageContaining("needs 3 free blocks");
        assertThat(table(running)).containsExactly(2, 3, 4);
        // What does fit still works, the match included.
        assertThat(kv.canAllocate(b, 0)).isTrue();
        kv.allocate(b, 0);
        assertThat(table(b)).containsExactly(0, 1);
    }

    @Test
    void aMatchMadeBeforeAnEvictionIsRefused() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 4);
        kv.free(prefill(kv, range(0, 5), BlockHashKey.NONE));
        KvSequence b = kv.newSequence(BlockHashKey.NONE);
        assertThat(kv.matchPrefix(b, range(0, 9), 9)).isEqualTo(4);

        KvSequence other = prefill(kv, range(100, 16), BlockHashKey.NONE);
        assertThat(table(other)).containsExactly(1, 2, 3, 0);
        assertThatThrownBy(() -> kv.canAllocate(b, 5)).hasMessageContaining("stale prefix match");
        assertThatThrownBy(() -> kv.allocate(b, 5)).hasMessageContaining("stale prefix match");

        kv.free(other);
        assertThat(kv.matchPrefix(b, range(0, 9), 9)).isZero();
        assertThat(kv.canAllocate(b, 9)).isTrue();
    }

    @Test
    void freeBlocksNeededCountsHitsInUseAsFreeAndHitsInTheFreeQueueAsTaken() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 10);
        int[] prompt = range(0, 9);
        KvSequence a = prefill(kv, prompt, BlockHashKey.NONE);
        assertThat(kv.freeBlocksNeeded(a, 16)).as("a running sequence growing to 16 tokens").isEqualTo(1);

        KvSequence b = kv.newSequence(BlockHashKey.NONE);
        kv.matchPrefix(b, prompt, 9);
        // Prompt plus 7 generated tokens: 4 blocks, 2 of them hits on blocks a holds.
        assertThat(kv.freeBlocksNeeded(b, 16)).isEqualTo(2);
        kv.free(a);
        assertThat(kv.freeBlocksNeeded(b, 16)).as("the hit blocks now come out of the free queue").isEqualTo(4);
        assertThat(kv.blocksFor(16)).isEqualTo(4);
    }

    @Test
    void withoutBlockReuseNothingIsCachedOrLookedUp() {
        KvCacheManager kv = new KvCacheManager(CONFIG.withBlockReuse(false), 6);
        int[] prompt = range(0, 9);
        KvSequence a = prefill(kv, prompt, BlockHashKey.NONE);
        assertThat(kv.pool().isCached(0)).isFalse();
        kv.free(a);
        assertThat(kv.pool().freeQueueOrder()).containsExactly(0, 1, 2, 3, 4, 5);
        KvSequence b = kv.newSequence(BlockHashKey.NONE);
        assertThat(kv.matchPrefix(b, prompt, 9)).isZero();
        assertThat(kv.cachedPrefix(prompt, 9, BlockHashKey.NONE)).isZero();
        kv.allocate(b, 9);
        assertThat(kv.stats()).isEqualTo(new KvCacheStats(6, 3, 3, 0, 0, 0, 0, 0));
    }

    @Test
    void statisticsCountAdmissionsHitsAndEvictions() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 6);
        int[] prompt = range(0, 13);
        KvSequence a = prefill(kv, prompt, BlockHashKey.NONE);
        KvSequence b = prefill(kv, prompt, BlockHashKey.NONE);
        KvCacheStats stats = kv.stats();
        assertThat(stats).isEqualTo(new KvCacheStats(6, 1, 5, 0, 2, 26, 12, 0));
        assertThat(stats.hitRate()).isEqualTo(12 / 26.0);
        assertThat(stats.usage()).isEqualTo(5 / 6.0);

        kv.free(a);
        kv.free(b);
        assertThat(kv.stats().cachedBlocks()).isEqualTo(3);
        // Looking without admitting counts nothing; re-matching before allocating counts once.
        kv.cachedPrefix(prompt, 13, BlockHashKey.NONE);
        KvSequence c = kv.newSequence(BlockHashKey.NONE);
        kv.matchPrefix(c, range(50, 24), 24);
        kv.matchPrefix(c, range(50, 24), 24);
        kv.allocate(c, 24);
        assertThat(kv.stats()).isEqualTo(new KvCacheStats(6, 0, 6, 0, 3, 50, 12, 3));
    }

    @Test
    void misuseIsRefusedWithAClearMessage() {
        KvCacheManager kv = new KvCacheManager(CONFIG, 6);
        int[] prompt = range(0, 9);
        KvSequence a = prefill(kv, prompt, BlockHashKey.NONE);
        assertThatThrownBy(() -> kv.matchPrefix(a, prompt, 9)).hasMessageContaining("already holds blocks");
        assertThatThrownBy(() -> kv.commit(a, prompt, 13)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot have 13 computed tokens");
        assertThatThrownBy(() -> kv.commit(a, prompt, 8)).hasMessageContaining("it had 9");
        assertThatThrownBy(() -> kv.allocate(a, -1)).hasMessageContaining("must be >= 0");
        assertThatThrownBy(() -> kv.cachedPrefix(prompt, 0, BlockHashKey.NONE)).hasMessageContaining("[1, 9]");

        KvSequence b = kv.newSequence(BlockHashKey.NONE);
        kv.matchPrefix(b, prompt, 9);
        assertThatThrownBy(() -> kv.commit(b, prompt, 8)).hasMessageContaining("allocate first");
        assertThatThrownBy(() -> kv.fork(b)).hasMessageContaining("allocate before forking");
    }
}
