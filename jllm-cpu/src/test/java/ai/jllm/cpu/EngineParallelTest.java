package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import ai.jllm.build.BuildListener;
import ai.jllm.build.BuildOptions;
import ai.jllm.build.EngineBuilder;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import ai.jllm.weights.DenseLinear;
import ai.jllm.weights.EngineCheckpoint;
import ai.jllm.weights.LayerTensors;
import ai.jllm.weights.LinearTensors;
import ai.jllm.weights.ModelCheckpoint;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.SafetensorsFile;
import ai.jllm.weights.TensorView;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --tp-size 2} rank files split the way Megatron's tensor parallelism computes: each rank's QKV holds its
 * heads' rows of q, k and v and its gate/up its share of gate and of up (column parallel: the ranks' outputs are
 * the full output's rows), o and down hold a share of the input columns (row parallel: the ranks' outputs sum to the
 * full output). Checked by running every projection of every rank on the CPU against the same projection of a
 * {@code --tp-size 1} engine built from the same model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineParallelTest {

    private static final int TP = 2;
    private static final int ROWS = 3;

    private final RandomModel shape = new RandomModel("Qwen2ForCausalLM", 300, 128, 256, 2, 4, 2, 32, true,
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

    @ParameterizedTest(name = "{0}")
    @CsvSource({"NONE,0.00001", "INT4_WEIGHT_ONLY,0.00001", "INT8_WEIGHT_ONLY,0.02"})
    void ranksComputeTheirShareOfEveryProjection(QuantScheme scheme, double rowParallelTolerance, @TempDir Path dir) {
        Path source = shape.write(dir.resolve("hf"), 9);
        BuildOptions.Builder options = BuildOptions.builder().quantization(scheme);
        if (scheme == QuantScheme.INT4_WEIGHT_ONLY) {
            options.groupSize(32);
        }
        EngineBuilder.build(source, dir.resolve("tp1"), options.build(), BuildListener.NONE);
        EngineConfig engine = EngineBuilder.build(source, dir.resolve("tp2"), options.tpSize(TP).build(),
                BuildListener.NONE);
        assertThat(engine.tpSize()).isEqualTo(TP);
        ModelConfig config = ModelConfig.load(source);
        Random random = new Random(5);
        try (ModelCheckpoint whole = ModelCheckpoint.open(dir.resolve("tp1"));
             SafetensorsFile rank0 = SafetensorsFile.open(dir.resolve("tp2").resolve("rank0.safetensors"));
             SafetensorsFile rank1 = SafetensorsFile.open(dir.resolve("tp2").resolve("rank1.safetensors"))) {
            List<EngineCheckpoint> ranks = List.of(new EngineCheckpoint(rank0, config, engine, 0),
                    new EngineCheckpoint(rank1, config, engine, 1));
            for (int layer = 0; layer < config.numLayers(); layer++) {
                LayerTensors full = whole.layout().layer(layer);
                List<LayerTensors> shares = List.of(ranks.get(0).layer(layer), ranks.get(1).layer(layer));
                int q = config.qSize();
                int kv = config.kvSize();
                int intermediate = config.intermediateSize();
                float[] hidden = randoms(random, ROWS * config.hiddenSize());
                float[] fullQkv = run(full.qkv(), full.qkvBias(), hidden, config.hiddenSize());
                float[] fullGateUp = run(full.gateUp(), full.gateUpBias(), hidden, config.hiddenSize());
                for (int r = 0; r < TP; r++) {
                    int[] qkvRows = concat(range(r * q / TP, q / TP), range(q + r * kv / TP, kv / TP),
                            range(q + kv + r * kv / TP, kv / TP));
                    assertRows(run(shares.get(r).qkv(), shares.get(r).qkvBias(), hidden, config.hiddenSize()),
                            fullQkv, q + 2 * kv, qkvRows, "qkv rank " + r);
                    int[] gateUpRows = concat(range(r * intermediate / TP, intermediate / TP),
                            range(intermediate + r * intermediate / TP, intermediate / TP));
                    assertRows(run(shares.get(r).gateUp(), shares.get(r).gateUpBias(), hidden, config.hiddenSize()),
                            fullGateUp, 2 * intermediate, gateUpRows, "gate_up rank " + r);
                }
                float[] attended = randoms(random, ROWS * q);
                assertSum(full.o(), shares.stream().map(LayerTensors::o).toList(), attended, q,
                        rowParallelTolerance, "o");
                float[] activated = randoms(random, ROWS * intermediate);
                assertSum(full.down(), shares.stream().map(LayerTensors::down).toList(), activated, intermediate,
                        rowParallelTolerance, "down");
            }
            TensorView embedding = whole.layout().embedding();
            long rowBytes = embedding.data().byteSize() / config.vocabSize();
            for (int r = 0; r < TP; r++) {
                assertThat(ranks.get(r).embedding().data().mismatch(embedding.data())).isEqualTo(-1);
                long half = config.vocabSize() / TP * rowBytes;
                assertThat(ranks.get(r).lmHead().data().mismatch(embedding.data().asSlice(r * half, half)))
                        .as("lm_head rank %d: its rows of the tied embedding", r).isEqualTo(-1);
            }
        }
    }

    @Test
    void aTensorParallelEngineIsRefusedOnOneDevice(@TempDir Path dir) {
        Path source = shape.write(dir.resolve("hf"), 9);
        EngineBuilder.build(source, dir.resolve("tp2"), BuildOptions.builder().tpSize(TP).build(), BuildListener.NONE);
        assertThatThrownBy(() -> ModelCheckpoint.open(dir.resolve("tp2")))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("--tp-size 2").hasMessageContaining("NCCL").hasMessageContaining("--tp-size 1");
    }

    @Test
    void aRankFileOfAnotherRankIsRefused(@TempDir Path dir) throws Exception {
        Path source = shape.write(dir.resolve("hf"), 9);
        EngineConfig engine = EngineBuilder.build(source, dir.resolve("tp2"), BuildOptions.builder().tpSize(TP).build(),
                BuildListener.NONE);
        try (SafetensorsFile rank1 = SafetensorsFile.open(dir.resolve("tp2").resolve("rank1.safetensors"))) {
            assertThatThrownBy(() -> new EngineCheckpoint(rank1, ModelConfig.load(source), engine, 0))
                    .isInstanceOf(JllmException.class).hasMessageContaining("is not this engine's rank 0");
        }
    }

    private float[] run(LinearTensors weight, List<TensorView> bias, float[] x, int in) {
        LinearWeights linear = switch (weight) {
            case DenseLinear dense -> backend.linear(dense.parts(), bias);
            case QuantizedLinear quantized -> backend.linear(quantized, bias);
        };
        Tensor input = backend.upload(x, ROWS, in);
        Tensor output = backend.allocate(DType.F32, ROWS, linear.outFeatures());
        backend.linear(input, linear, ROWS, output);
        float[] result = new float[ROWS * linear.outFeatures()];
        backend.copyToHost(output, ROWS, result);
        return result;
    }

    /** The rank's output columns are the full output's columns {@code rows}, in order. */
    private static void assertRows(float[] rank, float[] full, int fullWidth, int[] rows, String what) {
        assertThat(rank).hasSize(ROWS * rows.length);
        for (int t = 0; t < ROWS; t++) {
            for (int j = 0; j < rows.length; j++) {
                assertThat(rank[t * rows.length + j]).as("%s [%d, %d]", what, t, j)
                        .isCloseTo(full[t * fullWidth + rows[j]], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    /** Each rank multiplies its share of the input columns; the shares' outputs add up to the full output. */
    private void assertSum(LinearTensors full, List<LinearTensors> shares, float[] x, int in, double tolerance,
                           String what) {
        float[] expected = run(full, List.of(), x, in);
        float[] sum = new float[expected.length];
        int width = in / TP;
        for (int r = 0; r < TP; r++) {
            float[] part = new float[ROWS * width];
            for (int t = 0; t < ROWS; t++) {
                System.arraycopy(x, t * in + r * width, part, t * width, width);
            }
            float[] output = run(shares.get(r), List.of(), part, width);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += output[i];
            }
        }
        assertThat(ModelLogits.relativeError(sum, expected)).as(what).isLessThanOrEqualTo(tolerance);
    }

    private static int[] range(int start, int length) {
        return java.util.stream.IntStream.range(start, start + length).toArray();
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    private static float[] randoms(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }
}
