package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.engine.FinishReason;
import ai.jllm.engine.RequestHandle;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.testing.RandomModel;
import ai.jllm.testing.TestTokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The text side of the runtime on a random model with the real Qwen3 tokenizer: stop strings, bad words, chat. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlmTextTest {

    private CpuBackend backend;
    private LLM llm;

    @BeforeAll
    void start(@TempDir Path temp) throws IOException {
        Path model = new RandomModel("Qwen3ForCausalLM", 151669, 32, 64, 1, 2, 1, 16, true,
                ai.jllm.tensor.DType.BF16, 151643, List.of(151645)).write(temp.resolve("qwen"), 3);
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestTokenizers.dir(TestTokenizers.QWEN3).resolve(file), model.resolve(file));
        }
        backend = new CpuBackend(2);
        llm = LLM.builder().model(model).backend(backend).maxBatchSize(4).maxNumTokens(64).maxSeqLen(128).build();
    }

    @AfterAll
    void stop() {
        if (llm != null) {
            llm.close();
        }
        backend.close();
    }

    private static SamplingParams.Builder greedy() {
        return SamplingParams.builder().greedy().maxTokens(24).ignoreEos(true);
    }

    private CompletionOutput generate(SamplingParams params) {
        return llm.generate(List.of("The weather today is"), params).getFirst().outputs().getFirst();
    }

    @Test
    void aStopStringEndsTheTextBeforeItAndHoldsNothingBack() {
        String full = generate(greedy().build()).text();
        // A stop string from the middle of the greedy text, spanning whatever tokens it spans.
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        int at = full.indexOf(stop);
        CompletionOutput stopped = generate(greedy().stop(List.of(stop)).build());
        assertThat(stopped.text()).isEqualTo(full.substring(0, at));
        assertThat(stopped.finishReason()).contains(FinishReason.STOP);
        assertThat(stopped.stopReason()).contains(stop);
        CompletionOutput included = generate(greedy().stop(List.of(stop)).includeStopStrInOutput(true).build());
        assertThat(included.text()).isEqualTo(full.substring(0, at + stop.length()));
        // Streamed, the deltas add up to the same text.
        RequestHandle handle = llm.submit(llm.tokenizer().orElseThrow().encode("The weather today is", true),
                greedy().stop(List.of(stop)).build(), true);
        StringBuilder streamed = new StringBuilder();
        handle.stream().forEachRemaining(delta -> streamed.append(delta.outputs().getFirst().text()));
        assertThat(streamed.toString()).isEqualTo(full.substring(0, at));
    }

    @Test
    void aBadWordIsNeverGenerated() {
        CompletionOutput plain = generate(greedy().build());
        String first = llm.tokenizer().orElseThrow().decode(new int[] {plain.tokenIds()[0]}, true);
        CompletionOutput avoided = generate(greedy().badWords(List.of(first)).build());
        assertThat(avoided.tokenIds()[0]).isNotEqualTo(plain.tokenIds()[0]);
    }

    @Test
    void chatRendersTheTemplateAndDecodesWithoutSpecialTokens() {
        RequestOutput output = llm.chat(List.of(Map.of("role", "user", "content", "你好")),
                SamplingParams.builder().greedy().maxTokens(4).ignoreEos(true).build());
        String prompt = llm.tokenizer().orElseThrow().decode(output.promptTokenIds(), false);
        assertThat(prompt).contains("<|im_start|>user\n你好<|im_end|>").endsWith("<|im_start|>assistant\n");
        assertThat(output.outputs().getFirst().tokenIds()).hasSize(4);
    }
}
