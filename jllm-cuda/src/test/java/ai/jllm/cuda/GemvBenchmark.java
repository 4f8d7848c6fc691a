package ai.jllm.cuda;

import ai.jllm.backend.Tensor;
import ai.jllm.tensor.DType;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

/**
 * The decode GEMV kernel alone, per matrix shape of the benchmark models and per launch configuration (threads per
 * block, warps per output pair), as it runs in a recorded decode step: a CUDA graph of back-to-back launches over
 * different weight copies (more bytes than the L2 holds, so every launch streams from device memory), each a
 * programmatic dependent of the one before. Prints microseconds per GEMV and the bandwidth it reaches against the
 * copy bandwidth measured in the same run.
 *
 * <p>Usage: {@code GemvBenchmark} (no arguments).
 */
public final class GemvBenchmark {

    private record Shape(String name, int in, int out) {}

    private static final List<Shape> SHAPES = List.of(
            new Shape("qwen0.5b qkv", 896, 1152), new Shape("qwen0.5b o", 896, 896),
            new Shape("qwen0.5b gate/up", 896, 9728), new Shape("qwen0.5b down", 4864, 896),
            new Shape("qwen0.5b lm_head", 896, 151936), new Shape("llama1b qkv", 2048, 3072),
            new Shape("llama1b o", 2048, 2048), new Shape("llama1b gate/up", 2048, 16384),
            new Shape("llama1b down", 8192, 2048));
    private static final int LAUNCHES = 24;
    private static final int REPLAYS = 20;
    private static final long POOL_BYTES = 512L << 20;

    private GemvBenchmark() {}

    public static void main(String[] args) {
        try (CudaBackend backend = CudaBackend.create(0, true)) {
            System.out.println(backend.description());
            double bandwidth = backend.copyBandwidth(1L << 30, 20);
            System.out.printf("copy bandwidth: %.0f GB/s (read + write)%n", bandwidth / 1e9);
            CudaDriver driver = backend.driver();
            Random random = new Random(11);
            for (Shape shape : SHAPES) {
                long bytes = (long) shape.in() * shape.out() * Short.BYTES;
                int copies = (int) Math.clamp(POOL_BYTES / bytes, 2, LAUNCHES);
                long pool = driver.memAlloc(bytes * copies);
                fillRandom(backend, pool, bytes * copies, random);
                Tensor x = backend.allocate(DType.BF16, 1, shape.in());
                backend.write(x, values(shape.in(), random));
                Tensor y = backend.allocate(DType.BF16, 1, shape.out());
                StringBuilder line = new StringBuilder(String.format("%-18s", shape.name()));
                for (int threads : new int[] {128, 256}) {
                    for (int split = 1; split <= threads / 32; split *= 2) {
                        double micros = time(backend, shape, pool, bytes, copies, x, y, threads, split);
                        line.append(String.format("  %d/%d %6.2f us %4.0f%%", threads, split, micros,
                                100 * bytes / (micros * 1e-6) / bandwidth));
                    }
                }
                System.out.println(line);
                driver.memFree(pool);
            }
        }
    }

    private static double time(CudaBackend backend, Shape shape, long pool, long bytes, int copies, Tensor x,
                               Tensor y, int threads, int split) {
        CudaDriver driver = backend.driver();
        long stream = backend.stream();
        Kernels kernels = backend.kernels();
        GemvPrologue input = new GemvPrologue.Copy(CudaTensor.of(x).pointer());
        GemvEpilogue output = new GemvEpilogue.Store(CudaTensor.of(y).pointer(), false);
        backend.synchronize();
        driver.beginCapture(stream);
        for (int i = 0; i < LAUNCHES; i++) {
            CudaLinear weights = new CudaLinear(pool + (i % copies) * bytes, OptionalLong.empty(), shape.in(),
                    shape.out());
            kernels.gemv(weights, 1, input, output, threads, split);
        }
        long graph = driver.endCapture(stream);
        long executable = driver.graphInstantiate(graph);
        long start = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        long end = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        try {
            driver.graphLaunch(executable, stream);
            driver.eventRecord(start, stream);
            for (int r = 0; r < REPLAYS; r++) {
                driver.graphLaunch(executable, stream);
            }
            driver.eventRecord(end, stream);
            driver.eventSynchronize(end);
            return driver.eventElapsedMillis(start, end) * 1e3 / (REPLAYS * LAUNCHES);
        } finally {
            driver.eventDestroy(start);
            driver.eventDestroy(end);
            driver.graphExecDestroy(executable);
            driver.graphDestroy(graph);
        }
    }

    /** Random bf16 values in [-1, 1): one 16 MiB random block copied over the whole region. */
    private static void fillRandom(CudaBackend backend, long target, long bytes, Random random) {
        int blockElements = 8 << 20;
        Tensor block = backend.allocate(DType.BF16, blockElements);
        backend.write(block, values(blockElements, random));
        long blockBytes = (long) blockElements * Short.BYTES;
        for (long at = 0; at < bytes; at += blockBytes) {
            backend.driver().copyDeviceToDevice(target + at, CudaTensor.of(block).pointer(),
                    Math.min(blockBytes, bytes - at), backend.stream());
        }
        backend.synchronize();
    }

    private static float[] values(int count, Random random) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = Bf16.round((float) (random.nextDouble() * 2 - 1));
        }
        return values;
    }
}
