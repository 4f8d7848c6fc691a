package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.api.CompletionOutput;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.engine.FinishReason;
import ai.jllm.engine.IterationStats;
import ai.jllm.engine.QueueFullException;
import ai.jllm.engine.RequestHandle;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.scheduler.SchedulerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The runtime end to end on a golden model whose greedy continuations transformers computed: stopping rules,
 * limits, preemption, prefix reuse, streaming, cancellation, the bounded queue, concurrency and shutdown.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlmRuntimeTest {

    private final GoldenModel golden = GoldenModel.load("qwen2");
    private CpuBackend backend;
    private LLM llm;

    @BeforeAll
    void start() {
        backend = new CpuBackend(2);
        llm = builder().maxBatchSize(4).maxNumTokens(32).maxSeqLen(96)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(8).withMaxTokens(400)).build();
    }

    @AfterAll
    void stop() {
        llm.close();
        backend.close();
    }

    private LLM.Builder builder() {
        return LLM.builder().model(golden.dir()).backend(backend);
    }

    private static SamplingParams.Builder greedy(int maxTokens) {
        return SamplingParams.builder().greedy().maxTokens(maxTokens).ignoreEos(true);
    }

    private CompletionOutput generate(LLM engine, int prompt, SamplingParams params) {
        return engine.generateTokens(List.of(golden.prompts().get(prompt)), params).getFirst().outputs().getFirst();
    }

    @Test
    void stopTokenEndsTheSampleAndIsKept() {
        int[] greedy = golden.greedy().get(1);
        int stop = greedy[5];
        int firstStop = IntStream.range(0, greedy.length).filter(i -> greedy[i] == stop).findFirst().orElseThrow();
        CompletionOutput output = generate(llm, 1, greedy(24).stopTokenIds(List.of(stop)).build());
        assertThat(output.tokenIds()).containsExactly(Arrays.copyOf(greedy, firstStop + 1));
        assertThat(output.finishReason()).contains(FinishReason.STOP);
        assertThat(output.stopReason()).contains(Integer.toString(stop));
    }

    @Test
    void minTokensSuppressesStopTokensUntilReached() {
        int[] greedy = golden.greedy().get(1);
        CompletionOutput output = generate(llm, 1, greedy(10).minTokens(4).stopTokenIds(List.of(greedy[0])).build());
        assertThat(output.tokenIds()[0]).isNotEqualTo(greedy[0]);
        assertThat(output.tokenIds().length).isGreaterThanOrEqualTo(4);
    }

    @Test
    void maxSeqLenCapsTheOutput() {
        int[] prompt = golden.prompts().get(2);
        try (LLM small = builder().maxBatchSize(2).maxNumTokens(16).maxSeqLen(prompt.length + 5).build()) {
            CompletionOutput output = generate(small, 2, greedy(50).build());
            assertThat(output.tokenIds()).containsExactly(Arrays.copyOf(golden.greedy().get(2), 5));
            assertThat(output.finishReason()).contains(FinishReason.LENGTH);
        }
    }

    @Test
    void aSeededRequestSamplesTheSameWhateverRunsBesideIt() {
        SamplingParams params = SamplingParams.builder().temperature(1.0).topP(0.95).seed(2024).maxTokens(12)
                .ignoreEos(true).build();
        int[] alone = generate(llm, 1, params).tokenIds();
        List<RequestOutput> together = llm.generateTokens(
                List.of(golden.prompts().get(2), golden.prompts().get(1), golden.prompts().get(0)), params);
        assertThat(together.get(1).outputs().getFirst().tokenIds()).containsExactly(alone);
        int[] otherSeed = generate(llm, 1, SamplingParams.builder().temperature(1.0).topP(0.95).seed(7).maxTokens(12)
                .ignoreEos(true).build()).tokenIds();
        assertThat(otherSeed).isNotEqualTo(alone);
    }

    /** A cache too small for all requests at once: preemption and recomputation leave every output unchanged. */
    @Test
    void preemptionUnderMaxUtilizationLeavesOutputsUnchanged() {
        List<int[]> prompts = List.of(golden.prompts().get(2), golden.prompts().get(1), golden.prompts().get(2),
                golden.prompts().get(0));
        SamplingParams sampled = SamplingParams.builder().temperature(0.9).seed(11).maxTokens(24).ignoreEos(true)
                .build();
        List<RequestOutput> roomy = llm.generateTokens(prompts, sampled);
        List<IterationStats> steps = new CopyOnWriteArrayList<>();
        try (LLM tight = builder().maxBatchSize(4).maxNumTokens(64).maxSeqLen(96)
                .schedulerPolicy(SchedulerPolicy.MAX_UTILIZATION).statsListener(steps::add)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(8).withMaxTokens(96)).build()) {
            List<RequestOutput> squeezed = tight.generateTokens(prompts, sampled);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(squeezed.get(i).outputs().getFirst().tokenIds()).as("request %d", i)
                        .containsExactly(roomy.get(i).outputs().getFirst().tokenIds());
            }
            assertThat(steps.stream().mapToInt(IterationStats::preempted).sum()).isPositive();
            assertThat(squeezed.stream().mapToInt(o -> o.metrics().numPreemptions()).sum()).isPositive();
        }
    }

    @Test
    void guaranteedNoEvictNeverPreempts() {
        List<IterationStats> steps = new CopyOnWriteArrayList<>();
        try (LLM tight = builder().maxBatchSize(4).maxNumTokens(64).maxSeqLen(96).statsListener(steps::add)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(8).withMaxTokens(96)).build()) {
            List<RequestOutput> outputs = tight.generateTokens(List.of(golden.prompts().get(2), golden.prompts().get(2),
                    golden.prompts().get(1)), greedy(24).build());
            assertThat(outputs.get(0).outputs().getFirst().tokenIds()).containsExactly(golden.greedy().get(2));
            assertThat(outputs.get(2).outputs().getFirst().tokenIds()).containsExactly(golden.greedy().get(1));
            assertThat(steps.stream().mapToInt(IterationStats::preempted).sum()).isZero();
            assertThat(steps.stream().mapToInt(IterationStats::running).max().orElseThrow()).isLessThan(3);
        }
    }

    @Test
    void aRepeatedPromptReusesCachedBlocks() {
        int[] prompt = golden.prompts().get(2); // 37 tokens: 4 full blocks of 8
        RequestOutput first = llm.generateTokens(List.of(prompt), greedy(4).build()).getFirst();
        RequestOutput second = llm.generateTokens(List.of(prompt), greedy(4).build()).getFirst();
        assertThat(second.numCachedTokens()).isEqualTo(32);
        assertThat(second.outputs().getFirst().tokenIds()).containsExactly(first.outputs().getFirst().tokenIds())
                .containsExactly(Arrays.copyOf(golden.greedy().get(2), 4));
    }

    @Test
    void streamedDeltasAddUpToTheResult() {
        RequestHandle handle = llm.submit(golden.prompts().get(1), greedy(10).build(), true);
        List<Integer> tokens = new ArrayList<>();
        handle.stream().forEachRemaining(delta -> {
            for (int token : delta.outputs().getFirst().tokenIds()) {
                tokens.add(token);
            }
        });
        RequestOutput result = handle.result().join();
        assertThat(tokens).containsExactly(Arrays.stream(golden.greedy().get(1)).limit(10).boxed().toArray(Integer[]::new));
        assertThat(result.outputs().getFirst().tokenIds()).hasSize(10);
        assertThat(result.metrics().firstTokenNanos()).isPresent();
    }

    @Test
    void cancellingFreesTheBlocksAtOnce() throws Exception {
        // The engine thread waits after each step until the test lets it go, so the cancel lands mid-request.
        java.util.concurrent.Semaphore steps = new java.util.concurrent.Semaphore(0);
        try (LLM paused = builder().maxBatchSize(2).maxNumTokens(64).maxSeqLen(96)
                .statsListener(stats -> steps.acquireUninterruptibly()).build()) {
            RequestHandle handle = paused.submit(golden.prompts().get(2), greedy(50).build(), true);
            handle.stream().next(); // its prompt ran and the first token came out; the engine is now waiting
            assertThat(paused.executor().stats().kvBlocksUsed()).isPositive();
            handle.cancel();
            steps.release(1_000);
            RequestOutput result = handle.result().get();
            assertThat(result.outputs().getFirst().finishReason()).contains(FinishReason.ABORT);
            assertThat(result.outputs().getFirst().tokenIds().length).isLessThan(50);
            // Every block is free again (its full ones stay cached), and the statistics say so at once although
            // the idle engine runs no further step.
            assertThat(paused.executor().stats().kvBlocksUsed()).isZero();
            assertThat(paused.executor().stats().running()).isZero();
            assertThat(paused.executor().numRequests()).isZero();
        }
    }

    @Test
    void aFullQueueRefusesWithATypedError() {
        java.util.concurrent.Semaphore steps = new java.util.concurrent.Semaphore(0);
        // max_num_tokens holds the whole prompt, so its first step already yields a token to wait for.
        try (LLM oneAtATime = builder().maxBatchSize(1).maxNumTokens(64).maxSeqLen(96).maxQueueSize(2)
                .statsListener(stats -> steps.acquireUninterruptibly()).build()) {
            RequestHandle running = oneAtATime.submit(golden.prompts().get(2), greedy(40).build(), true);
            running.stream().next(); // admitted and stepping; the engine now waits after its step
            RequestHandle second = oneAtATime.submit(golden.prompts().get(1), greedy(4).build(), false);
            RequestHandle third = oneAtATime.submit(golden.prompts().get(1), greedy(4).build(), false);
            assertThatThrownBy(() -> oneAtATime.submit(golden.prompts().get(1), greedy(4).build(), false))
                    .isInstanceOf(QueueFullException.class).hasMessageContaining("max_queue_size 2");
            steps.release(10_000);
            running.cancel();
            assertThat(second.result().join().outputs().getFirst().tokenIds()).hasSize(4);
            assertThat(third.result().join().outputs().getFirst().tokenIds()).hasSize(4);
        }
    }

    @Test
    void badRequestsFailAtSubmission() {
        SamplingParams params = greedy(4).build();
        assertThatThrownBy(() -> llm.submit(new int[0], params, false)).isInstanceOf(JllmException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> llm.submit(new int[] {5, 256}, params, false)).isInstanceOf(JllmException.class)
                .hasMessageContaining("token id 256");
        assertThatThrownBy(() -> llm.submit(new int[96], params, false)).isInstanceOf(JllmException.class)
                .hasMessageContaining("max_seq_len is 96");
    }

    @Test
    void manyThreadsSubmittingAtOnceEachGetTheirOwnResult() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                int prompt = i % 3;
                futures.add(pool.submit(() -> generate(llm, prompt, greedy(8).build()).tokenIds()));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).containsExactly(Arrays.copyOf(golden.greedy().get(i % 3), 8));
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Logprobs are transformers' log-softmax at each greedy step, read from the golden logits. */
    @Test
    void logprobsAreTheModelsLogSoftmax() {
        int p = 1;
        CompletionOutput output = generate(llm, p, greedy(6).logprobs(3).build());
        float[] reference = golden.logits("greedy." + p + ".logits");
        int vocab = reference.length / golden.greedy().get(p).length;
        assertThat(output.logprobs()).hasSize(6);
        double cumulative = 0;
        for (int step = 0; step < 6; step++) {
            double[] expected = logSoftmax(reference, step * vocab, vocab);
            var entry = output.logprobs().get(step);
            assertThat(entry.token().tokenId()).isEqualTo(output.tokenIds()[step]);
            assertThat((double) entry.token().logprob()).isCloseTo(expected[entry.token().tokenId()],
                    org.assertj.core.data.Offset.offset(1e-3));
            assertThat(entry.token().rank()).isEqualTo(1);
            assertThat(entry.top()).hasSize(3);
            assertThat(entry.top().getFirst().tokenId()).isEqualTo(output.tokenIds()[step]);
            cumulative += entry.token().logprob();
        }
        assertThat(output.cumulativeLogprob()).isCloseTo(cumulative, org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void promptLogprobsAreTheModelsLogSoftmaxAtEveryPromptPosition() {
        int p = 2;
        int[] prompt = golden.prompts().get(p);
        RequestOutput output = llm.generateTokens(List.of(prompt), greedy(1).promptLogprobs(2).build()).getFirst();
        float[] reference = golden.logits("prompt." + p + ".logits");
        int vocab = reference.length / prompt.length;
        assertThat(output.promptLogprobs()).hasSize(prompt.length - 1);
        for (int i = 0; i + 1 < prompt.length; i++) {
            double[] expected = logSoftmax(reference, i * vocab, vocab);
            var entry = output.promptLogprobs().get(i);
            assertThat(entry.token().tokenId()).isEqualTo(prompt[i + 1]);
            assertThat((double) entry.token().logprob()).as("prompt position %d", i + 1)
                    .isCloseTo(expected[prompt[i + 1]], org.assertj.core.data.Offset.offset(1e-3));
            assertThat(entry.top()).hasSize(2);
        }
        // Such a prompt is computed in full, in chunks the logits buffer holds, and gives the usual first token.
        assertThat(output.numCachedTokens()).isZero();
        assertThat(output.outputs().getFirst().tokenIds()).containsExactly(golden.greedy().get(p)[0]);
    }

    @Test
    void nSamplesShareThePromptAndDrawIndependently() {
        SamplingParams params = SamplingParams.builder().temperature(1.0).seed(99).maxTokens(8).ignoreEos(true).n(3)
                .build();
        RequestOutput output = llm.generateTokens(List.of(golden.prompts().get(2)), params).getFirst();
        assertThat(output.outputs()).hasSize(3);
        assertThat(output.outputs()).extracting(CompletionOutput::index).containsExactly(0, 1, 2);
        for (CompletionOutput sample : output.outputs()) {
            assertThat(sample.tokenIds()).hasSize(8);
        }
        // Sample 0 is exactly the n = 1 request with the same seed.
        int[] single = generate(llm, 2, params.toBuilder().n(1).build()).tokenIds();
        assertThat(output.outputs().getFirst().tokenIds()).containsExactly(single);
        assertThat(output.outputs().get(1).tokenIds()).isNotEqualTo(single);
        // The same request again gives the same three samples.
        RequestOutput again = llm.generateTokens(List.of(golden.prompts().get(2)), params).getFirst();
        for (int i = 0; i < 3; i++) {
            assertThat(again.outputs().get(i).tokenIds()).containsExactly(output.outputs().get(i).tokenIds());
        }
    }

    @Test
    void aRepetitionPenaltyChangesTheGreedyPath() {
        int[] plain = generate(llm, 2, greedy(24).build()).tokenIds();
        int[] penalized = generate(llm, 2, greedy(24).repetitionPenalty(2.0).build()).tokenIds();
        assertThat(plain).containsExactly(golden.greedy().get(2));
        assertThat(penalized).isNotEqualTo(plain);
    }

    @Test
    void beamSearchWithOneBeamIsGreedyAndWiderBeamsScoreAtLeastAsWell() {
        // One beam is plain greedy decoding; its logprobs give the greedy path's cumulative logprob.
        RequestOutput one = llm.generateTokens(List.of(golden.prompts().get(1)),
                SamplingParams.builder().greedy().maxTokens(10).ignoreEos(true).beamWidth(1).logprobs(0).build())
                .getFirst();
        assertThat(one.outputs().getFirst().tokenIds()).containsExactly(Arrays.copyOf(golden.greedy().get(1), 10));
        RequestOutput wide = llm.generateTokens(List.of(golden.prompts().get(1)),
                SamplingParams.builder().greedy().maxTokens(10).ignoreEos(true).beamWidth(4).n(2).lengthPenalty(0)
                        .build()).getFirst();
        assertThat(wide.outputs()).hasSize(2);
        // With no length penalty the score is the cumulative logprob: the best beam beats the greedy path's.
        assertThat(wide.outputs().get(0).cumulativeLogprob())
                .isGreaterThanOrEqualTo(one.outputs().getFirst().cumulativeLogprob() - 1e-6)
                .isGreaterThanOrEqualTo(wide.outputs().get(1).cumulativeLogprob());
        // Every beam's block is released at the end.
        assertThat(llm.executor().stats().kvBlocksUsed()).isZero();
    }

    private static double[] logSoftmax(float[] logits, int offset, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        double log = max + Math.log(sum);
        double[] result = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            result[i] = logits[offset + i] - log;
        }
        return result;
    }

    @Test
    void closingLetsRunningRequestsFinish() {
        LLM closing = builder().maxBatchSize(2).maxNumTokens(16).maxSeqLen(96).shutdownGrace(Duration.ofSeconds(30))
                .build();
        RequestHandle handle = closing.submit(golden.prompts().get(1), greedy(20).build(), false);
        closing.close();
        CompletionOutput output = handle.result().join().outputs().getFirst();
        assertThat(output.finishReason()).contains(FinishReason.LENGTH);
        assertThat(output.tokenIds()).containsExactly(Arrays.copyOf(golden.greedy().get(1), 20));
        assertThatThrownBy(() -> closing.submit(golden.prompts().get(1), greedy(2).build(), false))
                .hasMessageContaining("shutting down");
    }
}
