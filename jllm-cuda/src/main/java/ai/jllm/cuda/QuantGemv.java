package ai.jllm.cuda;

import java.util.HashMap;
import java.util.Map;

/**
 * Launchers for quant_gemv.cu: the fused dequantize-GEMV of decode-sized batches (int8 and int4 weights, gemv.cu's
 * prologues and epilogues) and the dequantization of a whole weight into a bf16 matrix for cuBLASLt. Launched through
 * {@link Kernels} (same stream, argument block and dependent launches).
 */
final class QuantGemv {

    /**
     * Shared memory a block may hold its input rows in (f32, padded batch × in): past it the product goes through
     * dequantization and cuBLASLt. One 256-thread block per multiprocessor still keeps enough loads in flight.
     */
    static final int MAX_SHARED_BYTES = 160 << 10;
    private static final int DEQUANTIZE_THREADS = 256;

    private final CudaDriver driver;
    private final Kernels kernels;
    /** [format][batch] functions and names, batches 1, 2, 4, 8. */
    private final long[][] gemv;
    private final String[][] gemvNames;
    private final long dequantizeInt8;
    private final long dequantizeInt4;
    private final Map<Long, Integer> occupancy = new HashMap<>();

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
        this.dequantizeInt8 = module.function("dequantize_int8");
        this.dequantizeInt4 = module.function("dequantize_int4");
    }

    /** Input columns one 16-byte weight vector covers. */
    private static int columnsPerVector(CudaQuantizedLinear.Format format) {
        return format == CudaQuantizedLinear.Format.INT8 ? 16 : 32;
    }

    /**
     * Whether a product over {@code rows} rows runs as a fused dequantize-GEMV: int8 inputs a multiple of 16, int4
     * groups of a power of two times 32 (32, 64, 128, ...: a vector's group is then a shift away), and the padded
     * rows' f32 inputs within {@link #MAX_SHARED_BYTES}.
     */
    static boolean fits(CudaQuantizedLinear weights, int rows) {
        int vectorsPerGroup = weights.groupSize() / 32;
        return rows >= 1 && rows <= Kernels.GEMV_MAX_ROWS
                && weights.inFeatures() % columnsPerVector(weights.format()) == 0
                && (weights.format() == CudaQuantizedLinear.Format.INT8 || Integer.bitCount(vectorsPerGroup) == 1)
                && (long) Kernels.gemvBatch(rows) * weights.inFeatures() * Float.BYTES <= MAX_SHARED_BYTES;
    }

    /** y = x W^T (+ b) for a batch that {@link #fits}, input from {@code prologue}, output to {@code epilogue}. */
    void gemv(CudaQuantizedLinear weights, int rows, GemvPrologue prologue, GemvEpilogue epilogue) {
        int batch = Kernels.gemvBatch(rows);
        int in = weights.inFeatures();
        int n = weights.outFeatures();
        int threads = Kernels.GEMV_THREADS;
        int shared = batch * in * Float.BYTES;
        int pairs = (n + 1) / 2;
        int format = weights.format().ordinal();
        int resident = Math.max(1, occupancy(format, batch, shared)) * kernels.multiprocessors();
        int split = split(pairs, in / columnsPerVector(weights.format()), resident);
        int teams = threads / 32 / split;
        int blocks = Math.min((pairs + teams - 1) / teams, resident);
        KernelArgs args = kernels.args().start();
        args.pointer(weights.weight()).pointer(weights.scales()).pointer(weights.zeros())
                .pointer(weights.inputOrder().orElse(0)).i32(groupShift(weights)).pointer(weights.bias().orElse(0));
        switch (prologue) {
            case GemvPrologue.Copy copy -> args.pointer(copy.x()).i32(in).i32(n).i32(rows).i32(prologue.code())
                    .pointer(0).f32(0).pointer(0);
            case GemvPrologue.Norm norm -> args.pointer(norm.source()).i32(in).i32(n).i32(rows).i32(prologue.code())
                    .pointer(norm.weight()).f32(norm.eps()).pointer(norm.normed());
        }
        args.i32(epilogue.code());
        switch (epilogue) {
            case GemvEpilogue.Store store -> args.pointer(store.out()).pointer(0);
            case GemvEpilogue.AddResidual add -> args.pointer(add.delta()).pointer(add.residual());
            case GemvEpilogue.SiluMul silu -> args.pointer(silu.gateUp()).pointer(silu.activated());
            case GemvEpilogue.Rope rope -> args.pointer(rope.qkv()).pointer(0);
        }
        args.i32(split);
        if (epilogue instanceof GemvEpilogue.Rope rope) {
            args.pointer(rope.table()).pointer(rope.positions()).pointer(rope.slots()).pointer(rope.keyCache())
                    .pointer(rope.valueCache()).i32(rope.shape().headDim()).i32(rope.shape().numHeads())
                    .i32(rope.shape().numKvHeads());
        } else {
            args.pointer(0).pointer(0).pointer(0).pointer(0).pointer(0).i32(0).i32(0).i32(0);
        }
        kernels.launch(gemvNames[format][batch], gemv[format][batch], blocks, 1, 1, threads, shared);
    }

    /** log2 of the 16-byte vectors per group (int4), 0 for int8. */
    private static int groupShift(CudaQuantizedLinear weights) {
        return weights.format() == CudaQuantizedLinear.Format.INT4
                ? Integer.numberOfTrailingZeros(weights.groupSize() / 32) : 0;
    }

    /** The weight as a bf16 matrix in input order.  out: [out, in] bf16 */
    void dequantize(CudaQuantizedLinear weights, long out) {
        long work = switch (weights.format()) {
            case INT8 -> (long) weights.outFeatures() * weights.inFeatures();
            case INT4 -> (long) weights.outFeatures() * weights.inFeatures() / 2;
        };
        int blocks = (int) Math.min((work + DEQUANTIZE_THREADS - 1) / DEQUANTIZE_THREADS,
                8L * kernels.multiprocessors());
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
     * Warps per output pair, gemv.cu's rule over 16-byte weight vectors: the fewest that give every multiprocessor a
     * block, then more while a lane would otherwise need a second round of loads and the grid still fits in one wave.
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

    private int occupancy(int format, int batch, int shared) {
        return occupancy.computeIfAbsent((long) format << 40 | (long) batch << 32 | shared,
                key -> driver.maxActiveBlocksPerMultiprocessor(gemv[format][batch], Kernels.GEMV_THREADS, shared));
    }
}
