package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import ai.jllm.config.KvCacheDtype;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Typed launchers for the kernels of src/main/cuda, one method per kernel, all enqueued on one stream. Arguments are
 * device pointers and sizes; shapes follow the kernels' comments. Launch geometry is chosen here, next to the
 * arguments, so each kernel's contract with its grid is visible in one place. On sm_90 every kernel launches as a
 * programmatic dependent of the one before ({@link DependentLaunch}): it may start, and fetch its weights, while that
 * one finishes.
 */
final class Kernels {

    static final int ATTENTION_THREADS = 128;
    /** The largest query-head group (numHeads / numKvHeads) grouped_attention takes: a warp per query head. */
    static final int GROUPED_ATTENTION_MAX_GROUP = 8;
    /** Rows a decode GEMV takes; its kernels come for batches of 1, 2, 4 and 8 rows (padded up to the next). */
    static final int GEMV_MAX_ROWS = 8;
    static final int GEMV_THREADS = 256;
    /** 16-byte weight loads a lane keeps in flight per output row (GEMV_UNROLL in gemv.cu). */
    static final int GEMV_UNROLL = 4;
    /**
     * Shared memory a GEMV block may hold its input rows in (bf16, padded batch × in): beyond it cuBLASLt runs the
     * product, since fewer blocks per multiprocessor would stream the weights too slowly.
     */
    static final int GEMV_MAX_SHARED_BYTES = 96 << 10;
    static final int SAMPLE_PREPARE_THREADS = 256;
    static final int SAMPLE_THREADS = 1024;
    /** sample_finish's radix histograms: 8 copies of 256 buckets, an int count and a double mass each. */
    static final int SAMPLE_SHARED_BYTES = 8 * 256 * (4 + 8);
    static final int ATTENTION_MAX_HEAD_DIM = 256;
    /** prefill_attention's blocks: warps of 16 query rows each, key tiles of 64 (see prefill_attention.cu). */
    static final int PREFILL_WARPS = 8;
    /** Its block size for head size 128 where 8 warps' tiles exceed the GPU's shared memory per block. */
    static final int PREFILL_SMALL_WARPS = 4;
    /** The kernels' (head size, warps) variants, each built for every KV-cache dtype: 64x8, 128x8, 128x4. */
    private static final int[] PREFILL_HEAD_DIMS = {64, 128, 128};
    private static final int[] PREFILL_VARIANT_WARPS = {PREFILL_WARPS, PREFILL_WARPS, PREFILL_SMALL_WARPS};
    static final int PREFILL_KEYS = 64;
    private static final int PREFILL_PAD = 8;
    private static final int MAX_GRID_STRIDE_BLOCKS = 4096;

    private final CudaDriver driver;
    private final long stream;
    private final KernelArgs args;
    private final long embeddingGather;
    private final long rmsNorm;
    private final long addRmsNorm;
    private final long qkNorm;
    private final long ropeWriteKv;
    private final long ropeWriteKvFp8;
    private final long ropeWriteKvInt8;
    private final long pagedAttention;
    private final long pagedAttentionFp8;
    private final long pagedAttentionInt8;
    private final long groupedAttention;
    private final long groupedAttentionFp8;
    private final long groupedAttentionInt8;
    /**
     * prefill_attention[_fp8|_int8]_{64x8,128x8,128x4} and their names, by KV-cache dtype (ordinal) and variant
     * (index into {@link #PREFILL_HEAD_DIMS} and {@link #PREFILL_VARIANT_WARPS}); 128x4 is for GPUs with less shared
     * memory per block.
     */
    private final long[][] prefillAttention = new long[KvCacheDtype.values().length][PREFILL_HEAD_DIMS.length];
    private final String[][] prefillAttentionNames =
            new String[KvCacheDtype.values().length][PREFILL_HEAD_DIMS.length];
    /** The most dynamic shared memory a block may opt in to on this GPU (99 KB on sm_86/89, more on sm_80/90). */
    private final int maxSharedBytes;
    private final long siluMul;
    private final long gatherRows;
    private final long[] gemv;
    private final String[] gemvNames;
    private final long samplePrepare;
    private final long sampleFinish;
    private final int multiprocessors;
    /** Resident blocks per multiprocessor of each GEMV kernel, by batch and shared memory (see {@link #gemv}). */
    private final Map<Integer, Integer> gemvOccupancy = new HashMap<>();
    private final DependentLaunch dependentLaunch;
    /** Whether kernels launch as programmatic dependents (sm_90 code, see {@link #compiledArchitecture}). */
    private final boolean dependentLaunches;

