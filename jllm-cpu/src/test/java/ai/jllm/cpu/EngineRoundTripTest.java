package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.build.BuildListener;
import ai.jllm.build.BuildOptions;
import ai.jllm.build.EngineBuilder;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An engine built with {@code --quantization none} in the checkpoint's own dtype computes the logits of the Hugging
 * Face directory it came from, to float32 rounding: fused QKV and gate/up, float32 norms and biases, the tied lm_head, every
 * architecture and storage dtype of the transformers fixtures, and random models of the other architectures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineRoundTripTest {

    /**
     * The same weights and the same float32 math: only the Vector API's lane-reduction order may differ (it changes when
     * the JIT compiles a kernel), which moves logits by a few float32 ulps.
     */
    private static final float TOLERANCE = 1e-4f;
    private static final int[] PROMPT = {1, 17, 42, 5, 99, 3, 64, 7, 21, 88, 13, 2, 55};

    private CpuBackend backend;

    @BeforeAll
    void start() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    void stop() {
        backend.close();
    }

    static List<String> fixtures() {
        return GoldenModel.names();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void transformersFixtures(String name, @TempDir Path engines) {
        Path source = GoldenModel.load(name).dir();
        assertSameLogits(source, engines.resolve(name));
    }

    static List<RandomModel> randomModels() {
        return List.of(
                new RandomModel("Qwen2ForCausalLM", 300, 64, 96, 2, 4, 2, 16, true, DType.BF16, 1, List.of(2)),
                new RandomModel("Qwen3ForCausalLM", 300, 64, 96, 2, 4, 1, 32, false, DType.F16, 1, List.of(2)),
                new RandomModel("MistralForCausalLM", 300, 64, 96, 3, 4, 4, 16, false, DType.F32, 1, List.of(2)));
    }

    @ParameterizedTest
    @MethodSource("randomModels")
    void randomModels(RandomModel shape, @TempDir Path dir) {
        Path source = shape.write(dir.resolve("hf"), 11);
        assertSameLogits(source, dir.resolve("engine"));
    }

    private void assertSameLogits(Path source, Path engineDir) {
        EngineConfig engine = EngineBuilder.build(source, engineDir, BuildOptions.builder().build(), BuildListener.NONE);
        ModelConfig config = ModelConfig.load(source);
        assertThat(engine.dtype()).isEqualTo(config.torchDtype());
        assertThat(engine.quantization().scheme()).isEqualTo(QuantScheme.NONE);
        assertThat(EngineConfig.isEngine(engineDir)).isTrue();
        assertThat(Files.exists(engineDir.resolve("generation_config.json"))).isTrue();
        assertThat(ModelConfig.load(engineDir)).isEqualTo(config);
        int[] prompt = java.util.Arrays.stream(PROMPT).map(t -> t % config.vocabSize()).toArray();
        float[] expected = ModelLogits.of(backend, source, prompt);
        float[] actual = ModelLogits.of(backend, engineDir, prompt);
        assertThat(ModelLogits.maxAbsoluteError(actual, expected)).isLessThanOrEqualTo(TOLERANCE);
    }
}
