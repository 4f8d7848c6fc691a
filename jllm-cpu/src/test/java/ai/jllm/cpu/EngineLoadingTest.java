package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.build.BuildListener;
import ai.jllm.build.BuildOptions;
import ai.jllm.build.EngineBuilder;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading engines through the {@code LLM} API: the build limits are the runtime's defaults and its maxima, and a
 * corrupt or foreign engine directory fails with a message naming the file, field or tensor at fault.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineLoadingTest {

    private static final RandomModel SHAPE = new RandomModel("LlamaForCausalLM", 300, 64, 128, 2, 4, 2, 16, false,
            DType.BF16, 1, List.of(2));

    private CpuBackend backend;

    @BeforeAll
    void start() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    void stop() {
        backend.close();
    }

    private Path engine(Path dir, BuildOptions options) {
        Path source = SHAPE.write(dir.resolve("hf"), 21);
        EngineBuilder.build(source, dir.resolve("engine"), options, BuildListener.NONE);
        return dir.resolve("engine");
    }

    private LLM.Builder llm(Path model) {
        return LLM.builder().model(model).backend(backend)
                .kvCacheConfig(KvCacheConfig.defaults().withBlockSize(16).withMaxTokens(1024));
    }

    @Test
    void buildLimitsAreTheDefaultsAndTheMost(@TempDir Path dir) {
        Path engine = engine(dir, BuildOptions.builder().maxBatchSize(4).maxSeqLen(48).maxNumTokens(64).build());
        SamplingParams greedy = SamplingParams.builder().greedy().maxTokens(4).ignoreEos(true).build();
        try (LLM llm = llm(engine).build()) {
            assertThat(llm.engineConfig()).isPresent();
            int[] tooLong = IntStream.range(0, 48).map(i -> 3 + i).toArray();
            assertThatThrownBy(() -> llm.generateTokens(List.of(tooLong), greedy))
                    .isInstanceOf(JllmException.class).hasMessageContaining("max_seq_len is 48");
            SamplingParams five = SamplingParams.builder().greedy().maxTokens(4).n(5).build();
            assertThatThrownBy(() -> llm.generateTokens(List.of(new int[] {5, 6}), five))
                    .isInstanceOf(JllmException.class).hasMessageContaining("exceeds max_batch_size 4");
            RequestOutput output = llm.generateTokens(List.of(new int[] {5, 6, 7}), greedy).getFirst();
            assertThat(output.outputs().getFirst().tokenIds()).hasSize(4);
        }
        assertThatThrownBy(() -> llm(engine).maxBatchSize(8).build())
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("max_batch_size 8 is beyond the 4").hasMessageContaining("--max-batch-size");
        assertThatThrownBy(() -> llm(engine).maxSeqLen(100).build())
                .isInstanceOf(JllmException.class).hasMessageContaining("max_seq_len 100 is beyond the 48");
        assertThatThrownBy(() -> llm(engine).maxNumTokens(65).build())
                .isInstanceOf(JllmException.class).hasMessageContaining("max_num_tokens 65 is beyond the 64");
        try (LLM smaller = llm(engine).maxBatchSize(2).maxNumTokens(16).maxSeqLen(32).build()) {
            assertThat(smaller.generateTokens(List.of(new int[] {5, 6, 7}), greedy)).hasSize(1);
        }
    }

    @Test
    void aMissingRankFile(@TempDir Path dir) throws IOException {
        Path engine = engine(dir, BuildOptions.builder().build());
        Files.delete(engine.resolve("rank0.safetensors"));
        assertRefused(engine, "has no rank0.safetensors");
    }

    @Test
    void aTruncatedRankFile(@TempDir Path dir) throws IOException {
        Path engine = engine(dir, BuildOptions.builder().build());
        try (FileChannel file = FileChannel.open(engine.resolve("rank0.safetensors"), StandardOpenOption.WRITE)) {
            file.truncate(file.size() - 100);
        }
        assertRefused(engine, "rank0.safetensors");
    }

    @Test
    void weightsThatDoNotMatchTheConfig(@TempDir Path dir) {
        Path engine = engine(dir, BuildOptions.builder().build());
        editConfig(engine, config -> config.put("intermediate_size", 256));
        assertRefused(engine, "layers.0.ffn.gate_up.weight");
    }

    @Test
    void aSchemeTheWeightsWereNotBuiltWith(@TempDir Path dir) {
        Path engine = engine(dir, BuildOptions.builder().build());
        editConfig(engine, config -> ((ObjectNode) config.get("jllm_engine").get("quantization"))
                .put("scheme", "int8_weight_only").put("method", "rtn"));
        assertRefused(engine, "layers.0.attn.qkv.weight has dtype BF16, expected I8");
    }

    @Test
    void anUnknownScheme(@TempDir Path dir) {
        Path engine = engine(dir, BuildOptions.builder().build());
        editConfig(engine, config -> ((ObjectNode) config.get("jllm_engine").get("quantization"))
                .put("scheme", "int3"));
        assertRefused(engine, "'jllm_engine.quantization.scheme' is 'int3'");
    }

    @Test
    void aNewerFormat(@TempDir Path dir) {
        Path engine = engine(dir, BuildOptions.builder().build());
        editConfig(engine, config -> ((ObjectNode) config.get("jllm_engine")).put("format_version", 2));
        assertRefused(engine, "format_version' is 2, but this jllm reads engine format 1");
    }

    @Test
    void missingBuildLimits(@TempDir Path dir) {
        Path engine = engine(dir, BuildOptions.builder().build());
        editConfig(engine, config -> ((ObjectNode) config.get("jllm_engine")).remove("build"));
        assertRefused(engine, "'jllm_engine.build' is missing");
    }

    @Test
    void theEnginesKvCacheDtypeIsTheDefaultAndTheRuntimeMayOverrideIt(@TempDir Path dir) {
        Path engine = engine(dir, BuildOptions.builder().kvCacheDtype(KvCacheDtype.FP8).build());
        SamplingParams greedy = SamplingParams.builder().greedy().maxTokens(3).ignoreEos(true).build();
        try (LLM llm = llm(engine).build()) {
            assertThat(llm.engineConfig().orElseThrow().kvCacheDtype()).isEqualTo(KvCacheDtype.FP8);
            assertThat(llm.kvCache().dtype()).isEqualTo(KvCacheDtype.FP8);
            assertThat(llm.generateTokens(List.of(new int[] {5, 6, 7}), greedy).getFirst().outputs().getFirst()
                    .tokenIds()).hasSize(3);
        }
        try (LLM llm = llm(engine).kvCacheDtype(KvCacheDtype.AUTO).build()) {
            assertThat(llm.kvCache().dtype()).isEqualTo(KvCacheDtype.AUTO);
        }
    }

    private void assertRefused(Path engine, String message) {
        assertThatThrownBy(() -> llm(engine).build()).isInstanceOf(JllmException.class).hasMessageContaining(message);
    }

    private static void editConfig(Path engine, Consumer<ObjectNode> edit) {
        try {
            ObjectMapper json = new ObjectMapper();
            ObjectNode config = (ObjectNode) json.readTree(engine.resolve("config.json").toFile());
            edit.accept(config);
            Files.writeString(engine.resolve("config.json"), json.writeValueAsString(config));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
