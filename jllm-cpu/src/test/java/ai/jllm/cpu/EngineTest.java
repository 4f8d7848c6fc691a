package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.engine.Engine;
import ai.jllm.engine.EngineConfig;
import ai.jllm.engine.FinishReason;
import ai.jllm.engine.Generation;
import ai.jllm.engine.TokenListener;
import ai.jllm.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stopping rules, limits and seeded sampling of the engine, on a golden model whose greedy output is known. */
class EngineTest {

    private final GoldenModel golden = GoldenModel.load("qwen2");
    private final CpuBackend backend = new CpuBackend(2);
    private final Engine engine = Engine.load(golden.dir(), backend, new EngineConfig(4, 32, 96, 8, 400), l -> {});

    @AfterEach
    void close() {
        engine.close();
        backend.close();
    }

    @Test
    void stopTokenEndsTheSequenceAndIsKept() {
        int[] greedy = golden.greedy().get(1);
        int stop = greedy[5];
        int firstStop = indexOf(greedy, stop);
        Generation generation = generate(1, SamplingParams.builder().greedy().maxTokens(24)
                .stopTokenIds(List.of(stop)).build());
        assertThat(generation.outputTokenIds()).containsExactly(Arrays.copyOf(greedy, firstStop + 1));
        assertThat(generation.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void minTokensSuppressesStopTokensUntilReached() {
        int[] greedy = golden.greedy().get(1);
        Generation generation = generate(1, SamplingParams.builder().greedy().maxTokens(10).minTokens(4)
                .stopTokenIds(List.of(greedy[0])).build());
        assertThat(generation.outputTokenIds()[0]).isNotEqualTo(greedy[0]);
        assertThat(generation.outputTokenIds().length).isGreaterThanOrEqualTo(4);
    }

    @Test
    void maxSeqLenCapsTheOutput() {
        int[] prompt = golden.prompts().get(2);
        try (Engine small = Engine.load(golden.dir(), backend, new EngineConfig(2, 16, prompt.length + 5, 8, 100),
                l -> {})) {
            Generation generation = small.generate(List.of(prompt),
                    SamplingParams.builder().greedy().maxTokens(50).ignoreEos(true).build(), TokenListener.NONE).getFirst();
            assertThat(generation.outputTokenIds()).containsExactly(Arrays.copyOf(golden.greedy().get(2), 5));
            assertThat(generation.finishReason()).isEqualTo(FinishReason.LENGTH);
        }
    }

    @Test
    void aSeededRequestSamplesTheSameWhateverRunsBesideIt() {
        SamplingParams params = SamplingParams.builder().temperature(1.0).topP(0.95).seed(2024).maxTokens(12)
                .ignoreEos(true).build();
        int[] alone = engine.generate(List.of(golden.prompts().get(1)), params, TokenListener.NONE)
                .getFirst().outputTokenIds();
        List<Generation> together = engine.generate(
                List.of(golden.prompts().get(2), golden.prompts().get(1), golden.prompts().get(0)), params,
                TokenListener.NONE);
        assertThat(together.get(1).outputTokenIds()).containsExactly(alone);
        // Sampling really happened: a different seed gives a different continuation.
        int[] otherSeed = engine.generate(List.of(golden.prompts().get(1)),
                SamplingParams.builder().temperature(1.0).topP(0.95).seed(7).maxTokens(12).ignoreEos(true).build(),
                TokenListener.NONE).getFirst().outputTokenIds();
        assertThat(otherSeed).isNotEqualTo(alone);
    }

    @Test
    void theListenerSeesEveryTokenInOrder() {
        List<List<Integer>> streamed = List.of(new ArrayList<>(), new ArrayList<>());
        List<Generation> generations = engine.generate(List.of(golden.prompts().get(0), golden.prompts().get(2)),
                SamplingParams.builder().greedy().maxTokens(6).ignoreEos(true).build(),
                (prompt, token) -> streamed.get(prompt).add(token));
        for (int p = 0; p < 2; p++) {
            assertThat(streamed.get(p)).containsExactly(
                    Arrays.stream(generations.get(p).outputTokenIds()).boxed().toArray(Integer[]::new));
        }
    }

    @Test
    void badPromptsAreRefusedWithTheirIndex() {
        SamplingParams params = SamplingParams.builder().maxTokens(4).build();
        assertThatThrownBy(() -> engine.generate(List.of(new int[] {5}, new int[0]), params, TokenListener.NONE))
                .isInstanceOf(JllmException.class).hasMessageContaining("prompt 1 is empty");
        assertThatThrownBy(() -> engine.generate(List.of(new int[] {5, 256}), params, TokenListener.NONE))
                .isInstanceOf(JllmException.class).hasMessageContaining("token id 256");
        assertThatThrownBy(() -> engine.generate(List.of(new int[96]), params, TokenListener.NONE))
                .isInstanceOf(JllmException.class).hasMessageContaining("max_seq_len is 96");
        try (Engine tiny = Engine.load(golden.dir(), backend, new EngineConfig(2, 16, 96, 8, 16), l -> {})) {
            assertThatThrownBy(() -> tiny.generate(List.of(new int[20]), params, TokenListener.NONE))
                    .isInstanceOf(JllmException.class).hasMessageContaining("KV-cache blocks");
        }
    }

    private Generation generate(int prompt, SamplingParams params) {
        return engine.generate(List.of(golden.prompts().get(prompt)), params, TokenListener.NONE).getFirst();
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException(value + " not found");
    }
}
