package ai.jllm.cuda;

import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * bf16 against fp8 linear layers of the Llama-3-8B shapes, as the backend runs them (decode GEMVs up to 8 rows,
 * cuBLASLt beyond; fp8 includes the per-token activation quantization): microseconds per product over a range of row
 * counts, timed with CUDA events over back-to-back products (the weights of o and qkv fit the H200's 50 MB L2 in fp8,
 * so small-row figures for them are optimistic), and the fp8 speed-up.
 *
 * <p>Usage: {@code Fp8LinearBenchmark} (no arguments).
 */
public final class Fp8LinearBenchmark {

    private record Shape(String name, int in, int out) {}

    private static final List<Shape> SHAPES = List.of(new Shape("qkv", 4096, 6144), new Shape("o", 4096, 4096),
            new Shape("gate/up", 4096, 28672), new Shape("down", 14336, 4096));
    private static final int[] ROWS = {1, 8, 64, 256, 1024, 8192};
    private static final int REPEATS = 20;

    private Fp8LinearBenchmark() {}

    public static void main(String[] args) {
        try (CudaBackend backend = CudaBackend.create(0, false)) {
            System.out.println(backend.description());
            Random random = new Random(3);
            double[][] totals = new double[2][ROWS.length];
            for (Shape shape : SHAPES) {
                int elements = shape.in() * shape.out();
                short[] bf16 = new short[elements];
                byte[] codes = new byte[elements];
                for (int i = 0; i < elements; i++) {
                    bf16[i] = Bf16.fromFloat((random.nextFloat() - 0.5f) * 0.04f);
                    codes[i] = (byte) (random.nextInt(0x7f) | (random.nextBoolean() ? 0x80 : 0));
                }
                float[] scales = new float[shape.out()];
                java.util.Arrays.fill(scales, 1e-4f);
                LinearWeights dense = backend.linear(List.of(new TensorView("w", DType.BF16,
                        new long[] {shape.out(), shape.in()}, MemorySegment.ofArray(bf16), Path.of("random"))),
                        List.of());
                LinearWeights fp8 = backend.linear(new QuantizedLinear.Fp8(
                        new TensorView("w", DType.F8_E4M3, new long[] {shape.out(), shape.in()},
                                MemorySegment.ofArray(codes), Path.of("random")),
                        new TensorView("s", DType.F32, new long[] {shape.out()}, MemorySegment.ofArray(scales),
                                Path.of("random"))), List.of());
                for (int r = 0; r < ROWS.length; r++) {
                    int rows = ROWS[r];
                    Tensor x = backend.allocate(DType.BF16, rows, shape.in());
                    float[] values = new float[rows * shape.in()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = random.nextFloat() * 2 - 1;
                    }
                    backend.write(x, values);
                    Tensor y = backend.allocate(DType.BF16, rows, shape.out());
                    double denseMicros = time(backend, x, dense, rows, y);
                    double fp8Micros = time(backend, x, fp8, rows, y);
                    totals[0][r] += denseMicros;
                    totals[1][r] += fp8Micros;
                    System.out.printf("%-8s %5d rows: bf16 %9.1f us  fp8 %9.1f us  fp8 speed-up %.2fx%n", shape.name(),
                            rows, denseMicros, fp8Micros, denseMicros / fp8Micros);
                }
            }
            for (int r = 0; r < ROWS.length; r++) {
                System.out.printf("one layer %5d rows: bf16 %9.1f us  fp8 %9.1f us  fp8 speed-up %.2fx%n", ROWS[r],
                        totals[0][r], totals[1][r], totals[0][r] / totals[1][r]);
            }
        }
    }

    /** Microseconds per product: two warm-up products, then {@link #REPEATS} timed with CUDA events. */
    private static double time(CudaBackend backend, Tensor x, LinearWeights weights, int rows, Tensor y) {
        CudaDriver driver = backend.driver();
        backend.linear(x, weights, rows, y);
        backend.linear(x, weights, rows, y);
        backend.synchronize();
        long start = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        long end = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        try {
            driver.eventRecord(start, backend.stream());
            for (int i = 0; i < REPEATS; i++) {
                backend.linear(x, weights, rows, y);
            }
            backend.synchronize();
            driver.eventRecord(end, backend.stream());
            driver.eventSynchronize(end);
            return driver.eventElapsedMillis(start, end) * 1e3 / REPEATS;
        } finally {
            driver.eventDestroy(start);
            driver.eventDestroy(end);
        }
    }
}
