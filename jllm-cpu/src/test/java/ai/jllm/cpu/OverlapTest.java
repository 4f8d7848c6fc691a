package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.engine.FinishReason;
import ai.jllm.engine.IterationStats;
import ai.jllm.engine.RequestHandle;
import ai.jllm.sampling.Logprob;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.sampling.TokenLogprobs;
import ai.jllm.testing.RandomModel;
import ai.jllm.testing.TestTokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine with overlap (a decode step launched before the previous one's tokens are read, its input tokens fed by
 * the backend) against the engine without, on the CPU backend and a random model with the real Qwen3 tokenizer: the
 * same tokens, text, log probabilities and finish reasons for a mix of requests that end by stop tokens, stop
 * strings and length, greedy and seeded, beside requests that cannot chain (penalties, n > 1); no block held
 * afterwards; a cancellation while a step runs ahead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class OverlapTest {

    private Path model;
    private CpuBackend backend;

    @BeforeAll
    void start(@TempDir Path temp) throws IOException {
        model = new RandomModel("Qwen3ForCausalLM", 151669, 32, 64, 1, 2, 1, 16, true,
                ai.jllm.tensor.DType.BF16, 151643, List.of(151645)).write(temp.resolve("qwen"), 5);
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestTokenizers.dir(TestTokenizers.QWEN3).resolve(file), model.resolve(file));
        }
        backend = new CpuBackend(2);
    }

    @AfterAll
    void stop() {
        backend.close();
    }

    private LLM engine(boolean overlap, List<IterationStats> steps) {
        return LLM.builder().model(model).backend(backend).maxBatchSize(4).maxNumTokens(64).maxSeqLen(128)
                .overlap(overlap).statsListener(steps::add).build();
    }

    private static SamplingParams.Builder greedy(int maxTokens) {
        return SamplingParams.builder().greedy().maxTokens(maxTokens).ignoreEos(true);
    }

    /** Six requests at once into a batch of four (two wait for room), each with its own way to end. */
    private List<RequestOutput> workload(LLM llm, int stopToken, String stopString) {
        var tokenizer = llm.tokenizer().orElseThrow();
        List<SamplingParams> params = List.of(
                greedy(21).build(),
                SamplingParams.builder().temperature(0.8).topP(0.9).seed(7).maxTokens(17).logprobs(3)
                        .ignoreEos(true).build(),
                greedy(30).stopTokenIds(List.of(stopToken)).build(),
                greedy(30).stop(List.of(stopString)).build(),
                SamplingParams.builder().temperature(1.0).seed(3).repetitionPenalty(1.3).maxTokens(12)
                        .ignoreEos(true).build(),
                SamplingParams.builder().temperature(1.0).seed(5).n(2).maxTokens(9).minTokens(4)
                        .ignoreEos(true).build());
        List<String> prompts = List.of("The weather today is", "Once upon a time", "The weather today is",
                "The weather today is", "A list of fruits:", "Numbers: one, two,");
        List<RequestHandle> handles = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            handles.add(llm.submit(tokenizer.encode(prompts.get(i), true), params.get(i), false));
        }
        return handles.stream().map(handle -> handle.result().join()).toList();
    }

    @Test
    void overlapChangesNoOutputAndLeaksNoBlock() {
        List<IterationStats> plainSteps = new CopyOnWriteArrayList<>();
        List<IterationStats> overlapSteps = new CopyOnWriteArrayList<>();
        List<RequestOutput> plain;
        List<RequestOutput> overlapped;
        try (LLM off = engine(false, plainSteps)) {
            // The stop token and string come from a plain greedy run, a few tokens in, so they do end the request.
            CompletionOutput reference = off.generate(List.of("The weather today is"), greedy(30).build())
                    .getFirst().outputs().getFirst();
            int stopToken = reference.tokenIds()[6];
            String stopString = off.tokenizer().orElseThrow().decode(new int[] {reference.tokenIds()[9]}, true);
            plain = workload(off, stopToken, stopString);
            try (LLM on = engine(true, overlapSteps)) {
                overlapped = workload(on, stopToken, stopString);
                assertThat(on.executor().stats().kvBlocksUsed()).isZero();
            }
            assertThat(plain.get(2).outputs().getFirst().finishReason()).contains(FinishReason.STOP);
            assertThat(plain.get(3).outputs().getFirst().finishReason()).contains(FinishReason.STOP);
        }
        for (int r = 0; r < plain.size(); r++) {
            List<CompletionOutput> expected = plain.get(r).outputs();
            List<CompletionOutput> actual = overlapped.get(r).outputs();
            assertThat(actual).hasSameSizeAs(expected);
            for (int s = 0; s < expected.size(); s++) {
                CompletionOutput want = expected.get(s);
                CompletionOutput got = actual.get(s);
                assertThat(got.tokenIds()).as("request %d sample %d tokens", r, s).containsExactly(want.tokenIds());
                assertThat(got.text()).as("request %d sample %d text", r, s).isEqualTo(want.text());
                assertThat(got.finishReason()).isEqualTo(want.finishReason());
                assertThat(got.stopReason()).isEqualTo(want.stopReason());
                assertSameLogprobs(got.logprobs(), want.logprobs());
            }
        }
        // Steps beside the penalized request, or with a request waiting for room, do not chain; the others do.
        assertThat(overlapSteps.stream().filter(step -> step.phases().overlapped()).count())
                .as("steps whose successor ran ahead").isGreaterThanOrEqualTo(5);
        assertThat(plainSteps.stream().filter(step -> step.phases().overlapped())).isEmpty();
    }

    /**
     * The same tokens and ranks, log probabilities within 1e-4: a request admitted a step later runs beside other
     * requests, and the CPU kernels' sums over a different batch may differ in the last bits.
     */
    private static void assertSameLogprobs(List<TokenLogprobs> actual, List<TokenLogprobs> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertSameLogprob(actual.get(i).token(), expected.get(i).token());
            assertThat(actual.get(i).top()).hasSameSizeAs(expected.get(i).top());
            for (int k = 0; k < expected.get(i).top().size(); k++) {
                assertSameLogprob(actual.get(i).top().get(k), expected.get(i).top().get(k));
            }
        }
    }

    private static void assertSameLogprob(Logprob actual, Logprob expected) {
        assertThat(actual.tokenId()).isEqualTo(expected.tokenId());
        assertThat(actual.rank()).isEqualTo(expected.rank());
        assertThat(actual.logprob()).isCloseTo(expected.logprob(), within(1e-4f));
    }

    @Test
    void cancellingWhileAStepRunsAheadDiscardsItsTokenAndFreesTheBlocks() {
        // The engine thread waits after each step until the test lets it go: the cancel lands between two calls,
        // while the step launched ahead is still unread.
        Semaphore steps = new Semaphore(0);
        List<IterationStats> seen = new CopyOnWriteArrayList<>();
        try (LLM llm = LLM.builder().model(model).backend(backend).maxBatchSize(2).maxNumTokens(64).maxSeqLen(128)
                .statsListener(stats -> {
                    seen.add(stats);
                    steps.acquireUninterruptibly();
                }).build()) {
            int[] prompt = llm.tokenizer().orElseThrow().encode("Once upon a time", true);
            RequestHandle handle = llm.submit(prompt, greedy(60).build(), true);
            handle.stream().next(); // prompt
            steps.release(3);
            while (seen.stream().noneMatch(step -> step.phases().overlapped())) {
                Thread.onSpinWait();
            }
            handle.cancel();
            steps.release(1_000);
            RequestOutput result = handle.result().join();
            assertThat(result.outputs().getFirst().finishReason()).contains(FinishReason.ABORT);
            int emitted = result.outputs().getFirst().tokenIds().length;
            assertThat(emitted).isLessThan(60);
            // What it emitted is the plain greedy continuation's start: the discarded step added nothing.
            try (LLM off = LLM.builder().model(model).backend(backend).maxBatchSize(2).maxNumTokens(64)
                    .maxSeqLen(128).overlap(false).build()) {
                int[] full = off.generateTokens(List.of(prompt), greedy(60).build()).getFirst().outputs().getFirst()
                        .tokenIds();
                assertThat(result.outputs().getFirst().tokenIds()).containsExactly(
                        java.util.Arrays.copyOf(full, emitted));
            }
            while (llm.executor().stats().running() > 0 || seen.getLast().phases().overlapped()) {
                Thread.onSpinWait();
            }
            assertThat(llm.executor().stats().kvBlocksUsed()).isZero();
        }
    }
}
