package ai.jllm.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.kvcache.BlockHashKey;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.kvcache.KvCacheManager;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The scheduler step by step, with real KV-cache bookkeeping and no model: each "step" appends a token to every
 * sequence that sampled, as the engine would. Asserts the exact chunks, block tables and queue states.
 */
class SchedulerTest {

    private static final int BLOCK = 4;
    private long arrivals;

    private KvCacheManager kv(int blocks, boolean reuse) {
        return new KvCacheManager(new KvCacheConfig(BLOCK, 1.0, OptionalInt.empty(), reuse), blocks);
    }

    private Sequence sequence(KvCacheManager kv, String id, int promptLength, int maxTokens, int priority, int first) {
        int[] prompt = IntStream.range(first, first + promptLength).toArray();
        return new Sequence(id, 0, priority, arrivals++, prompt, promptLength, promptLength, promptLength + maxTokens,
                kv.newSequence(BlockHashKey.NONE));
    }

    /** Runs the engine's side of a step: commit, then append a token to every chunk that samples. */
    private static void finishStep(Scheduler scheduler, SchedulerOutput output) {
        scheduler.update(output);
        for (ScheduledChunk chunk : output.chunks()) {
            if (chunk.samples() > 0) {
                chunk.sequence().append(1000 + chunk.sequence().length());
            }
        }
    }

    private static List<String> describe(SchedulerOutput output) {
        return output.chunks().stream()
                .map(c -> c.sequence().requestId() + ":" + c.startPosition() + "+" + c.numTokens()
                        + (c.samples() > 0 ? "*" : ""))
                .toList();
    }

    @Test
    void chunkedPrefillRunsUnderTheTokenBudgetWithDecodesFirst() {
        KvCacheManager kv = kv(64, false);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(4, 8, 64, SchedulerPolicy.GUARANTEED_NO_EVICT), kv);
        Sequence a = sequence(kv, "a", 5, 3, 0, 0);
        Sequence b = sequence(kv, "b", 10, 3, 0, 100);
        scheduler.add(a, 0);
        scheduler.add(b, 0);

