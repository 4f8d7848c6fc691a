package ai.jllm.cuda;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;

/**
 * Typed launchers for fp8.cu's kernels, enqueued on the backend's stream and launched as {@link Kernels} launches
 * them (programmatic dependents on sm_90).
 */
final class Fp8Kernels {

    private static final int QUANTIZE_THREADS = 256;
    private static final int SCALE_THREADS = 256;
    /** E4M3 codes per 16-byte weight load of gemv_fp8. */
    private static final int CODES_PER_LOAD = 16;

    private final CudaDriver driver;
    private final long stream;
    private final KernelArgs args;
    private final long quantizeRows;
    private final long scaleRows;
    private final long[] gemv = new long[Kernels.GEMV_MAX_ROWS + 1];
    private final String[] gemvNames = new String[Kernels.GEMV_MAX_ROWS + 1];
    private final int multiprocessors;
    private final Map<Integer, Integer> gemvOccupancy = new HashMap<>();
    private final DependentLaunch dependentLaunch;
    private final boolean dependentLaunches;

    Fp8Kernels(CudaDriver driver, KernelModule module, CudaDevice device, boolean dependentLaunches, long stream,
               Arena arena) {
        this.driver = driver;
        this.stream = stream;
        this.multiprocessors = device.multiprocessors();
        this.args = new KernelArgs(arena);
        this.quantizeRows = module.function("fp8_quantize_rows");
        this.scaleRows = module.function("fp8_scale_rows");
        for (int batch = 1; batch <= Kernels.GEMV_MAX_ROWS; batch *= 2) {
            gemvNames[batch] = "gemv_fp8_" + batch;
            long function = module.function(gemvNames[batch]);
            driver.functionSetAttribute(function, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    Kernels.GEMV_MAX_SHARED_BYTES);
            gemv[batch] = function;
        }
        this.dependentLaunch = new DependentLaunch(arena);
        this.dependentLaunches = dependentLaunches;
    }

    /** Whether gemv_fp8 takes this product: decode-sized, as {@link Kernels#gemvFits}, and whole 16-code loads. */
    static boolean gemvFits(int in, int rows) {
        return Kernels.gemvFits(in, rows) && in % CODES_PER_LOAD == 0;
    }

    /** x: [rows, width] bf16 → codes: [rows, width] E4M3, scales: [rows] f32 (amax / 448) */
    void quantizeRows(long x, int width, long codes, long scales, int rows) {
        args.start().pointer(x).i32(width).pointer(codes).pointer(scales);
        launch("fp8_quantize_rows", quantizeRows, rows, 1, QUANTIZE_THREADS, 0);
    }

    /**
     * y = y * rowScales[r] * channelScales[c] (+ bias[c]) in place.
     * y: [rows, n] bf16 (n a multiple of 8), bias: [n] bf16 or 0
     */
    void scaleRows(long y, int rows, int n, long rowScales, long channelScales, long bias) {
        args.start().pointer(y).i32(n).pointer(rowScales).pointer(channelScales).pointer(bias);
        launch("fp8_scale_rows", scaleRows, (n / 8 + SCALE_THREADS - 1) / SCALE_THREADS, rows, SCALE_THREADS, 0);
    }

    /** y = prologue(x) (W * scales)^T (+ b) for a decode-sized batch, with {@code epilogue}: see gemv.cu, fp8.cu. */
    void gemv(CudaFp8Linear weights, int rows, GemvPrologue prologue, GemvEpilogue epilogue) {
        int in = weights.inFeatures();
        int n = weights.outFeatures();
        int batch = Kernels.gemvBatch(rows);
        int pairs = (n + 1) / 2;
        int shared = batch * in * Short.BYTES;
        int split = split(pairs, in, batch, shared);
        int groups = Kernels.GEMV_THREADS / 32 / split;
        int resident = occupancy(batch, shared);
        int blocks = Math.min((pairs + groups - 1) / groups, Math.max(1, resident) * multiprocessors);
        args.start().pointer(weights.weight()).pointer(weights.scales()).pointer(weights.bias().orElse(0));
        args.pointer(Kernels.inputOf(prologue)).i32(in).i32(n).i32(rows).i32(prologue.code());
        Kernels.gemvTailArguments(args, prologue, epilogue, split);
        launch(gemvNames[batch], gemv[batch], blocks, 1, Kernels.GEMV_THREADS, shared);
    }

    /**
     * Warps per output pair, by the bf16 GEMV's rule ({@code Kernels.gemvSplit}) with a lane's loads counted in
     * 16-code units: enough blocks for every multiprocessor, then more warps while a lane would need a second round
     * of loads and the grid still fits in one wave.
     */
    private int split(int pairs, int in, int batch, int shared) {
        int warps = Kernels.GEMV_THREADS / 32;
        int resident = Math.max(1, occupancy(batch, shared)) * multiprocessors;
        int split = 1;
        while (split < warps && blocks(pairs, split) < multiprocessors) {
            split *= 2;
        }
        while (split < warps && in / CODES_PER_LOAD > 32 * split * Kernels.GEMV_UNROLL
                && blocks(pairs, 2 * split) <= resident) {
            split *= 2;
        }
        return split;
    }

    private static int blocks(int pairs, int split) {
        int groups = Kernels.GEMV_THREADS / 32 / split;
        return (pairs + groups - 1) / groups;
    }

    private int occupancy(int batch, int shared) {
        return gemvOccupancy.computeIfAbsent(batch << 26 | shared >> 4,
                key -> driver.maxActiveBlocksPerMultiprocessor(gemv[batch], Kernels.GEMV_THREADS, shared));
    }

    private void launch(String name, long function, int gridX, int gridY, int threads, int sharedBytes) {
        if (gridX == 0 || gridY == 0) {
            return;
        }
        if (dependentLaunches) {
            driver.launch(name, function, dependentLaunch.configure(gridX, gridY, 1, threads, sharedBytes, stream),
                    args.parameters());
        } else {
            driver.launch(name, function, gridX, gridY, 1, threads, 1, 1, sharedBytes, stream, args.parameters());
        }
    }
}
