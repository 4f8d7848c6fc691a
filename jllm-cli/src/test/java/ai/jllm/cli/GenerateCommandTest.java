package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.cpu.CpuBackend;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.testing.RandomModel;
import ai.jllm.testing.TestTokenizers;
import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jllm generate} end to end on random-weight models carrying real tokenizers: the command's plumbing
 * (prompt encoding, chat templates, output formats, errors). The model math itself is checked against transformers
 * in jllm-cpu's ModelParityTest.
 */
class GenerateCommandTest {

    @TempDir
    static Path temp;

    static Path llama;
    static Path qwen;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void models() throws IOException {
        llama = withTokenizer(RandomModel.tinyLlama(32000, 1, List.of(2)).write(temp.resolve("llama"), 1),
                TestTokenizers.LLAMA2);
        qwen = withTokenizer(new RandomModel("Qwen3ForCausalLM", 151669, 32, 64, 1, 2, 1, 16, true,
                ai.jllm.tensor.DType.BF16, 151643, List.of(151645, 151643)).write(temp.resolve("qwen"), 2),
                TestTokenizers.QWEN3);
    }

    private static Path withTokenizer(Path model, String tokenizer) throws IOException {
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestTokenizers.dir(tokenizer).resolve(file), model.resolve(file));
        }
        return model;
    }

    @Test
    void jsonOutputHasTheTokensTextAndFinishReason() throws IOException {
        CommandRun run = CommandRun.of("", "generate", "--model", llama.toString(), "--prompt", "Hello, world",
                "--max-tokens", "5", "--ignore-eos", "--temperature", "0", "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode line = JSON.readTree(run.outLines().getFirst());
        Tokenizer tokenizer = Tokenizer.load(llama);
        int[] promptIds = tokenizer.encode("Hello, world", true);
        assertThat(ints(line.get("prompt_token_ids"))).containsExactly(promptIds);
        int[] output = ints(line.get("output_token_ids"));
        assertThat(output).hasSize(5);
        assertThat(line.get("text").asText()).isEqualTo(tokenizer.decode(output, true));
        assertThat(line.get("finish_reason").asText()).isEqualTo("length");
        assertThat(line.get("prompt").asText()).isEqualTo("Hello, world");
        // The command's greedy output is the engine's for the same tokens.
        try (CpuBackend backend = new CpuBackend(1);
             LLM llm = LLM.builder().model(llama).backend(backend).maxBatchSize(1).maxNumTokens(64).maxSeqLen(64)
                     .build()) {
            RequestOutput direct = llm.generateTokens(List.of(promptIds),
                    SamplingParams.builder().greedy().maxTokens(5).ignoreEos(true).build()).getFirst();
            assertThat(output).containsExactly(direct.outputs().getFirst().tokenIds());
        }
    }

    @Test
    void textOutputStreamsTheCompletion() throws IOException {
        CommandRun json = CommandRun.of("", "generate", "--model", llama.toString(), "--prompt", "Once upon",
                "--max-tokens", "8", "--ignore-eos", "--temperature", "0", "--output", "json");
        CommandRun text = CommandRun.of("", "generate", "--model", llama.toString(), "--prompt", "Once upon",
                "--max-tokens", "8", "--ignore-eos", "--temperature", "0");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).isEqualTo(JSON.readTree(json.outLines().getFirst()).get("text").asText()
                + System.lineSeparator());
        assertThat(text.err()).contains("tokens generated");
    }

    @Test
    void promptsFileTakesTextTokenIdsAndChatMessages() throws IOException {
        Path file = temp.resolve("prompts.jsonl");
        Files.writeString(file, """
                {"prompt": "The sky is"}
                {"prompt_token_ids": [9707, 1879]}

                {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "你好"}]}
                """);
        CommandRun run = CommandRun.of("", "generate", "--model", qwen.toString(), "--prompts-file", file.toString(),
                "--max-tokens", "3", "--ignore-eos", "--seed", "5", "--temperature", "0.8", "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.outLines();
        assertThat(lines).hasSize(3);
        Tokenizer tokenizer = Tokenizer.load(qwen);
        assertThat(ints(JSON.readTree(lines.get(0)).get("prompt_token_ids")))
                .containsExactly(tokenizer.encode("The sky is", true));
        assertThat(ints(JSON.readTree(lines.get(1)).get("prompt_token_ids"))).containsExactly(9707, 1879);
        // The chat prompt went through Qwen3's template: it starts with the system turn.
        String chatPrompt = tokenizer.decode(ints(JSON.readTree(lines.get(2)).get("prompt_token_ids")), false);
        assertThat(chatPrompt).startsWith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n你好<|im_end|>\n")
                .endsWith("<|im_start|>assistant\n");
        // A seed makes sampling repeatable.
        CommandRun again = CommandRun.of("", "generate", "--model", qwen.toString(), "--prompts-file", file.toString(),
                "--max-tokens", "3", "--ignore-eos", "--seed", "5", "--temperature", "0.8", "--output", "json");
        assertThat(again.outLines()).isEqualTo(lines);
    }

    @Test
    void badInputGetsOneClearLine() throws IOException {
        Path file = temp.resolve("bad.jsonl");
        Files.writeString(file, "{\"prompt\": \"ok\"}\n{\"prompt\": \n");
        assertError(CommandRun.of("", "generate", "--model", llama.toString(), "--prompts-file", file.toString()),
                "bad.jsonl line 2: malformed JSON");
        assertError(CommandRun.of("", "generate", "--model", llama.toString(), "--prompt-ids", "1,99999",
                "--output", "json"), "token id 99999");
        assertError(CommandRun.of("", "generate", "--model", temp.resolve("missing").toString(), "--prompt", "x"),
                "missing");
        assertError(CommandRun.of("", "generate", "--model", llama.toString(), "--prompt", "x", "--backend", "cuda"),
                "CUDA");
        assertError(CommandRun.of("", "generate", "--model", llama.toString(), "--prompt", "x", "--top-p", "1.5"),
                "top_p");
        Path gpt2 = Files.createDirectories(temp.resolve("gpt2"));
        Files.writeString(gpt2.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"]}");
        assertError(CommandRun.of("", "generate", "--model", gpt2.toString(), "--prompt", "x"), "GPT2LMHeadModel");
    }

    @Test
    void kvCacheDtypeIsChosenAtRunTimeAndReportedAtStartUp() {
        for (String dtype : List.of("auto", "fp8", "int8")) {
            CommandRun run = CommandRun.of("", "generate", "--model", llama.toString(), "--prompt", "Once upon",
                    "--max-tokens", "4", "--ignore-eos", "--temperature", "0", "--kv-cache-dtype", dtype,
                    "--max-batch-size", "2", "--max-seq-len", "64", "--tokens-per-block", "16");
            assertThat(run.exitCode()).as(run.err()).isZero();
            // No token cap given: the engine's own cap, 2 × max batch size × max sequence length = 16 blocks of 16.
            assertThat(run.err()).contains("jllm: KV cache " + dtype + ": 16 blocks × 16 tokens = 256 tokens, ");
        }
        assertError(CommandRun.of("", "generate", "--model", llama.toString(), "--prompt", "x", "--kv-cache-dtype",
                "fp4"), "unknown KV-cache dtype 'fp4'");
    }

    @Test
    void helpDescribesEveryOption() {
        CommandRun run = CommandRun.of("", "generate", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--prompt", "--prompt-ids", "--prompts-file", "--chat", "--max-tokens",
                "--min-tokens", "--ignore-eos", "--temperature", "--top-k", "--top-p", "--seed", "--backend", "--output",
                "--kv-cache-dtype");
    }

    private static void assertError(CommandRun run, String expected) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isNotZero();
        assertThat(run.err().strip().lines()).as(run.err()).anyMatch(line -> line.contains(expected));
        assertThat(run.err()).doesNotContain("\tat ");
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }
}
