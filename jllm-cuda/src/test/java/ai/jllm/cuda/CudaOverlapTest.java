package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.engine.FinishReason;
import ai.jllm.engine.IterationStats;
import ai.jllm.engine.RequestHandle;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine with overlap on the GPU (a decode step launched before the previous one's tokens are read, its input
 * tokens copied on the device from the sampler's output) against the engine without, on the golden models: the same
 * greedy and seeded tokens for batches of 1, 3 (padded to a bucket of 4) and 4 sequences that run side by side to the
 * end, a stop token that ends its request at the right token, and no block held afterwards.
 */
@Tag("cuda")
class CudaOverlapTest {

    static List<String> models() {
        return GoldenFixture.names();
    }

    private static LLM engine(GoldenFixture golden, CudaBackend backend, boolean overlap, List<IterationStats> steps) {
        return LLM.builder().model(golden.dir()).backend(backend).maxBatchSize(4).maxNumTokens(256).maxSeqLen(128)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(16)).overlap(overlap).statsListener(steps::add)
                .build();
    }

    /** Runs {@code params} per request on {@code prompts}, all submitted at once. */
    private static List<RequestOutput> run(LLM llm, List<int[]> prompts, List<SamplingParams> params) {
        List<RequestHandle> handles = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            handles.add(llm.submit(prompts.get(i), params.get(i), false));
        }
        return handles.stream().map(handle -> handle.result().join()).toList();
    }

    private static List<SamplingParams> workload(int requests) {
        // All run 20 tokens, so every step holds the same sequences with overlap and without.
        return IntStream.range(0, requests).mapToObj(i -> i % 2 == 0
                ? SamplingParams.builder().greedy().maxTokens(20).ignoreEos(true).build()
                : SamplingParams.builder().temperature(0.9).topK(50).seed(100 + i).maxTokens(20).logprobs(2)
                        .ignoreEos(true).build()).toList();
    }

    @ParameterizedTest
    @MethodSource("models")
    void overlapGivesTheSameTokensAsSteppingOneAtATime(String name) {
        GoldenFixture golden = GoldenFixture.load(name);
        try (CudaBackend backend = CudaBackend.create()) {
            for (int requests : new int[] {1, 3, 4}) {
                List<int[]> prompts = IntStream.range(0, requests)
                        .mapToObj(i -> golden.prompts().get(i % golden.prompts().size())).toList();
                List<IterationStats> plainSteps = new CopyOnWriteArrayList<>();
                List<IterationStats> overlapSteps = new CopyOnWriteArrayList<>();
                List<RequestOutput> plain;
                List<RequestOutput> overlapped;
                try (LLM off = engine(golden, backend, false, plainSteps)) {
                    plain = run(off, prompts, workload(requests));
                }
                try (LLM on = engine(golden, backend, true, overlapSteps)) {
                    overlapped = run(on, prompts, workload(requests));
                    assertThat(on.executor().stats().kvBlocksUsed()).isZero();
                }
                for (int r = 0; r < requests; r++) {
                    assertThat(overlapped.get(r).outputs().getFirst().tokenIds())
                            .as(name + ": " + requests + " requests, request " + r)
                            .containsExactly(plain.get(r).outputs().getFirst().tokenIds());
                }
                long chained = overlapSteps.stream().filter(step -> step.phases().overlapped()).count();
                assertThat(chained).as(name + ": steps launched ahead").isGreaterThanOrEqualTo(15);
                System.out.printf("CUDA overlap: %s, %d requests: %d of %d steps had the next launched ahead%n",
                        name, requests, chained, overlapSteps.size());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void aStopTokenEndsTheRequestAtItsTokenAndTheStepAheadIsDiscarded(String name) {
        GoldenFixture golden = GoldenFixture.load(name);
        try (CudaBackend backend = CudaBackend.create()) {
            List<int[]> prompts = List.of(golden.prompts().get(0), golden.prompts().get(1));
            List<IterationStats> steps = new CopyOnWriteArrayList<>();
            try (LLM on = engine(golden, backend, true, steps)) {
                SamplingParams free = SamplingParams.builder().greedy().maxTokens(24).ignoreEos(true).build();
                int[] full = run(on, prompts, List.of(free, free)).get(0).outputs().getFirst().tokenIds();
                int stop = full[6];
                int first = IntStream.range(0, full.length).filter(i -> full[i] == stop).findFirst().orElseThrow();
                SamplingParams stopping = SamplingParams.builder().greedy().maxTokens(24).ignoreEos(true)
                        .stopTokenIds(List.of(stop)).build();
                List<RequestOutput> outputs = run(on, prompts, List.of(stopping, free));
                CompletionOutput stopped = outputs.get(0).outputs().getFirst();
                assertThat(stopped.tokenIds()).containsExactly(Arrays.copyOf(full, first + 1));
                assertThat(stopped.finishReason()).contains(FinishReason.STOP);
                assertThat(outputs.get(1).outputs().getFirst().tokenIds()).hasSize(24);
                assertThat(on.executor().stats().kvBlocksUsed()).isZero();
            }
        }
    }
}
