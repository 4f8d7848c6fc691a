package ai.jllm.cuda;

import java.util.HashMap;
import java.util.Map;

/**
 * Launchers for quant_gemv.cu and quant_mma.cu: the fused dequantize-GEMV of decode-sized batches (int8 and int4
 * weights, gemv.cu's prologues and epilogues; int4 with groups of a multiple of 128 on tensor cores) and the
 * dequantization of a whole weight into a bf16 matrix for cuBLASLt. Launched through {@link Kernels} (same stream,
 * argument block and dependent launches).
 */
final class QuantGemv {

    /**
     * Shared memory a block may hold its input rows in (quant_gemv.cu: f32, padded batch × in; quant_mma.cu: bf16,
     * rows × in, plus sums): past it the product goes through dequantization and cuBLASLt. One 256-thread block per
     * multiprocessor still keeps enough loads in flight.
     */
    static final int MAX_SHARED_BYTES = 160 << 10;
    private static final int DEQUANTIZE_THREADS = 128;

    private final CudaDriver driver;
    private final Kernels kernels;
    /** [format][batch] functions and names, batches 1, 2, 4, 8. */
    private final long[][] gemv;
    private final String[][] gemvNames;
    private final long int4Mma;
    private final long dequantizeInt8;
    private final long dequantizeInt4;
    /** Resident blocks per multiprocessor, by function and shared memory. */
    private final Map<Long, Map<Integer, Integer>> occupancy = new HashMap<>();

    QuantGemv(CudaDriver driver, KernelModule module, Kernels kernels) {
        this.driver = driver;
        this.kernels = kernels;
        CudaQuantizedLinear.Format[] formats = CudaQuantizedLinear.Format.values();
        this.gemv = new long[formats.length][Kernels.GEMV_MAX_ROWS + 1];
        this.gemvNames = new String[formats.length][Kernels.GEMV_MAX_ROWS + 1];
        for (CudaQuantizedLinear.Format format : formats) {
            for (int batch = 1; batch <= Kernels.GEMV_MAX_ROWS; batch *= 2) {
                String name = "quant_gemv_" + format.kernelName() + "_" + batch;
                long function = module.function(name);
                driver.functionSetAttribute(function, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        MAX_SHARED_BYTES);
                gemv[format.ordinal()][batch] = function;
                gemvNames[format.ordinal()][batch] = name;
            }
        }
        this.int4Mma = module.function("quant_gemv_int4_mma");
        driver.functionSetAttribute(int4Mma, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                MAX_SHARED_BYTES);
        this.dequantizeInt8 = module.function("dequantize_int8");
        this.dequantizeInt4 = module.function("dequantize_int4");
    }

    /** Input columns one 16-byte weight vector covers. */
    private static int columnsPerVector(CudaQuantizedLinear.Format format) {
        return format == CudaQuantizedLinear.Format.INT8 ? 16 : 32;
    }

    /**
     * Whether a product over {@code rows} rows (at most {@link Kernels#GEMV_MAX_ROWS}) runs as a fused
     * dequantize-GEMV: int4 in groups of a multiple of 128 on tensor cores; otherwise int8 inputs a multiple of 16,
     * int4 groups of a power of two times 32 (32, 64: a vector's group is then a shift away); and the inputs within
     * {@link #MAX_SHARED_BYTES}.
     */
    static boolean fits(CudaQuantizedLinear weights, int rows) {
        if (onTensorCores(weights)) {
            return rows >= 1 && rows <= Kernels.GEMV_MAX_ROWS && mmaSharedBytes(weights, rows) <= MAX_SHARED_BYTES;
        }
        int vectorsPerGroup = weights.groupSize() / 32;
        return rows >= 1 && rows <= Kernels.GEMV_MAX_ROWS
                && weights.inFeatures() % columnsPerVector(weights.format()) == 0
                && (weights.format() == CudaQuantizedLinear.Format.INT8 || Integer.bitCount(vectorsPerGroup) == 1)
                && (long) Kernels.gemvBatch(rows) * weights.inFeatures() * Float.BYTES <= MAX_SHARED_BYTES;
    }

    /** Whether the int4 tensor-core kernel (quant_mma.cu) runs the product: int4 in groups of a multiple of 128. */
    private static boolean onTensorCores(CudaQuantizedLinear weights) {
        return weights.format() == CudaQuantizedLinear.Format.INT4 && weights.groupSize() % 128 == 0;
    }

    /** quant_mma.cu's dynamic shared memory: the bf16 inputs (vectors padded to an odd count) and 128-column sums. */
    private static int mmaSharedBytes(CudaQuantizedLinear weights, int rows) {
        int vectors = weights.inFeatures() / 32;
        return rows * (64 * (vectors | 1) + Float.BYTES * (weights.inFeatures() / 128));
    }

