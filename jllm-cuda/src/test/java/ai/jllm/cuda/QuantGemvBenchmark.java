package ai.jllm.cuda;

import ai.jllm.backend.Tensor;
import ai.jllm.tensor.DType;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

/**
 * The quantized products alone, for Llama-3-8B's matrices, as they run in a recorded decode step (a CUDA graph of
 * back-to-back launches over different weight copies, more bytes than the L2 holds): the bf16 GEMV, the int8 and int4
 * fused dequantize-GEMVs (quant_gemv.cu) per batch, and dequantize + cuBLASLt per batch (the path past the GEMV's
 * rows), which is where the crossover between the two is read. Prints microseconds per product and, for the GEMVs,
 * the bandwidth reached on the bytes each reads (codes, scales, zero points) against the copy bandwidth measured in the
 * same run.
 *
 * <p>Usage: {@code QuantGemvBenchmark} (no arguments).
 */
public final class QuantGemvBenchmark {

    private record Shape(String name, int in, int out) {}

    private static final List<Shape> SHAPES = List.of(new Shape("qkv", 4096, 6144), new Shape("o", 4096, 4096),
            new Shape("gate/up", 4096, 28672), new Shape("down", 14336, 4096));
    private static final int[] GEMV_BATCHES = {1, 2, 4, 8};
    private static final int[] GEMM_BATCHES = {1, 8, 16, 64};
    private static final int LAUNCHES = 24;
    private static final int REPLAYS = 10;
    private static final long POOL_BYTES = 1L << 30;
    private static final int GROUP = 128;

    private QuantGemvBenchmark() {}

    public static void main(String[] args) {
        try (CudaBackend backend = CudaBackend.create(0, true)) {
            System.out.println(backend.description());
            double bandwidth = backend.copyBandwidth(1L << 30, 20);
            System.out.printf("copy bandwidth: %.0f GB/s (read + write)%n", bandwidth / 1e9);
            Random random = new Random(11);
            for (Shape shape : SHAPES) {
                for (String format : new String[] {"bf16", "int8", "int4"}) {
                    run(backend, shape, format, bandwidth, random);
                }
            }
        }
    }

    private static void run(CudaBackend backend, Shape shape, String format, double bandwidth, Random random) {
        long in = shape.in();
        long out = shape.out();
        long codes = switch (format) {
            case "bf16" -> in * out * 2;
            case "int8" -> in * out;
            default -> in * out / 2;
        };
        long scales = format.equals("int8") ? out * Float.BYTES : format.equals("int4") ? out * (in / GROUP) * 4 : 0;
        long zeros = format.equals("int4") ? out * (in / GROUP) : 0;
        long copyBytes = align(codes) + align(scales) + align(zeros);
        int copies = (int) Math.clamp(POOL_BYTES / copyBytes, 2, LAUNCHES);
        CudaDriver driver = backend.driver();
        long pool = driver.memAlloc(copyBytes * copies);
        try {
            fillRandom(backend, pool, copyBytes * copies, random);
            LinearAt weights = copy -> {
                long base = pool + copy * copyBytes;
                return switch (format) {
                    case "bf16" -> new CudaLinear(base, OptionalLong.empty(), shape.in(), shape.out());
                    case "int8" -> new CudaQuantizedLinear(CudaQuantizedLinear.Format.INT8, base, base + align(codes),
                            0, OptionalLong.empty(), shape.in(), OptionalLong.empty(), shape.in(), shape.out());
                    default -> new CudaQuantizedLinear(CudaQuantizedLinear.Format.INT4, base, base + align(codes),
                            base + align(codes) + align(scales), OptionalLong.empty(), GROUP, OptionalLong.empty(),
                            shape.in(), shape.out());
                };
            };
            long weightBytes = codes + scales + zeros;
            StringBuilder line = new StringBuilder(String.format("%-8s %-5s GEMV", shape.name(), format));
            for (int batch : GEMV_BATCHES) {
                double micros = time(backend, shape, batch, random, copies, (x, y, copy) -> {
                    GemvPrologue input = new GemvPrologue.Copy(x);
                    GemvEpilogue output = new GemvEpilogue.Store(y, false);
                    switch (weights.at(copy)) {
                        case CudaLinear dense -> {
                            if (!Kernels.gemvFits(shape.in(), batch)) {
                                return false;
                            }
                            backend.kernels().gemv(dense, batch, input, output);
                        }
                        case CudaQuantizedLinear quantized -> {
                            if (!QuantGemv.fits(quantized, batch)) {
                                return false;
                            }
                            backend.quantGemv().gemv(quantized, batch, input, output);
                        }
                        default -> throw new IllegalStateException();
                    }
                    return true;
                });
                line.append(Double.isNaN(micros) ? String.format("  b%d    (none)     ", batch)
                        : String.format("  b%d %7.2f us %3.0f%%", batch, micros,
                        100 * weightBytes / (micros * 1e-6) / bandwidth));
            }
            System.out.println(line);
            if (!format.equals("bf16")) {
                StringBuilder gemm = new StringBuilder(String.format("%-8s %-5s dequantize + cuBLASLt", shape.name(),
                        format));
                for (int batch : GEMM_BATCHES) {
                    CudaQuantizedLinear first = (CudaQuantizedLinear) weights.at(0);
                    backend.quantizedProducts().reserve(first);
                    double micros = time(backend, shape, batch, random, copies, (x, y, copy) -> {
                        backend.quantizedProducts().run((CudaQuantizedLinear) weights.at(copy), x, batch, y,
                                DType.BF16);
                        return true;
                    });
                    gemm.append(String.format("  b%d %7.2f us", batch, micros));
                }
                System.out.println(gemm);
            }
        } finally {
            driver.memFree(pool);
        }
    }

    private interface LinearAt {
        Object at(long copy);
    }

    private interface Product {
        /** Enqueues one product with weight copy {@code copy}; false when this path does not take the batch. */
        boolean enqueue(long x, long y, long copy);
    }

    /** Microseconds per product, or NaN when the path does not take the batch. */
    private static double time(CudaBackend backend, Shape shape, int batch, Random random, int copies,
                               Product product) {
        CudaDriver driver = backend.driver();
        long stream = backend.stream();
        Tensor x = backend.allocate(DType.BF16, batch, shape.in());
        backend.write(x, values(batch * shape.in(), random));
        Tensor y = backend.allocate(DType.BF16, batch, shape.out());
        backend.synchronize();
        driver.beginCapture(stream);
        boolean taken = true;
        for (int i = 0; i < LAUNCHES && taken; i++) {
            taken = product.enqueue(CudaTensor.of(x).pointer(), CudaTensor.of(y).pointer(), i % copies);
        }
        long graph = driver.endCapture(stream);
        if (!taken) {
            driver.graphDestroy(graph);
            return Double.NaN;
        }
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

    private static long align(long bytes) {
        return (bytes + 255) / 256 * 256;
    }

    /** Random bf16 values in [-1, 1) (finite whatever the bytes are read as): one block copied over the region. */
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
