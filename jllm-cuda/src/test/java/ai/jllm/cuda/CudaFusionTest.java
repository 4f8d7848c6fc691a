package ai.jllm.cuda;

import static ai.jllm.cuda.DeviceTensors.BF16_TOLERANCE;
import static ai.jllm.cuda.DeviceTensors.assertClose;
import static ai.jllm.cuda.DeviceTensors.nans;
import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The op sequences of a decode step that the CUDA backend fuses into its GEMV kernels ({@link DecodeFusion}), against
 * the CPU backend running the same ops one by one: norm → linear, linear → residual add + norm, linear → SwiGLU →
 * linear, linear → rope + cache write. Every tensor the separate ops write is compared, intermediates included (the
 * fused kernels must still write them), each poisoned with NaN beforehand; bf16 tolerance as in {@link CudaOpsTest}.
 * Rows up to 8 take the fused path, the 12-row cases check the unfused path of the same sequences.
 */
@Tag("cuda")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaFusionTest {

    private CudaBackend cuda;
    private CpuBackend cpu;
    private Arena arena;
    private DeviceTensors random;

    @BeforeAll
    void start() {
        cpu = new CpuBackend(4);
        arena = Arena.ofShared();
        cuda = CudaBackend.create();
    }

    @AfterAll
    void stop() {
        if (cuda != null) {
            cuda.close();
        }
        cpu.close();
        arena.close();
    }

    @BeforeEach
    void seed(TestInfo test) {
        long seed = System.nanoTime();
        System.out.println(test.getDisplayName() + ": seed " + seed);
        random = new DeviceTensors(seed, arena);
    }

    private Tensor onCuda(float[] values, long... shape) {
        Tensor tensor = cuda.allocate(DType.BF16, shape);
        cuda.write(tensor, values);
        return tensor;
    }

    private Tensor poisoned(DType dtype, long... shape) {
        Tensor tensor = cuda.allocate(dtype, shape);
        cuda.write(tensor, nans(Math.toIntExact(CudaTensor.of(tensor).elements())));
        return tensor;
    }

    private static float[] read(Backend backend, Tensor tensor, int rows, int width) {
        float[] values = new float[rows * width];
        backend.copyToHost(tensor, rows, values);
        return values;
    }

    /** A weight matrix [rows, in] stored in bf16, small enough that products stay near 1. */
    private TensorView matrix(String name, int rows, int in) {
        return random.view(name, random.bf16Values(rows * in, 1.5 / Math.sqrt(in)), DType.BF16, rows, in);
    }

    private TensorView normWeight(int width) {
        return random.view("norm", random.bf16Values(width, 1.5), DType.BF16, width);
    }

    @ParameterizedTest
    @CsvSource({"1, 896, 1152, true", "3, 256, 520, false", "8, 512, 64, true", "5, 4864, 896, false",
        "12, 256, 96, true"})
    void normThenLinear(int rows, int in, int out, boolean bias) {
        float[] x = random.bf16Values(rows * in, 2);
        TensorView norm = normWeight(in);
        List<TensorView> weights = List.of(matrix("w", out, in));
        List<TensorView> biases = bias ? List.of(random.view("b", random.bf16Values(out, 1), DType.BF16, out))
                : List.of();
        Tensor cpuNormed = cpu.allocate(DType.F32, rows, in);
        Tensor expected = cpu.allocate(DType.F32, rows, out);
        cpu.rmsNorm(cpu.upload(x, rows, in), cpu.upload(norm), 1e-6f, rows, cpuNormed);
        cpu.linear(cpuNormed, cpu.linear(weights, biases), rows, expected);

        Tensor normed = poisoned(DType.BF16, rows, in);
        Tensor actual = poisoned(DType.BF16, rows, out);
        LinearWeights linear = cuda.linear(weights, biases);
        cuda.rmsNorm(onCuda(x, rows, in), cuda.upload(norm), 1e-6f, rows, normed);
        cuda.linear(normed, linear, rows, actual);
        assertClose(read(cuda, actual, rows, out), read(cpu, expected, rows, out), rows * out, BF16_TOLERANCE,
                "linear of the norm");
        assertClose(read(cuda, normed, rows, in), read(cpu, cpuNormed, rows, in), rows * in, BF16_TOLERANCE,
                "normed rows");
    }

    /** The o-projection's pattern: delta = x Wo^T, residual += delta, normed = norm(residual), y = normed W^T. */
    @ParameterizedTest
    @CsvSource({"1, 896, 896", "2, 2048, 1024", "7, 128, 520", "12, 256, 256"})
    void linearThenResidualAddAndNorm(int rows, int in, int hidden) {
        float[] x = random.bf16Values(rows * in, 2);
        float[] stream = random.bf16Values(rows * hidden, 2);
        List<TensorView> o = List.of(matrix("o", hidden, in));
        List<TensorView> next = List.of(matrix("next", 96, hidden));
        TensorView norm = normWeight(hidden);
        Tensor cpuStream = cpu.upload(stream, rows, hidden);
        Tensor cpuDelta = cpu.allocate(DType.F32, rows, hidden);
        Tensor cpuNormed = cpu.allocate(DType.F32, rows, hidden);
        Tensor expected = cpu.allocate(DType.F32, rows, 96);
        cpu.linear(cpu.upload(x, rows, in), cpu.linear(o, List.of()), rows, cpuDelta);
        cpu.addRmsNorm(cpuStream, cpuDelta, cpu.upload(norm), 1e-5f, rows, cpuNormed);
        cpu.linear(cpuNormed, cpu.linear(next, List.of()), rows, expected);

        Tensor cudaStream = onCuda(stream, rows, hidden);
        Tensor delta = poisoned(DType.BF16, rows, hidden);
        Tensor normed = poisoned(DType.BF16, rows, hidden);
        Tensor actual = poisoned(DType.F32, rows, 96);
        LinearWeights oLinear = cuda.linear(o, List.of());
        LinearWeights nextLinear = cuda.linear(next, List.of());
        cuda.linear(onCuda(x, rows, in), oLinear, rows, delta);
        cuda.addRmsNorm(cudaStream, delta, cuda.upload(norm), 1e-5f, rows, normed);
        cuda.linear(normed, nextLinear, rows, actual);
        assertClose(read(cuda, delta, rows, hidden), read(cpu, cpuDelta, rows, hidden), rows * hidden,
                BF16_TOLERANCE, "delta");
        assertClose(read(cuda, cudaStream, rows, hidden), read(cpu, cpuStream, rows, hidden), rows * hidden,
                BF16_TOLERANCE, "residual stream");
        assertClose(read(cuda, normed, rows, hidden), read(cpu, cpuNormed, rows, hidden), rows * hidden,
                BF16_TOLERANCE, "normed");
        assertClose(read(cuda, actual, rows, 96), read(cpu, expected, rows, 96), rows * 96, BF16_TOLERANCE,
                "next linear (f32)");
    }

    /** The feed-forward block: gateUp = x [Wg; Wu]^T, activated = silu(gate) * up, delta = activated Wd^T. */
    @ParameterizedTest
    @CsvSource({"1, 896, 4864", "4, 2048, 8192", "6, 64, 200", "12, 128, 256"})
    void linearThenSwiGluThenLinear(int rows, int hidden, int intermediate) {
        float[] x = random.bf16Values(rows * hidden, 2);
        List<TensorView> gateUp = List.of(matrix("gate", intermediate, hidden), matrix("up", intermediate, hidden));
        List<TensorView> down = List.of(matrix("down", hidden, intermediate));
        Tensor cpuGateUp = cpu.allocate(DType.F32, rows, 2L * intermediate);
        Tensor cpuActivated = cpu.allocate(DType.F32, rows, intermediate);
        Tensor expected = cpu.allocate(DType.F32, rows, hidden);
        cpu.linear(cpu.upload(x, rows, hidden), cpu.linear(gateUp, List.of()), rows, cpuGateUp);
        cpu.siluMul(cpuGateUp, rows, cpuActivated);
        cpu.linear(cpuActivated, cpu.linear(down, List.of()), rows, expected);

        Tensor cudaGateUp = poisoned(DType.BF16, rows, 2L * intermediate);
        Tensor activated = poisoned(DType.BF16, rows, intermediate);
        Tensor actual = poisoned(DType.BF16, rows, hidden);
        LinearWeights gateUpLinear = cuda.linear(gateUp, List.of());
        LinearWeights downLinear = cuda.linear(down, List.of());
        cuda.linear(onCuda(x, rows, hidden), gateUpLinear, rows, cudaGateUp);
        cuda.siluMul(cudaGateUp, rows, activated);
        cuda.linear(activated, downLinear, rows, actual);
        assertClose(read(cuda, cudaGateUp, rows, 2 * intermediate), read(cpu, cpuGateUp, rows, 2 * intermediate),
                rows * 2 * intermediate, BF16_TOLERANCE, "gate/up");
        assertClose(read(cuda, activated, rows, intermediate), read(cpu, cpuActivated, rows, intermediate),
                rows * intermediate, BF16_TOLERANCE, "activated");
        assertClose(read(cuda, actual, rows, hidden), read(cpu, expected, rows, hidden), rows * hidden,
                BF16_TOLERANCE, "down");
    }

    /**
     * The attention input: qkv = x Wqkv^T + b, then rope and the cache write, for a decode batch whose sequences sit
     * at different positions in their own blocks.
     */
    @ParameterizedTest
    @CsvSource({"14, 2, 64, 1", "8, 2, 64, 3", "4, 4, 128, 8", "16, 8, 64, 12", "2, 1, 256, 2"})
    void linearThenRopeAndCacheWrite(int heads, int kvHeads, int headDim, int rows) {
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)),
                OptionalInt.empty());
        int hidden = 256;
        int width = shape.qkvSize();
        int blockSize = 16;
        int maxBlocks = 4;
        int maxPositions = blockSize * maxBlocks;
        ForwardBatch batch = new ForwardBatch(rows, rows, blockSize, maxBlocks, rows);
        int[] tokens = new int[1];
        for (int r = 0; r < rows; r++) {
            int position = random.nextInt(maxPositions);
            int[] table = new int[maxBlocks];
            for (int b = 0; b < maxBlocks; b++) {
                table[b] = (r * maxBlocks + (b * 3 + r) % maxBlocks);
            }
            batch.addSequence(tokens, 0, 1, position, table, position / blockSize + 1, ForwardBatch.Logits.LAST);
        }
        float[] x = random.bf16Values(rows * hidden, 2);
        List<TensorView> qkvParts = List.of(matrix("q", shape.qSize(), hidden), matrix("k", shape.kvSize(), hidden),
                matrix("v", shape.kvSize(), hidden));
        List<TensorView> biases = new ArrayList<>();
        biases.add(random.view("bq", random.bf16Values(shape.qSize(), 1), DType.BF16, shape.qSize()));
        biases.add(random.view("bk", random.bf16Values(shape.kvSize(), 1), DType.BF16, shape.kvSize()));
        biases.add(random.view("bv", random.bf16Values(shape.kvSize(), 1), DType.BF16, shape.kvSize()));
        float[] table = CudaOpsTest.ropeTable(maxPositions, headDim);
        int numBlocks = rows * maxBlocks;

        KvCache cpuCache = cpu.allocateKvCache(1, numBlocks, blockSize, kvHeads, headDim);
        Tensor expected = cpu.allocate(DType.F32, rows, width);
        cpu.prepare(batch);
        cpu.linear(cpu.upload(x, rows, hidden), cpu.linear(qkvParts, biases), rows, expected);
        cpu.ropeAndWriteKv(expected, cpu.upload(table, maxPositions, headDim), shape, cpuCache, 0, batch);

        KvCache cudaCache = cuda.allocateKvCache(1, numBlocks, blockSize, kvHeads, headDim);
        Tensor actual = poisoned(DType.BF16, rows, width);
        LinearWeights qkv = cuda.linear(qkvParts, biases);
        Tensor cudaTable = cuda.upload(table, maxPositions, headDim);
        Tensor input = onCuda(x, rows, hidden);
        cuda.prepare(batch);
        cuda.linear(input, qkv, rows, actual);
        cuda.ropeAndWriteKv(actual, cudaTable, shape, cudaCache, 0, batch);

        float[] rotated = read(cuda, actual, rows, width);
        assertClose(rotated, read(cpu, expected, rows, width), rows * width, BF16_TOLERANCE, "rotated qkv");
        float[] keys = cuda.readCache(cudaCache, 0, true);
        float[] values = cuda.readCache(cudaCache, 0, false);
        int kvSize = shape.kvSize();
        for (int t = 0; t < rows; t++) {
            int slot = batch.slotMapping()[t];
            for (int i = 0; i < kvSize; i++) {
                assertThat(keys[slot * kvSize + i]).as("key of row " + t).isEqualTo(
                        rotated[t * width + shape.qSize() + i]);
                assertThat(values[slot * kvSize + i]).as("value of row " + t).isEqualTo(
                        rotated[t * width + shape.qSize() + kvSize + i]);
            }
        }
    }
}