    /** y = x W^T (+ b) for a batch that {@link #fits}, input from {@code prologue}, output to {@code epilogue}. */
    void gemv(CudaQuantizedLinear weights, int rows, GemvPrologue prologue, GemvEpilogue epilogue) {
        int in = weights.inFeatures();
        int n = weights.outFeatures();
        int threads = Kernels.GEMV_THREADS;
        int pairs = (n + 1) / 2;
        String name;
        long function;
        int shared;
        int split;
        int blocks;
        if (onTensorCores(weights)) {
            // 8 pairs per team of warps; a lane streams one vector of each of its pair's rows per quad of vectors (128
            // columns), so a warp covers 32 vectors of a row per quad, as gemv.cu's warps do per step.
            name = "quant_gemv_int4_mma";
            function = int4Mma;
            shared = mmaSharedBytes(weights, rows);
            int resident = Math.max(1, occupancy(function, shared)) * kernels.multiprocessors();
            split = split(Math.ceilDiv(pairs, 8), in / 4, resident);
            blocks = Math.min(Math.ceilDiv(pairs, 8 * (threads / 32 / split)), resident);
        } else {
            int batch = Kernels.gemvBatch(rows);
            name = gemvNames[weights.format().ordinal()][batch];
            function = gemv[weights.format().ordinal()][batch];
            shared = batch * in * Float.BYTES;
            int resident = Math.max(1, occupancy(function, shared)) * kernels.multiprocessors();
            split = split(pairs, in / columnsPerVector(weights.format()), resident);
            blocks = Math.min(Math.ceilDiv(pairs, threads / 32 / split), resident);
        }
        KernelArgs args = kernels.args().start();
        args.pointer(weights.weight()).pointer(weights.scales()).pointer(weights.zeros())
                .pointer(weights.inputOrder().orElse(0)).i32(groupShift(weights)).pointer(weights.bias().orElse(0));
        args.pointer(Kernels.inputOf(prologue)).i32(in).i32(n).i32(rows).i32(prologue.code());
        Kernels.gemvTailArguments(args, prologue, epilogue, split);
        kernels.launch(name, function, blocks, 1, 1, threads, shared);
    }

    /** log2 of the 16-byte vectors per group (int4), 0 for int8. */
    private static int groupShift(CudaQuantizedLinear weights) {
        return weights.format() == CudaQuantizedLinear.Format.INT4
                ? Integer.numberOfTrailingZeros(weights.groupSize() / 32) : 0;
    }

    /** The weight as a bf16 matrix in input order (one block per row at a time).  out: [out, in] bf16 */
    void dequantize(CudaQuantizedLinear weights, long out) {
        int blocks = Math.min(weights.outFeatures(), 8 * kernels.multiprocessors());
        KernelArgs args = kernels.args().start();
        switch (weights.format()) {
            case INT8 -> {
                args.pointer(weights.weight()).pointer(weights.scales()).i32(weights.inFeatures())
                        .i32(weights.outFeatures()).pointer(out);
                kernels.launch("dequantize_int8", dequantizeInt8, blocks, 1, 1, DEQUANTIZE_THREADS, 0);
            }
            case INT4 -> {
                args.pointer(weights.weight()).pointer(weights.scales()).pointer(weights.zeros())
                        .pointer(weights.inputOrder().orElse(0)).i32(weights.groupSize()).i32(weights.inFeatures())
                        .i32(weights.outFeatures()).pointer(out);
                kernels.launch("dequantize_int4", dequantizeInt4, blocks, 1, 1, DEQUANTIZE_THREADS, 0);
            }
        }
    }

    /**
     * Warps per unit of work (an output pair; 8 pairs for quant_mma.cu), gemv.cu's rule over the 16-byte weight
     * vectors a warp streams per row of a unit: the fewest that give every multiprocessor a block, then more while a
     * lane would otherwise need a second round of loads and the grid still fits in one wave.
     */
    private int split(int pairs, int vectors, int resident) {
        int warps = Kernels.GEMV_THREADS / 32;
        int split = 1;
        while (split < warps && blocks(pairs, split) < kernels.multiprocessors()) {
            split *= 2;
        }
        while (split < warps && vectors > 32 * split * Kernels.GEMV_UNROLL && blocks(pairs, 2 * split) <= resident) {
            split *= 2;
        }
        return split;
    }

    private static int blocks(int pairs, int split) {
        int teams = Kernels.GEMV_THREADS / 32 / split;
        return (pairs + teams - 1) / teams;
    }

    private int occupancy(long function, int shared) {
        Map<Integer, Integer> byShared = occupancy.computeIfAbsent(function, key -> new HashMap<>());
        return byShared.computeIfAbsent(shared,
                key -> driver.maxActiveBlocksPerMultiprocessor(function, Kernels.GEMV_THREADS, shared));
    }
}