        SchedulerOutput step1 = scheduler.schedule();
        assertThat(describe(step1)).containsExactly("a:0+5*", "b:0+3");
        finishStep(scheduler, step1);
        SchedulerOutput step2 = scheduler.schedule();
        assertThat(describe(step2)).containsExactly("a:5+1*", "b:3+7*");
        assertThat(step2.numTokens()).isEqualTo(8);
        finishStep(scheduler, step2);
        SchedulerOutput step3 = scheduler.schedule();
        assertThat(describe(step3)).containsExactly("a:6+1*", "b:10+1*");
        // Block tables cover the computed tokens plus this step's.
        assertThat(a.kv().numBlocks()).isEqualTo(2);
        assertThat(b.kv().numBlocks()).isEqualTo(3);
    }

    @Test
    void guaranteedNoEvictAdmitsOnlyWhatCanFinish() {
        // 6 blocks of 4 tokens; each request needs prompt 4 + 8 tokens - 1 = 11 tokens = 3 blocks.
        KvCacheManager kv = kv(6, false);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(8, 64, 64, SchedulerPolicy.GUARANTEED_NO_EVICT), kv);
        Sequence a = sequence(kv, "a", 4, 8, 0, 0);
        Sequence b = sequence(kv, "b", 4, 8, 0, 10);
        Sequence c = sequence(kv, "c", 4, 8, 0, 20);
        scheduler.add(a, 0);
        scheduler.add(b, 0);
        scheduler.add(c, 0);
        SchedulerOutput step = scheduler.schedule();
        assertThat(describe(step)).containsExactly("a:0+4*", "b:0+4*");
        assertThat(scheduler.numWaiting()).isEqualTo(1);
        // Run a and b to the end: nobody is ever preempted, c waits until a block budget frees up.
        for (int i = 0; i < 8; i++) {
            finishStep(scheduler, step);
            assertThat(step.preempted()).isEmpty();
            if (a.outputLength() == 8) {
                scheduler.remove(a);
                scheduler.remove(b);
            }
            step = scheduler.schedule();
        }
        assertThat(describe(step)).containsExactly("c:0+4*");
    }

    @Test
    void maxUtilizationPreemptsTheNewestAndRecomputesIt() {
        // 4 blocks: two sequences of 4-token prompts fit, but not their growth.
        KvCacheManager kv = kv(4, true);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(8, 64, 64, SchedulerPolicy.MAX_UTILIZATION), kv);
        Sequence a = sequence(kv, "a", 4, 20, 0, 0);
        Sequence b = sequence(kv, "b", 4, 20, 0, 10);
        scheduler.add(a, 0);
        scheduler.add(b, 0);
        SchedulerOutput step = scheduler.schedule();
        assertThat(describe(step)).containsExactly("a:0+4*", "b:0+4*");
        finishStep(scheduler, step);
        // Tokens 5..8 need a second block each: 4 blocks hold it.
        for (int i = 0; i < 4; i++) {
            step = scheduler.schedule();
            assertThat(step.preempted()).isEmpty();
            finishStep(scheduler, step);
        }
        // a and b hold 2 blocks each, full; the next decode of a needs a third block: b (newer) is preempted.
        step = scheduler.schedule();
        assertThat(step.preempted()).containsExactly(b);
        assertThat(describe(step)).containsExactly("a:8+1*");
        assertThat(b.status()).isEqualTo(Sequence.Status.WAITING);
        assertThat(b.numComputedTokens()).isZero();
        assertThat(b.numPreemptions()).isEqualTo(1);
        // b's two full blocks stayed cached when it was freed, deepest first in eviction order, so a's new block
        // evicted b's second block. When a finishes, b comes back, finds its first block (its prompt) in the prefix
        // cache and recomputes the rest of its 9 tokens: positions 4..8, sampling again from the last.
        finishStep(scheduler, step);
        scheduler.remove(a);
        step = scheduler.schedule();
        assertThat(describe(step)).containsExactly("b:4+5*");
        assertThat(b.numCachedTokens()).isZero(); // cached_tokens counts the first admission only
        // Evictions: b's second block for a's third, then one of a's cached blocks for b's recompute.
        assertThat(kv.stats().evictions()).isEqualTo(2);
    }

    @Test
    void higherPriorityIsAdmittedFirstAndEqualPrioritiesKeepTheirOrder() {
        KvCacheManager kv = kv(64, false);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(2, 64, 64, SchedulerPolicy.GUARANTEED_NO_EVICT), kv);
        scheduler.add(sequence(kv, "low-1", 4, 4, 0, 0), 0);
        scheduler.add(sequence(kv, "low-2", 4, 4, 0, 10), 0);
        scheduler.add(sequence(kv, "high", 4, 4, 5, 20), 0);
        assertThat(describe(scheduler.schedule())).containsExactly("high:0+4*", "low-1:0+4*");
    }

    @Test
    void prefixCacheHitsAreNotRecomputedAndAreReported() {
        KvCacheManager kv = kv(64, true);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(4, 64, 64, SchedulerPolicy.GUARANTEED_NO_EVICT), kv);
        Sequence first = sequence(kv, "first", 10, 2, 0, 0);
        scheduler.add(first, 0);
        SchedulerOutput step = scheduler.schedule();
        finishStep(scheduler, step);
        scheduler.remove(first);
        // Same 10-token prompt: two full blocks (8 tokens) are cached.
        Sequence second = sequence(kv, "second", 10, 2, 0, 0);
        scheduler.add(second, 0);
        step = scheduler.schedule();
        assertThat(describe(step)).containsExactly("second:8+2*");
        assertThat(second.numCachedTokens()).isEqualTo(8);
        assertThat(kv.stats().hitTokens()).isEqualTo(8);
    }

    @Test
    void batchSizeLimitsRunningSequencesAndReservesRoomForSiblings() {
        KvCacheManager kv = kv(64, false);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(3, 64, 64, SchedulerPolicy.GUARANTEED_NO_EVICT), kv);
        Sequence withSiblings = sequence(kv, "n3", 4, 4, 0, 0);
        scheduler.add(withSiblings, 2);
        scheduler.add(sequence(kv, "other", 4, 4, 0, 10), 0);
        SchedulerOutput step = scheduler.schedule();
        // The n = 3 request samples three tokens from its prompt; "other" must wait for a free slot.
        assertThat(describe(step)).containsExactly("n3:0+4*");
        assertThat(step.chunks().getFirst().samples()).isEqualTo(3);
        assertThat(scheduler.takeSiblings(withSiblings)).isEqualTo(2);
        assertThat(scheduler.takeSiblings(withSiblings)).isZero();
    }

    @Test
    void removingAWaitingOrRunningSequenceFreesItsBlocks() {
        KvCacheManager kv = kv(16, false);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(4, 64, 64, SchedulerPolicy.GUARANTEED_NO_EVICT), kv);
        Sequence running = sequence(kv, "running", 9, 4, 0, 0);
        scheduler.add(running, 0);
        finishStep(scheduler, scheduler.schedule());
        Sequence waiting = sequence(kv, "waiting", 4, 4, 0, 10);
        scheduler.add(waiting, 0);
        assertThat(kv.numFreeBlocks()).isEqualTo(13);
        scheduler.remove(running);
        scheduler.remove(waiting);
        assertThat(kv.numFreeBlocks()).isEqualTo(16);
        assertThat(scheduler.hasWork()).isFalse();
    }
}
