package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.build.BuildListener;
import ai.jllm.build.BuildOptions;
import ai.jllm.build.EngineBuilder;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import ai.jllm.weights.EngineTensorNames;
import ai.jllm.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole quantized models on the CPU.
 *
 * <p>GPTQ and AWQ checkpoints (packed by numpy as AutoGPTQ and AutoAWQ pack them) loaded directly, and built into
 * engines, compute the logits of the dense model of their dequantized weights, to float32 rounding.
 *
 * <p>Round-to-nearest engines against the bfloat16 model they were built from, with an error budget per scheme. The
 * model has random weights, which have none of a trained model's structure: the logits amplify weight noise through
 * the layers, so the budgets are in relative terms (‖Δlogits‖ / ‖logits‖) and measured values are well inside them
 * (int8 ≈ 0.025, int4 ≈ 0.4, in line with the 17× coarser int4 step).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuantizedModelTest {

    /** Same weights, float32 math in another order (the fused int4 kernel applies zero points per group). */
    private static final double DEQUANTIZED_TOLERANCE = 1e-4;
    private static final int VOCAB = 1000;

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
        return QuantFixture.names();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void gptqAndAwqCheckpointsComputeTheirDequantizedModel(String name, @TempDir Path dir) {
        QuantFixture fixture = QuantFixture.load(name);
        Path dense = fixture.writeDequantized(dir.resolve("dense"));
        int[] prompt = new SplittableRandom(3).ints(20, 0, 128).toArray();
        float[] expected = ModelLogits.of(backend, dense, prompt);
        float[] direct = ModelLogits.of(backend, fixture.dir(), prompt);
        assertThat(ModelLogits.relativeError(direct, expected)).as("loaded directly").isLessThan(DEQUANTIZED_TOLERANCE);

        Path engineDir = dir.resolve("engine");
        EngineConfig engine = EngineBuilder.build(fixture.dir(), engineDir, BuildOptions.builder().build(),
                BuildListener.NONE);
        assertThat(engine.quantization().scheme()).isEqualTo(QuantScheme.INT4_WEIGHT_ONLY);
        assertThat(engine.quantization().method().configName()).isEqualTo(name.substring(0, name.indexOf('-')));
        assertThat(engine.dtype()).isEqualTo(DType.F16);
        float[] built = ModelLogits.of(backend, engineDir, prompt);
        assertThat(ModelLogits.relativeError(built, expected)).as("as an engine").isLessThan(DEQUANTIZED_TOLERANCE);
        try (SafetensorsFile rank = SafetensorsFile.open(engineDir.resolve("rank0.safetensors"))) {
            assertThat(rank.contains(EngineTensorNames.Projection.QKV.name(0) + EngineTensorNames.INPUT_ORDER))
                    .isEqualTo(name.contains("act-order"));
        }
    }

    @ParameterizedTest(name = "{0}, groups of {1}")
    @CsvSource({"INT8_WEIGHT_ONLY,0,0.05", "INT4_WEIGHT_ONLY,128,0.6", "INT4_WEIGHT_ONLY,32,0.6"})
    void roundToNearestEnginesStayWithinTheirBudget(QuantScheme scheme, int groupSize, double budget,
                                                    @TempDir Path dir) {
        RandomModel shape = new RandomModel("Qwen2ForCausalLM", VOCAB, 256, 512, 3, 4, 2, 64, true, DType.BF16, 1,
                List.of(2));
        Path source = shape.write(dir.resolve("hf"), 5);
        int[] prompt = new SplittableRandom(1).ints(32, 0, VOCAB).toArray();
        float[] reference = ModelLogits.of(backend, source, prompt);
        BuildOptions.Builder options = BuildOptions.builder().quantization(scheme);
        if (groupSize > 0) {
            options.groupSize(groupSize);
        }
        EngineBuilder.build(source, dir.resolve("engine"), options.build(), BuildListener.NONE);
        float[] logits = ModelLogits.of(backend, dir.resolve("engine"), prompt);
        double error = ModelLogits.relativeError(logits, reference);
        assertThat(error).as("relative logit error").isLessThanOrEqualTo(budget).isGreaterThan(0);
        if (scheme == QuantScheme.INT8_WEIGHT_ONLY) {
            assertThat(ModelLogits.top1Agreement(logits, reference, VOCAB)).as("same argmax").isGreaterThan(0.9);
        }
    }
}