    Kernels(CudaDriver driver, KernelModule module, CudaDevice device, long stream, Arena arena) {
        this.driver = driver;
        this.stream = stream;
        this.multiprocessors = device.multiprocessors();
        this.args = new KernelArgs(arena);
        this.embeddingGather = module.function("embedding_gather");
        this.rmsNorm = module.function("rms_norm");
        this.addRmsNorm = module.function("add_rms_norm");
        this.qkNorm = module.function("qk_norm");
        this.ropeWriteKv = module.function("rope_write_kv");
        this.ropeWriteKvFp8 = module.function("rope_write_kv_fp8");
        this.ropeWriteKvInt8 = module.function("rope_write_kv_int8");
        this.pagedAttention = module.function("paged_attention");
        this.pagedAttentionFp8 = module.function("paged_attention_fp8");
        this.pagedAttentionInt8 = module.function("paged_attention_int8");
        this.groupedAttention = module.function("grouped_attention");
        this.groupedAttentionFp8 = module.function("grouped_attention_fp8");
        this.groupedAttentionInt8 = module.function("grouped_attention_int8");
        this.maxSharedBytes = driver.deviceAttribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                device.handle());
        for (KvCacheDtype dtype : KvCacheDtype.values()) {
            for (int variant = 0; variant < PREFILL_HEAD_DIMS.length; variant++) {
                int headDim = PREFILL_HEAD_DIMS[variant];
                int warps = PREFILL_VARIANT_WARPS[variant];
                String name = prefillName(dtype, headDim, warps);
                long function = module.function(name);
                // Raised where the GPU allows it; a variant that does not fit is never launched (prefillAttention).
                if (prefillSharedBytes(headDim, warps) <= maxSharedBytes) {
                    driver.functionSetAttribute(function, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                            prefillSharedBytes(headDim, warps));
                }
                prefillAttention[dtype.ordinal()][variant] = function;
                prefillAttentionNames[dtype.ordinal()][variant] = name;
            }
        }
        this.siluMul = module.function("silu_mul");
        this.gatherRows = module.function("gather_rows");
        this.gemv = new long[GEMV_MAX_ROWS + 1];
        this.gemvNames = new String[GEMV_MAX_ROWS + 1];
        for (int batch = 1; batch <= GEMV_MAX_ROWS; batch *= 2) {
            gemvNames[batch] = "gemv_" + batch;
            long function = module.function(gemvNames[batch]);
            driver.functionSetAttribute(function, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    GEMV_MAX_SHARED_BYTES);
            gemv[batch] = function;
        }
        this.samplePrepare = module.function("sample_prepare");
        this.sampleFinish = module.function("sample_finish");
        this.dependentLaunch = new DependentLaunch(arena);
        this.dependentLaunches = device.computeCapability() >= 90
                && compiledArchitecture(module.function("compiled_arch")) >= 900;
    }

    /** __CUDA_ARCH__ of the loaded kernels: sm_90 code for a fatbin's sm_90 part, less for PTX JIT-compiled. */
    private int compiledArchitecture(long function) {
        long answer = driver.memAlloc(Integer.BYTES);
        try (Arena host = Arena.ofConfined()) {
            driver.memsetBytes(answer, (byte) 0, Integer.BYTES, stream);
            args.start().pointer(answer);
            driver.launch("compiled_arch", function, 1, 1, 1, 1, 1, 1, 0, stream, args.parameters());
            MemorySegment value = host.allocate(JAVA_INT);
            driver.copyDeviceToHost(value, answer, Integer.BYTES, stream);
            driver.streamSynchronize(stream);
            return value.get(JAVA_INT, 0);
        } finally {
            driver.memFree(answer);
        }
    }

    /** Whether kernels launch as programmatic dependents of the kernel before them (for logs and tests). */
    boolean dependentLaunches() {
        return dependentLaunches;
    }

    /** table: [V, hidden] bf16, tokenIds: [tokens] int, out: [tokens, hidden] bf16 */
    void embeddingGather(long table, long tokenIds, int hidden, long out, int tokens) {
        args.start().pointer(table).pointer(tokenIds).i32(hidden).pointer(out);
        launch("embedding_gather", embeddingGather, tokens, 1, rowThreads(hidden / 8));
    }

    /** x, out: [rows, width] bf16, weight: [width] f32 */
    void rmsNorm(long x, long weight, float eps, int width, long out, int rows) {
        args.start().pointer(x).pointer(weight).f32(eps).i32(width).pointer(out);
        launch("rms_norm", rmsNorm, rows, 1, rowThreads(width / 4));
    }

    /** residual (updated in place), delta, out: [rows, width] bf16, weight: [width] f32 */
    void addRmsNorm(long residual, long delta, long weight, float eps, int width, long out, int rows) {
        args.start().pointer(residual).pointer(delta).pointer(weight).f32(eps).i32(width).pointer(out);
        launch("add_rms_norm", addRmsNorm, rows, 1, rowThreads(width / 4));
    }

    /** qkv: [rows, rowWidth] bf16 in place, weights: [headDim] f32 */
    void qkNorm(long qkv, long qWeight, long kWeight, float eps, int rowWidth, int numHeads, int numKvHeads,
                int headDim, int rows) {
        args.start().pointer(qkv).pointer(qWeight).pointer(kWeight).f32(eps).i32(rowWidth).i32(numHeads).i32(headDim);
        launch("qk_norm", qkNorm, rows, numHeads + numKvHeads, 32);
    }

    /** qkv: [tokens, rowWidth] bf16 in place, table: [maxPositions, headDim] f32, caches: [slots, kvSize] bf16 */
    void ropeWriteKv(long qkv, long table, long positions, long slots, long keyCache, long valueCache, int rowWidth,
                     int numHeads, int numKvHeads, int headDim, int tokens) {
        args.start().pointer(qkv).pointer(table).pointer(positions).pointer(slots).pointer(keyCache)
                .pointer(valueCache).i32(rowWidth).i32(numHeads).i32(numKvHeads).i32(headDim);
        launch("rope_write_kv", ropeWriteKv, tokens, 1, rowThreads((numHeads + numKvHeads) * headDim / 2));
    }

    /**
     * rope_write_kv into an 8-bit cache (rope.cu): quantizes each (token, kv head) row of keys and values.
     * qkv: [tokens, rowWidth] bf16 in place, caches: [slots, kvSize] codes, scales: [slots, numKvHeads] f32
     */
    void ropeWriteKvQuantized(KvCacheDtype dtype, long qkv, long table, long positions, long slots, long keyCache,
                              long valueCache, long keyScales, long valueScales, int rowWidth, int numHeads,
                              int numKvHeads, int headDim, int tokens) {
        args.start().pointer(qkv).pointer(table).pointer(positions).pointer(slots).pointer(keyCache)
                .pointer(valueCache).pointer(keyScales).pointer(valueScales).i32(rowWidth).i32(numHeads)
                .i32(numKvHeads).i32(headDim);
        int threads = rowThreads((numHeads + numKvHeads) * headDim / 2);
        switch (dtype) {
            case FP8 -> launch("rope_write_kv_fp8", ropeWriteKvFp8, tokens, 1, threads);
            case INT8 -> launch("rope_write_kv_int8", ropeWriteKvInt8, tokens, 1, threads);
            case AUTO -> throw new IllegalArgumentException("a bf16 cache is written by ropeWriteKv");
        }
    }

    /**
     * See attention.cu: one block per (token, query head, split of the keys); with more than one split the blocks
     * write {@code partial} [tokens, heads, splits, headDim + 2] f32 and the last of each (token, head) merges them,
     * counting on {@code counters} [tokens, heads] int (zero before and after).  out: [tokens, outWidth] bf16.
     * The kernel is the one for the cache's element type; scales: [slots, numKvHeads] f32 for an 8-bit cache, else 0.
     */
    void pagedAttention(KvCacheDtype dtype, long qkv, long keyCache, long valueCache, long keyScales,
                        long valueScales, long positions, long tokenSequence, long blockTables, int maxBlocks,
                        int blockSize, int rowWidth, int numHeads, int numKvHeads, int headDim, float scale,
                        int window, int splits, long partial, long counters, long out, int outWidth, int tokens) {
        args.start().pointer(qkv).pointer(keyCache).pointer(valueCache).pointer(keyScales).pointer(valueScales)
                .pointer(positions).pointer(tokenSequence).pointer(blockTables).i32(maxBlocks).i32(blockSize)
                .i32(rowWidth).i32(numHeads).i32(numKvHeads).i32(headDim).f32(scale).i32(window).pointer(partial)
                .pointer(counters).pointer(out).i32(outWidth);
        switch (dtype) {
            case AUTO -> launch("paged_attention", pagedAttention, tokens, numHeads, splits, ATTENTION_THREADS, 0);
            case FP8 -> launch("paged_attention_fp8", pagedAttentionFp8, tokens, numHeads, splits,
                    ATTENTION_THREADS, 0);
            case INT8 -> launch("paged_attention_int8", pagedAttentionInt8, tokens, numHeads, splits,
                    ATTENTION_THREADS, 0);
        }
    }

    /**
     * See attention.cu: as {@link #pagedAttention} with the same arguments and buffers, but one block per (token, KV
     * head, split) whose warp w is query head w of the KV head's group, so each key and value row is read once for the
     * whole group.  Needs numHeads / numKvHeads &lt;= {@link #GROUPED_ATTENTION_MAX_GROUP}.
     */
    void groupedAttention(KvCacheDtype dtype, long qkv, long keyCache, long valueCache, long keyScales,
                          long valueScales, long positions, long tokenSequence, long blockTables, int maxBlocks,
                          int blockSize, int rowWidth, int numHeads, int numKvHeads, int headDim, float scale,
                          int window, int splits, long partial, long counters, long out, int outWidth, int tokens) {
        int group = numHeads / numKvHeads;
        if (group > GROUPED_ATTENTION_MAX_GROUP || group * numKvHeads != numHeads) {
            throw new IllegalArgumentException("grouped_attention takes groups of at most "
                    + GROUPED_ATTENTION_MAX_GROUP + " query heads, not " + numHeads + "/" + numKvHeads);
        }
        args.start().pointer(qkv).pointer(keyCache).pointer(valueCache).pointer(keyScales).pointer(valueScales)
                .pointer(positions).pointer(tokenSequence).pointer(blockTables).i32(maxBlocks).i32(blockSize)
                .i32(rowWidth).i32(numHeads).i32(numKvHeads).i32(headDim).f32(scale).i32(window).pointer(partial)
                .pointer(counters).pointer(out).i32(outWidth);
        int threads = 32 * group;
        switch (dtype) {
            case AUTO -> launch("grouped_attention", groupedAttention, tokens, numKvHeads, splits, threads, 0);
            case FP8 -> launch("grouped_attention_fp8", groupedAttentionFp8, tokens, numKvHeads, splits, threads, 0);
            case INT8 -> launch("grouped_attention_int8", groupedAttentionInt8, tokens, numKvHeads, splits,
                    threads, 0);
        }
    }

    /** Whether prefill_attention (tensor cores, sm_80 and newer) has a kernel for heads of {@code headDim}. */
    static boolean prefillAttentionFits(int computeCapability, int headDim) {
        return computeCapability >= 80 && (headDim == 64 || headDim == 128);
    }

    /** prefill_attention's shared memory: the query tile and two stages of key and value tiles, each row padded. */
    static int prefillSharedBytes(int headDim, int warps) {
        return (16 * warps + 4 * PREFILL_KEYS) * (headDim + PREFILL_PAD) * Short.BYTES;
    }

    /** The kernel prefill_attention[_fp8|_int8]_{headDim}x{warps} for caches of {@code dtype}. */
    private static String prefillName(KvCacheDtype dtype, int headDim, int warps) {
        return "prefill_attention" + (dtype.quantized() ? "_" + dtype.optionName() : "") + "_" + headDim + "x" + warps;
    }

    /**
     * See prefill_attention.cu: one block per 16 × {@link #PREFILL_WARPS} (token, query head) rows of one KV head's
     * group of one sequence ({@link #PREFILL_SMALL_WARPS} for head size 128 where the GPU's shared memory per block
     * is too small for that); {@code longestQuery} is the most query tokens of any sequence of the step. queryStart:
     * [sequences + 1] int, positions: [tokens] int, blockTables: [sequences, maxBlocks] int, out: [tokens, outWidth]
     * bf16. {@code scale} is the softmax scale (the kernel works in base 2). The kernel is the one for the cache's
     * element type; scales: [slots, numKvHeads] f32 for an 8-bit cache, else 0.
     */
    void prefillAttention(KvCacheDtype dtype, long qkv, long keyCache, long valueCache, long keyScales,
                          long valueScales, long positions, long queryStart, long blockTables, int maxBlocks,
                          int blockSize, int rowWidth, int numHeads, int numKvHeads, int headDim, float scale,
                          int window, long out, int outWidth, int sequences, int longestQuery) {
        int warps = prefillSharedBytes(headDim, PREFILL_WARPS) <= maxSharedBytes ? PREFILL_WARPS
                : PREFILL_SMALL_WARPS;
        prefillAttention(dtype, qkv, keyCache, valueCache, keyScales, valueScales, positions, queryStart, blockTables,
                maxBlocks, blockSize, rowWidth, numHeads, numKvHeads, headDim, scale, window, out, outWidth, sequences,
                longestQuery, warps);
    }

    /** {@link #prefillAttention} with the block size given: 8 warps, or 4 for head size 128 (tests, benchmarks). */
    void prefillAttention(KvCacheDtype dtype, long qkv, long keyCache, long valueCache, long keyScales,
                          long valueScales, long positions, long queryStart, long blockTables, int maxBlocks,
                          int blockSize, int rowWidth, int numHeads, int numKvHeads, int headDim, float scale,
                          int window, long out, int outWidth, int sequences, int longestQuery, int warps) {
        int variant = -1;
        for (int v = 0; v < PREFILL_HEAD_DIMS.length; v++) {
            if (PREFILL_HEAD_DIMS[v] == headDim && PREFILL_VARIANT_WARPS[v] == warps) {
                variant = v;
            }
        }
        if (variant < 0) {
            throw new IllegalArgumentException("no prefill_attention kernel for head size " + headDim + " and "
                    + warps + " warps");
        }
        if (prefillSharedBytes(headDim, warps) > maxSharedBytes) {
            throw new IllegalArgumentException("prefill_attention with " + warps + " warps needs "
                    + prefillSharedBytes(headDim, warps) + " bytes of shared memory; this GPU gives " + maxSharedBytes);
        }
        int tiles = Math.ceilDiv(longestQuery * (numHeads / numKvHeads), 16 * warps);
        args.start().pointer(qkv).pointer(keyCache).pointer(valueCache).pointer(keyScales).pointer(valueScales)
                .pointer(positions).pointer(queryStart).pointer(blockTables).i32(maxBlocks).i32(blockSize)
                .i32(rowWidth).i32(numHeads).i32(numKvHeads).f32((float) (scale / Math.log(2))).i32(window)
                .pointer(out).i32(outWidth);
        launch(prefillAttentionNames[dtype.ordinal()][variant], prefillAttention[dtype.ordinal()][variant], tiles,
                sequences, numKvHeads, 32 * warps, prefillSharedBytes(headDim, warps));
    }

    /** Whether a product with {@code in} inputs over {@code rows} rows runs as a decode GEMV. */
    static boolean gemvFits(int in, int rows) {
        return rows >= 1 && rows <= GEMV_MAX_ROWS && in % 8 == 0
                && (long) gemvBatch(rows) * in * Short.BYTES <= GEMV_MAX_SHARED_BYTES;
    }

    /** The kernel batch a step of {@code rows} rows runs as: the next power of two. */
    static int gemvBatch(int rows) {
        return rows <= 1 ? 1 : Integer.highestOneBit(rows - 1) << 1;
    }

    /**
     * y = x W^T (+ b) for a decode-sized batch (see gemv.cu and {@link #gemvFits}), the input built by
     * {@code prologue} and the output handled by {@code epilogue}.
     */
    void gemv(CudaLinear weights, int rows, GemvPrologue prologue, GemvEpilogue epilogue) {
        int batch = gemvBatch(rows);
        int shared = batch * weights.inFeatures() * Short.BYTES;
        gemv(weights, rows, prologue, epilogue, GEMV_THREADS,
                gemvSplit((weights.outFeatures() + 1) / 2, weights.inFeatures(), batch, shared));
    }

    /** {@link #gemv} with the block size and the warps per output pair given (for tuning). */
    void gemv(CudaLinear weights, int rows, GemvPrologue prologue, GemvEpilogue epilogue, int threads, int split) {
        int in = weights.inFeatures();
        int n = weights.outFeatures();
        int batch = gemvBatch(rows);
        int pairs = (n + 1) / 2;
        int groups = threads / 32 / split;
        int shared = batch * in * Short.BYTES;
        int resident = occupancy(batch, threads, shared);
        int blocks = Math.min((pairs + groups - 1) / groups, Math.max(1, resident) * multiprocessors);
        args.start().pointer(weights.weight()).pointer(weights.bias().orElse(0)).pointer(inputOf(prologue)).i32(in)
                .i32(n).i32(rows).i32(prologue.code());
        gemvTailArguments(args, prologue, epilogue, split);
        launch(gemvNames[batch], gemv[batch], blocks, 1, 1, threads, shared);
    }

    /** The activations a GEMV prologue reads (the kernels' x argument). */
    static long inputOf(GemvPrologue prologue) {
        return switch (prologue) {
            case GemvPrologue.Copy copy -> copy.x();
            case GemvPrologue.Norm norm -> norm.source();
        };
    }

    /**
     * The arguments every decode GEMV kernel (gemv.cu, quant_gemv.cu, quant_mma.cu, fp8.cu) takes after its prologue
     * code, in gemv.cu's order: the norm's weight, eps and output, the epilogue's code and its two buffers, the split,
     * and the rope epilogue's table, metadata, caches and shape (zeros for the others).
     */
    static void gemvTailArguments(KernelArgs args, GemvPrologue prologue, GemvEpilogue epilogue, int split) {
        switch (prologue) {
            case GemvPrologue.Copy ignored -> args.pointer(0).f32(0).pointer(0);
            case GemvPrologue.Norm norm -> args.pointer(norm.weight()).f32(norm.eps()).pointer(norm.normed());
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
    }

    /**
     * Warps per output pair for a product of {@code pairs} output pairs over {@code in} inputs, as measured best on an
     * H200 (GemvBenchmark, BENCHMARKS.md): the fewest that still give every multiprocessor a block, then more while a
     * lane would otherwise need a second round of loads and the grid still fits in one wave.
     */
    private int gemvSplit(int pairs, int in, int batch, int shared) {
        int warps = GEMV_THREADS / 32;
        int resident = Math.max(1, occupancy(batch, GEMV_THREADS, shared)) * multiprocessors;
        int split = 1;
        while (split < warps && blocks(pairs, split) < multiprocessors) {
            split *= 2;
        }
        while (split < warps && in / 8 > 32 * split * GEMV_UNROLL && blocks(pairs, 2 * split) <= resident) {
            split *= 2;
        }
        return split;
    }

    private static int blocks(int pairs, int split) {
        int groups = GEMV_THREADS / 32 / split;
        return (pairs + groups - 1) / groups;
    }

    /** Resident blocks per multiprocessor of the GEMV kernel for {@code batch} rows (asked once per configuration). */
    private int occupancy(int batch, int threads, int shared) {
        return gemvOccupancy.computeIfAbsent(batch << 26 | threads / 32 << 20 | shared >> 4,
                key -> driver.maxActiveBlocksPerMultiprocessor(gemv[batch], threads, shared));
    }

    /**
     * sampling.cu's first kernel: penalties and masks into work rows, per-chunk maxima and sums.
     * logits: [*, vocab] f32, params: see SamplingUpload, work: [modified rows, vocab] f32,
     * chunkStats: [rows, chunks] of 32 bytes
     */
    void samplePrepare(long logits, int vocab, long params, int rows, int masked, int penalties, long work,
                       long chunkStats, int chunks) {
        args.start().pointer(logits).i32(vocab).pointer(params).i32(rows).i32(masked).i32(penalties).pointer(work)
                .pointer(chunkStats);
        launch("sample_prepare", samplePrepare, rows, chunks, 1, SAMPLE_PREPARE_THREADS, 0);
    }

    /** sampling.cu's second kernel: one token per row, and the log probabilities asked for.  out: see sampling.cu */
    void sampleFinish(long logits, int vocab, long params, int rows, int masked, int penalties, long work,
                      long chunkStats, int chunks, int maxTop, long out) {
        args.start().pointer(logits).i32(vocab).pointer(params).i32(rows).i32(masked).i32(penalties).pointer(work)
                .pointer(chunkStats).i32(chunks).i32(maxTop).pointer(out);
        launch("sample_finish", sampleFinish, rows, 1, 1, SAMPLE_THREADS, SAMPLE_SHARED_BYTES);
    }

    /** gateUp: [rows, 2 * intermediate] bf16, out: [rows, intermediate] bf16 */
    void siluMul(long gateUp, int rows, int intermediate, long out) {
        args.start().pointer(gateUp).i32(rows).i32(intermediate).pointer(out);
        long total = (long) rows * intermediate;
        int blocks = (int) Math.min(MAX_GRID_STRIDE_BLOCKS, (total + 255) / 256);
        launch("silu_mul", siluMul, blocks, 1, 256);
    }

    /** x: [*, width] bf16, indices: [rows] int, out: [rows, width] bf16 */
    void gatherRows(long x, long indices, int width, long out, int rows) {
        args.start().pointer(x).pointer(indices).i32(width).pointer(out);
        launch("gather_rows", gatherRows, rows, 1, rowThreads(width / 8));
    }

    /** Threads for a block that walks one row: a multiple of 32 between 32 and 1024, about {@code work} of them. */
    static int rowThreads(int work) {
        int threads = (work + 31) / 32 * 32;
        return Math.clamp(threads, 32, 1024);
    }

    private void launch(String name, long function, int gridX, int gridY, int threads) {
        launch(name, function, gridX, gridY, 1, threads, 0);
    }

    /** The argument block of the next launch (for the launchers of other op families, {@link QuantGemv}). */
    KernelArgs args() {
        return args;
    }

    int multiprocessors() {
        return multiprocessors;
    }

    /** Launches {@code function} with the arguments set in {@link #args}, as a dependent launch where they are on. */
    void launch(String name, long function, int gridX, int gridY, int gridZ, int threads, int sharedBytes) {
        if (gridX == 0 || gridY == 0) {
            return;
        }
        if (dependentLaunches) {
            driver.launch(name, function, dependentLaunch.configure(gridX, gridY, gridZ, threads, sharedBytes, stream),
                    args.parameters());
        } else {
            driver.launch(name, function, gridX, gridY, gridZ, threads, 1, 1, sharedBytes, stream, args.parameters());
        }
    }
}
