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
        RequestHandle handle = llm.submit(golden.prompts().get(2), greedy(50).build(), true);
        handle.stream().next(); // running
        handle.cancel();
        RequestOutput result = handle.result().get();
        assertThat(result.outputs().getFirst().finishReason()).contains(FinishReason.ABORT);
        assertThat(result.outputs().getFirst().tokenIds().length).isLessThan(50);
        // Nothing is held, and the statistics say so at once although the idle engine runs no further step.
        assertThat(llm.executor().stats().kvBlocksUsed()).isZero();
        assertThat(llm.executor().stats().running()).isZero();
        assertThat(llm.executor().numRequests()).isZero();
    }

    @Test
    void aFullQueueRefusesWithATypedError() {
        try (LLM oneAtATime = builder().maxBatchSize(1).maxNumTokens(16).maxSeqLen(96).maxQueueSize(2).build()) {
            List<RequestHandle> accepted = new ArrayList<>();
            assertThatThrownBy(() -> {
                for (int i = 0; i < 10; i++) {
                    accepted.add(oneAtATime.submit(golden.prompts().get(2), greedy(40).build(), false));
                }
            }).isInstanceOf(QueueFullException.class).hasMessageContaining("max_queue_size 2");
            accepted.forEach(RequestHandle::cancel);
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
