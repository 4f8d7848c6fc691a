package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.LLM;
import ai.jllm.engine.FinishReason;
import ai.jllm.engine.IterationStats;
import ai.jllm.engine.RequestHandle;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.scheduler.SchedulerPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hundreds of random workloads on small, tight engines: requests arrive at random steps with shared prompt prefixes,
 * some are cancelled midway, the cache is small enough to force preemption. Every request's greedy output must equal
 * its output run alone (cancelled ones: a prefix of it), every request must finish, and no block may stay held.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuntimePropertyTest {

    private static final int WORKLOADS = 300;
    private static final int MAX_OUTPUT = 16;

    private final GoldenModel golden = GoldenModel.load("qwen2");
    private final Map<String, int[]> alone = new HashMap<>();
    private CpuBackend backend;
    private LLM reference;

    @BeforeAll
    void start() {
        backend = new CpuBackend(2);
        reference = LLM.builder().model(golden.dir()).backend(backend).maxBatchSize(1).maxNumTokens(64).maxSeqLen(64)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockReuse(false).withMaxTokens(64)).build();
    }

    @AfterAll
    void stop() {
        reference.close();
        backend.close();
    }

    private record Planned(int[] prompt, int maxTokens, int arrivalStep, int cancelStep) {}

    @Test
    void randomWorkloadsGiveEveryRequestItsAloneOutputAndLeakNothing() throws Exception {
        String largest = "";
        int largestRequests = 0;
        long totalRequests = 0;
        long totalSteps = 0;
        long totalPreemptions = 0;
        double hitRates = 0;
        int reusing = 0;
        for (int w = 0; w < WORKLOADS; w++) {
            SplittableRandom random = new SplittableRandom(1000 + w);
            List<Planned> plan = plan(random);
            SchedulerPolicy policy = random.nextInt(4) == 0 ? SchedulerPolicy.GUARANTEED_NO_EVICT
                    : SchedulerPolicy.MAX_UTILIZATION;
            int maxBatchSize = 2 + random.nextInt(5);
            int cacheTokens = 40 + random.nextInt(80);
            boolean reuse = random.nextBoolean();
            Result result = run(plan, policy, maxBatchSize, 8 + random.nextInt(33), cacheTokens, reuse);
            if (reuse) {
                hitRates += result.hitRate();
                reusing++;
            }
            totalRequests += plan.size();
            totalSteps += result.steps();
            totalPreemptions += result.preemptions();
            if (plan.size() > largestRequests) {
                largestRequests = plan.size();
                largest = String.format("workload %d: %d requests, %d steps, %d preemptions, prefix hit rate %.2f"
                        + " (%s, batch %d, %d cache tokens)", w, plan.size(), result.steps(), result.preemptions(),
                        result.hitRate(), policy, maxBatchSize, cacheTokens);
            }
            if (policy == SchedulerPolicy.GUARANTEED_NO_EVICT) {
                assertThat(result.preemptions()).as("workload %d never preempts", w).isZero();
            }
        }
        System.out.printf("runtime property test: %d workloads, %d requests, %d steps, %d preemptions, mean prefix "
                + "hit rate %.2f where reuse was on; largest %s%n", WORKLOADS, totalRequests, totalSteps,
                totalPreemptions, hitRates / reusing, largest);
        assertThat(totalPreemptions).as("the workloads exercise preemption").isPositive();
    }

    private List<Planned> plan(SplittableRandom random) {
        List<int[]> prefixes = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            prefixes.add(random.ints(random.nextInt(13), 4, 256).toArray());
        }
        int requests = 4 + random.nextInt(9);
        List<Planned> plan = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            int[] prefix = prefixes.get(random.nextInt(prefixes.size()));
            int[] suffix = random.ints(1 + random.nextInt(10), 4, 256).toArray();
            int[] prompt = Arrays.copyOf(prefix, prefix.length + suffix.length);
            System.arraycopy(suffix, 0, prompt, prefix.length, suffix.length);
            int arrival = random.nextInt(20);
            int cancel = random.nextInt(7) == 0 ? arrival + 1 + random.nextInt(10) : Integer.MAX_VALUE;
            plan.add(new Planned(prompt, 1 + random.nextInt(MAX_OUTPUT), arrival, cancel));
        }
        return plan;
    }

    private record Result(int steps, int preemptions, double hitRate) {}

    private Result run(List<Planned> plan, SchedulerPolicy policy, int maxBatchSize, int maxNumTokens,
                       int cacheTokens, boolean reuse) throws Exception {
        AtomicInteger steps = new AtomicInteger();
        AtomicInteger preemptions = new AtomicInteger();
        AtomicReferenceArray<RequestHandle> handles = new AtomicReferenceArray<>(plan.size());
        AtomicIntegerArray claimed = new AtomicIntegerArray(plan.size());
        LLM[] engine = new LLM[1];
        java.util.function.IntConsumer submitOnce = i -> {
            if (claimed.compareAndSet(i, 0, 1)) {
                handles.set(i, submit(engine[0], plan.get(i)));
            }
        };
        // The engine thread's step counter is the clock: arrivals and cancellations happen at planned steps.
        java.util.function.Consumer<IterationStats> clock = stats -> {
            int step = steps.incrementAndGet();
            preemptions.addAndGet(stats.preempted());
            for (int i = 0; i < plan.size(); i++) {
                if (plan.get(i).arrivalStep() <= step) {
                    submitOnce.accept(i);
                }
                RequestHandle handle = handles.get(i);
                if (handle != null && plan.get(i).cancelStep() == step) {
                    handle.cancel();
                }
            }
        };
        try (LLM llm = LLM.builder().model(golden.dir()).backend(backend).maxBatchSize(maxBatchSize)
                .maxNumTokens(maxNumTokens).maxSeqLen(64).schedulerPolicy(policy).statsListener(clock)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(4).withMaxTokens(cacheTokens)
                        .withBlockReuse(reuse)).build()) {
            engine[0] = llm;
            // When the engine is idle before a planned arrival, the next arrival comes at once.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int next = 0; next < plan.size(); next++) {
                while (claimed.get(next) == 0) {
                    if (llm.executor().numRequests() == 0) {
                        submitOnce.accept(next);
                    }
                    assertThat(System.nanoTime()).as("workload stalled").isLessThan(deadline);
                    Thread.sleep(1);
                }
            }
            for (int i = 0; i < plan.size(); i++) {
                while (handles.get(i) == null) {
                    Thread.onSpinWait();
                }
                CompletionOutput output = handles.get(i).result().get(60, TimeUnit.SECONDS).outputs().getFirst();
                int[] expected = Arrays.copyOf(aloneOutput(plan.get(i).prompt()), plan.get(i).maxTokens());
                if (output.finishReason().orElseThrow() == FinishReason.ABORT) {
                    assertThat(output.tokenIds()).as("cancelled request %d: a prefix of its output", i)
                            .containsExactly(Arrays.copyOf(expected, output.tokenIds().length));
                } else {
                    assertThat(output.tokenIds()).as("request %d", i).containsExactly(expected);
                }
            }
            IterationStats last = llm.executor().stats();
            assertThat(last.kvBlocksUsed()).as("blocks held after the workload").isZero();
            assertThat(last.running() + last.waiting()).as("sequences left").isZero();
            return new Result(steps.get(), preemptions.get(), last.prefixHitRate());
        }
    }

    private static RequestHandle submit(LLM llm, Planned planned) {
        return llm.submit(planned.prompt(), SamplingParams.builder().greedy().maxTokens(planned.maxTokens())
                .ignoreEos(true).build(), false);
    }

    private int[] aloneOutput(int[] prompt) {
        return alone.computeIfAbsent(Arrays.toString(prompt), key -> reference.generateTokens(List.of(prompt),
                SamplingParams.builder().greedy().maxTokens(MAX_OUTPUT).ignoreEos(true).build())
                .getFirst().outputs().getFirst().tokenIds());
    }
}
