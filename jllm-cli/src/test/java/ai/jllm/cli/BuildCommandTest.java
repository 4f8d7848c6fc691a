package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.config.EngineConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.testing.RandomModel;
import ai.jllm.testing.TestTokenizers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jllm build} end to end, and {@code jllm generate} on what it built. */
class BuildCommandTest {

    @TempDir
    static Path temp;

    static Path model;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void model() throws IOException {
        model = RandomModel.tinyLlama(32000, 1, List.of(2)).write(temp.resolve("llama"), 3);
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestTokenizers.dir(TestTokenizers.LLAMA2).resolve(file), model.resolve(file));
        }
    }

    @Test
    void anEngineGeneratesWhatItsModelGenerates() throws IOException {
        Path engine = temp.resolve("engine-none");
        CommandRun build = CommandRun.of("", "build", "--model", model.toString(), "--output", engine.toString(),
                "--max-batch-size", "4", "--max-seq-len", "128", "--max-num-tokens", "256");
        assertThat(build.exitCode()).as(build.err()).isZero();
        assertThat(build.err()).contains("build: layers 2 layers").contains("build: embeddings")
                .contains("build: files 3 files").contains("engine " + engine + " written");
        assertThat(EngineConfig.load(engine).limits().maxBatchSize()).isEqualTo(4);
        assertThat(Files.exists(engine.resolve("tokenizer.json"))).isTrue();

        List<String> generate = List.of("generate", "--prompt", "Hello, world", "--max-tokens", "6", "--ignore-eos",
                "--temperature", "0", "--output", "json", "--backend", "cpu");
        CommandRun fromModel = run(generate, model);
        CommandRun fromEngine = run(generate, engine);
        assertThat(fromEngine.exitCode()).as(fromEngine.err()).isZero();
        assertThat(fromEngine.err()).contains("engine: none, bfloat16, tp 1, built for batch 4 / seq 128");
        assertThat(outputIds(fromEngine)).isEqualTo(outputIds(fromModel));

        CommandRun beyond = run(List.of("generate", "--prompt", "Hi", "--max-batch-size", "8", "--backend", "cpu"),
                engine);
        assertThat(beyond.exitCode()).isNotZero();
        assertThat(beyond.err()).contains("error: max_batch_size 8 is beyond the 4");
    }

    @Test
    void quantizedEnginesGenerate() throws IOException {
        for (QuantScheme scheme : List.of(QuantScheme.INT8_WEIGHT_ONLY, QuantScheme.INT4_WEIGHT_ONLY)) {
            Path engine = temp.resolve("engine-" + scheme.optionName());
            CommandRun build = CommandRun.of("", "build", "--model", model.toString(), "--output", engine.toString(),
                    "--quantization", scheme.optionName(), "--group-size", "32", "--max-batch-size", "2",
                    "--max-seq-len", "64", "--max-num-tokens", "64");
            if (scheme == QuantScheme.INT8_WEIGHT_ONLY) {
                assertThat(build.exitCode()).isNotZero();
                assertThat(build.err()).contains("error: --group-size applies to int4_weight_only");
                build = CommandRun.of("", "build", "--model", model.toString(), "--output", engine.toString(),
                        "--quantization", scheme.optionName(), "--max-batch-size", "2", "--max-seq-len", "64",
                        "--max-num-tokens", "64");
            }
            assertThat(build.exitCode()).as(build.err()).isZero();
            assertThat(EngineConfig.load(engine).quantization().scheme()).isEqualTo(scheme);
            CommandRun generate = run(List.of("generate", "--prompt", "Hello", "--max-tokens", "3", "--ignore-eos",
                    "--temperature", "0", "--output", "json", "--backend", "cpu"), engine);
            assertThat(generate.exitCode()).as(generate.err()).isZero();
            assertThat(outputIds(generate)).hasSize(3);
        }
    }

    @Test
    void anFp8EngineIsBuiltAndTheCpuBackendRefusesItInOneLine() throws IOException {
        Path engine = temp.resolve("engine-fp8");
        CommandRun build = CommandRun.of("", "build", "--model", model.toString(), "--output", engine.toString(),
                "--quantization", "fp8", "--max-batch-size", "2", "--max-seq-len", "64", "--max-num-tokens", "64");
        assertThat(build.exitCode()).as(build.err()).isZero();
        assertThat(EngineConfig.load(engine).quantization().scheme()).isEqualTo(QuantScheme.FP8);
        CommandRun generate = run(List.of("generate", "--prompt", "Hello", "--max-tokens", "3", "--backend", "cpu"),
                engine);
        assertThat(generate.exitCode()).isNotZero();
        assertThat(generate.err().strip().lines().toList().getLast())
                .isEqualTo("error: fp8 runs on the CUDA backend only (Hopper/Ada, sm_89+)");
    }

    @Test
    void badOptionsAreOneLineErrors() {
        Path engine = temp.resolve("never");
        CommandRun scheme = CommandRun.of("", "build", "--model", model.toString(), "--output", engine.toString(),
                "--quantization", "int3");
        assertThat(scheme.exitCode()).isNotZero();
        assertThat(scheme.err().strip()).isEqualTo("error: unknown quantization 'int3' (choose none, "
                + "int8_weight_only, int4_weight_only, fp8)");
        CommandRun tp = CommandRun.of("", "build", "--model", model.toString(), "--output", engine.toString(),
                "--tp-size", "3");
        assertThat(tp.err().strip().lines().toList().getLast())
                .isEqualTo("error: --tp-size 3 does not divide the model's num_attention_heads (4)");
        CommandRun occupied = CommandRun.of("", "build", "--model", model.toString(), "--output", model.toString());
        assertThat(occupied.err()).contains("is a directory that is neither empty nor a jllm engine");
        assertThat(Files.exists(engine)).isFalse();
    }

    @Test
    void help() {
        CommandRun help = CommandRun.of("", "build", "--help");
        assertThat(help.exitCode()).isZero();
        for (String option : List.of("--model", "--output", "--dtype", "--quantization", "--group-size",
                "--kv-cache-dtype", "--tp-size", "--max-batch-size", "--max-seq-len", "--max-num-tokens")) {
            assertThat(help.out()).contains(option);
        }
    }

    private static CommandRun run(List<String> arguments, Path modelDir) {
        List<String> all = new java.util.ArrayList<>(arguments);
        all.add("--model");
        all.add(modelDir.toString());
        return CommandRun.of("", all.toArray(String[]::new));
    }

    private static List<Integer> outputIds(CommandRun run) throws IOException {
        JsonNode line = JSON.readTree(run.outLines().getFirst());
        List<Integer> ids = new java.util.ArrayList<>();
        line.get("output_token_ids").forEach(id -> ids.add(id.asInt()));
        return ids;
    }
}
