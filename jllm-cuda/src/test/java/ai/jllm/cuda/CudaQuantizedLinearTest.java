package ai.jllm.cuda;

import static ai.jllm.cuda.DeviceTensors.BF16_TOLERANCE;
import static ai.jllm.cuda.DeviceTensors.assertClose;
import static ai.jllm.cuda.DeviceTensors.nans;
import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.backend.Backend;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA backend's int8 and int4 weight-only products against a plain dequantize-then-multiply reference
 * ({@link RandomQuantized}) on fresh random codes, scales, zero points and inputs, outputs poisoned with NaN first.
 * Rows up to 8 run the fused dequantize-GEMV (quant_gemv.cu; int4 in groups of a multiple of 128 on tensor cores,
 * quant_mma.cu), more rows (and inputs the GEMV does not take: int8
 * widths that are not a multiple of 16, int4 groups that are not a power of two times 32, rows too wide for its
 * shared memory) dequantize into bf16 and go through
 * cuBLASLt. Tolerance: {@link DeviceTensors#BF16_TOLERANCE} by normalized error (bf16 outputs; the cuBLASLt path also
 * rounds the dequantized weights to bf16). The fused prologue and epilogues are checked against the CPU backend
 * running the same quantized weights op by op.
 */
@Tag("cuda")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaQuantizedLinearTest {

    private CudaBackend cuda;
    private CpuBackend cpu;
    private Arena arena;
    private Random random;
    private DeviceTensors values;

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
        random = new Random(seed);
        values = new DeviceTensors(seed, arena);
    }

    @ParameterizedTest(name = "{0} rows, {1} -> {2}, bias {3}, f32 out {4}")
    @CsvSource({"1,256,96,false,false", "3,512,131,true,false", "8,1024,77,false,true", "5,4864,896,true,false",
        "1,14336,64,false,false", "2,200,64,true,false", "4,14336,40,false,false", "12,256,96,true,false",
        "40,512,200,false,true"})
    void int8MatchesDequantizedProduct(int rows, int in, int out, boolean bias, boolean float32) {
        check(RandomQuantized.int8(random, arena, out, in), rows, bias, float32);
    }

    @ParameterizedTest(name = "{0} rows, {1} -> {2}, groups of {3}, act-order {4}, bias {5}")
    @CsvSource({"1,256,96,128,false,false", "2,512,131,32,true,true", "4,1024,77,128,true,false",
        "8,4096,64,128,false,true", "7,384,19,128,true,true", "1,14336,40,128,true,false",
        "3,14336,24,128,false,false", "12,256,96,64,true,true", "33,512,200,128,false,false",
        "3,384,50,96,true,false", "5,512,70,64,true,true", "6,768,33,256,false,true"})
    void int4MatchesDequantizedProduct(int rows, int in, int out, int groupSize, boolean actOrder, boolean bias) {
        check(RandomQuantized.int4(random, out, in, groupSize, actOrder), rows, bias, false);
    }

    private void check(RandomQuantized weight, int rows, boolean withBias, boolean float32) {
        int in = weight.weights().inFeatures();
        int out = weight.weights().outFeatures();
        float[] x = values.bf16Values(rows * in, 1);
        float[] bias = withBias ? values.bf16Values(out, 1) : null;
        List<TensorView> biasParts = withBias ? List.of(values.view("b", bias, DType.F32, out)) : List.of();
        LinearWeights linear = cuda.linear(weight.weights(), biasParts);
        Tensor input = cuda.allocate(DType.BF16, rows, in);
        cuda.write(input, x);
        Tensor output = poisoned(float32 ? DType.F32 : DType.BF16, rows, out);
        cuda.linear(input, linear, rows, output);
        assertClose(read(cuda, output, rows, out), weight.multiply(x, rows, bias), rows * out, BF16_TOLERANCE,
                "product");
    }

    /**
     * A decode layer's ops around quantized products, fused on the GPU, against the CPU op by op: normed = norm(x),
     * gateUp = normed Wgu^T (the norm as the GEMV's prologue, act-order gathering the normed inputs), activated =
     * silu(gate) * up (the SwiGLU epilogue), delta = activated Wd^T, stream += delta (the residual epilogue).
     */
    @ParameterizedTest(name = "{0} rows, hidden {1}, intermediate {2}, int4 {3}, act-order {4}")
    @CsvSource({"1,512,1024,true,true", "3,256,384,true,false", "8,1024,512,false,false", "2,768,1536,false,false",
        "12,256,256,true,true"})
    void fusedLayerOpsMatchTheCpu(int rows, int hidden, int intermediate, boolean int4, boolean actOrder) {
        RandomQuantized gateUp = int4 ? RandomQuantized.int4(random, 2 * intermediate, hidden, 128, actOrder)
                : RandomQuantized.int8(random, arena, 2 * intermediate, hidden);
        RandomQuantized down = int4 ? RandomQuantized.int4(random, hidden, intermediate, 128, actOrder)
                : RandomQuantized.int8(random, arena, hidden, intermediate);
        float[] x = values.bf16Values(rows * hidden, 2);
        float[] stream = values.bf16Values(rows * hidden, 2);
        TensorView norm = values.view("norm", values.bf16Values(hidden, 1.5), DType.BF16, hidden);

        Tensor cpuStream = cpu.upload(stream, rows, hidden);
        Tensor cpuNormed = cpu.allocate(DType.F32, rows, hidden);
        Tensor cpuGateUp = cpu.allocate(DType.F32, rows, 2L * intermediate);
        Tensor cpuActivated = cpu.allocate(DType.F32, rows, intermediate);
        Tensor cpuDelta = cpu.allocate(DType.F32, rows, hidden);
        cpu.rmsNorm(cpu.upload(x, rows, hidden), cpu.upload(norm), 1e-6f, rows, cpuNormed);
        cpu.linear(cpuNormed, cpu.linear(gateUp.weights(), List.of()), rows, cpuGateUp);
        cpu.siluMul(cpuGateUp, rows, cpuActivated);
        cpu.linear(cpuActivated, cpu.linear(down.weights(), List.of()), rows, cpuDelta);
        cpu.addRmsNorm(cpuStream, cpuDelta, cpu.upload(norm), 1e-6f, rows, cpu.allocate(DType.F32, rows, hidden));

        Tensor cudaStream = cuda.allocate(DType.BF16, rows, hidden);
        cuda.write(cudaStream, stream);
        Tensor input = cuda.allocate(DType.BF16, rows, hidden);
        cuda.write(input, x);
        Tensor normed = poisoned(DType.BF16, rows, hidden);
        Tensor cudaGateUp = poisoned(DType.BF16, rows, 2L * intermediate);
        Tensor activated = poisoned(DType.BF16, rows, intermediate);
        Tensor delta = poisoned(DType.BF16, rows, hidden);
        Tensor normedAgain = poisoned(DType.BF16, rows, hidden);
        LinearWeights gateUpLinear = cuda.linear(gateUp.weights(), List.of());
        LinearWeights downLinear = cuda.linear(down.weights(), List.of());
        Tensor normWeight = cuda.upload(norm);
        cuda.rmsNorm(input, normWeight, 1e-6f, rows, normed);
        cuda.linear(normed, gateUpLinear, rows, cudaGateUp);
        cuda.siluMul(cudaGateUp, rows, activated);
        cuda.linear(activated, downLinear, rows, delta);
        cuda.addRmsNorm(cudaStream, delta, normWeight, 1e-6f, rows, normedAgain);

        assertClose(read(cuda, normed, rows, hidden), read(cpu, cpuNormed, rows, hidden), rows * hidden,
                BF16_TOLERANCE, "normed");
        assertClose(read(cuda, cudaGateUp, rows, 2 * intermediate), read(cpu, cpuGateUp, rows, 2 * intermediate),
                rows * 2 * intermediate, BF16_TOLERANCE, "gate/up");
        assertClose(read(cuda, activated, rows, intermediate), read(cpu, cpuActivated, rows, intermediate),
                rows * intermediate, BF16_TOLERANCE, "activated");
        assertClose(read(cuda, delta, rows, hidden), read(cpu, cpuDelta, rows, hidden), rows * hidden,
                BF16_TOLERANCE, "down");
        assertClose(read(cuda, cudaStream, rows, hidden), read(cpu, cpuStream, rows, hidden), rows * hidden,
                BF16_TOLERANCE, "residual stream");
        assertThat(QuantGemv.fits((CudaQuantizedLinear) gateUpLinear, rows)).as("fused path taken")
                .isEqualTo(rows <= Kernels.GEMV_MAX_ROWS);
    }

    private Tensor poisoned(DType dtype, long... shape) {
        Tensor tensor = cuda.allocate(dtype, shape);
        cuda.write(tensor, nans(Math.toIntExact(CudaTensor.of(tensor).elements())));
        return tensor;
    }

    private static float[] read(Backend backend, Tensor tensor, int rows, int width) {
        float[] result = new float[rows * width];
        backend.copyToHost(tensor, rows, result);
        return result;
    }
}
