package ai.jllm.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.kvcache.BlockHashKey;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.kvcache.KvCacheManager;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The one-step-ahead schedule of an engine that overlaps steps ({@link Scheduler#scheduleAhead}), with real KV-cache
 * bookkeeping and no model: the step after a running one is scheduled before its tokens are appended, then both
 * finish in order, as the engine does. Asserts the chunks, the blocks reserved and that none leak.
 */
class ScheduleAheadTest {

    private static final int BLOCK = 4;
    private long arrivals;

    private KvCacheManager kv(int blocks) {
        return new KvCacheManager(new KvCacheConfig(BLOCK, 1.0, OptionalInt.empty(), false), blocks);
    }

    private Sequence sequence(KvCacheManager kv, String id, int promptLength, int maxTokens, int first) {
        int[] prompt = IntStream.range(first, first + promptLength).toArray();
        return new Sequence(id, 0, 0, arrivals++, prompt, promptLength, promptLength, promptLength + maxTokens,
                kv.newSequence(BlockHashKey.NONE));
    }

    /** The engine's side of a step: commit, then append a token to every running chunk that samples. */
    private static void finishStep(Scheduler scheduler, SchedulerOutput output) {
        scheduler.update(output);
        for (ScheduledChunk chunk : output.chunks()) {
            if (chunk.samples() > 0 && chunk.sequence().status() == Sequence.Status.RUNNING) {
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

    /** Two sequences past their prompts, each decoding (the running step is {@code decode}). */
    private record Decoding(Scheduler scheduler, KvCacheManager kv, Sequence a, Sequence b, SchedulerOutput decode) {}

    private Decoding decoding(int blocks, int maxTokens, SchedulerPolicy policy) {
        KvCacheManager kv = kv(blocks);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(4, 64, 64, policy), kv);
        Sequence a = sequence(kv, "a", 3, maxTokens, 0);
        Sequence b = sequence(kv, "b", 6, maxTokens, 100);
        scheduler.add(a, 0);
        scheduler.add(b, 0);
        finishStep(scheduler, scheduler.schedule());
        SchedulerOutput decode = scheduler.schedule();
        assertThat(describe(decode)).containsExactly("a:3+1*", "b:6+1*");
        return new Decoding(scheduler, kv, a, b, decode);
    }

    @Test
    void theStepAheadDecodesOnePositionFurtherWithItsBlockReserved() {
        Decoding d = decoding(16, 8, SchedulerPolicy.GUARANTEED_NO_EVICT);
        // a holds positions 0..3 in one block; the ahead token sits at position 4, in a second block.
        assertThat(d.a().kv().numBlocks()).isEqualTo(1);
        SchedulerOutput ahead = d.scheduler().scheduleAhead(d.decode()).orElseThrow();
        assertThat(describe(ahead)).containsExactly("a:4+1*", "b:7+1*");
        assertThat(d.a().kv().numBlocks()).isEqualTo(2);
        assertThat(d.b().kv().numBlocks()).isEqualTo(2);

        finishStep(d.scheduler(), d.decode());
        // The engine's next call: the step after `ahead`, while `ahead` runs.
        SchedulerOutput next = d.scheduler().scheduleAhead(ahead).orElseThrow();
        assertThat(describe(next)).containsExactly("a:5+1*", "b:8+1*");
        finishStep(d.scheduler(), ahead);
        finishStep(d.scheduler(), next);
        assertThat(d.a().numComputedTokens()).isEqualTo(6);
        assertThat(d.a().length()).isEqualTo(7);
        assertThat(d.a().tokens()[4]).isEqualTo(1004);
        assertThat(d.a().tokens()[5]).isEqualTo(1005);
    }

    @Test
    void aStepAlreadyReadIsNotChainedFrom() {
        Decoding d = decoding(16, 8, SchedulerPolicy.GUARANTEED_NO_EVICT);
        finishStep(d.scheduler(), d.decode());
        assertThat(d.scheduler().scheduleAhead(d.decode())).isEmpty();
    }

    @Test
    void aPlainScheduleAfterAChainContinuesWhereItEnded() {
        Decoding d = decoding(16, 8, SchedulerPolicy.GUARANTEED_NO_EVICT);
        SchedulerOutput ahead = d.scheduler().scheduleAhead(d.decode()).orElseThrow();
        finishStep(d.scheduler(), d.decode());
        finishStep(d.scheduler(), ahead);
        assertThat(describe(d.scheduler().schedule())).containsExactly("a:5+1*", "b:8+1*");
    }

    @Test
    void aSequenceThatEndsWhileTheStepAheadRunsIsSkippedAndLeaksNoBlock() {
        Decoding d = decoding(16, 8, SchedulerPolicy.GUARANTEED_NO_EVICT);
        SchedulerOutput ahead = d.scheduler().scheduleAhead(d.decode()).orElseThrow();
        finishStep(d.scheduler(), d.decode());
        // a's token was a stop token: the engine removes it while the step ahead still runs for it.
        d.scheduler().remove(d.a());
        finishStep(d.scheduler(), ahead);
        assertThat(d.a().isFinished()).isTrue();
        assertThat(d.a().kv().numBlocks()).isZero();
        assertThat(d.a().length()).isEqualTo(5);
        assertThat(describe(d.scheduler().schedule())).containsExactly("b:8+1*");
        d.scheduler().remove(d.b());
        assertThat(d.kv().numFreeBlocks()).isEqualTo(16);
        assertThat(d.kv().stats().usedBlocks()).isZero();
    }

    @Test
    void aSequenceCancelledBeforeTheStepAheadIsReadLeaksNoBlock() {
        Decoding d = decoding(16, 8, SchedulerPolicy.GUARANTEED_NO_EVICT);
        SchedulerOutput ahead = d.scheduler().scheduleAhead(d.decode()).orElseThrow();
        // Cancelled while both steps are in flight: before the running step's tokens are read.
        d.scheduler().remove(d.b());
        finishStep(d.scheduler(), d.decode());
        finishStep(d.scheduler(), ahead);
        assertThat(d.b().kv().numBlocks()).isZero();
        assertThat(describe(d.scheduler().schedule())).containsExactly("a:5+1*");
        d.scheduler().remove(d.a());
        assertThat(d.kv().stats().usedBlocks()).isZero();
    }

    @Test
    void noStepAheadWhenASequenceReachesItsMaximumLength() {
        // maxTokens 2: the running decode samples b's second and last output token.
        Decoding d = decoding(16, 2, SchedulerPolicy.GUARANTEED_NO_EVICT);
        assertThat(d.scheduler().scheduleAhead(d.decode())).isEmpty();
        assertThat(d.a().kv().numBlocks()).isEqualTo(1);
    }

    @Test
    void noStepAheadWhenAWaitingRequestCouldBeAdmitted() {
        Decoding d = decoding(16, 8, SchedulerPolicy.GUARANTEED_NO_EVICT);
        d.scheduler().add(sequence(d.kv(), "c", 2, 4, 200), 0);
        assertThat(d.scheduler().scheduleAhead(d.decode())).isEmpty();
    }

    @Test
    void noStepAheadAfterAPromptChunk() {
        KvCacheManager kv = kv(16);
        Scheduler scheduler = new Scheduler(new SchedulerConfig(4, 64, 64, SchedulerPolicy.GUARANTEED_NO_EVICT), kv);
        scheduler.add(sequence(kv, "a", 3, 8, 0), 0);
        SchedulerOutput prefill = scheduler.schedule();
        assertThat(scheduler.scheduleAhead(prefill)).isEmpty();
    }

    @Test
    void noStepAheadWhenThePoolLacksTheBlocksAndNothingIsPreempted() {
        // 4 blocks: a (positions 0..3) holds 1, b (0..6) holds 2; a's ahead token (position 4) needs a new block,
        // and the one free block goes to another sequence first.
        Decoding d = decoding(4, 8, SchedulerPolicy.MAX_UTILIZATION);
        Sequence filler = sequence(d.kv(), "filler", 4, 1, 300);
        d.kv().allocate(filler.kv(), 4);
        assertThat(d.kv().numFreeBlocks()).isZero();
        Optional<SchedulerOutput> ahead = d.scheduler().scheduleAhead(d.decode());
        assertThat(ahead).isEmpty();
        assertThat(d.scheduler().numRunning()).isEqualTo(2);
        assertThat(d.a().kv().numBlocks()).isEqualTo(1);
    }
}
