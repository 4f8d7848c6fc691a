package ai.jllm.cuda;

import java.lang.foreign.Arena;

/**
 * Typed launchers for the kernels of src/main/cuda, one method per kernel, all enqueued on one stream. Arguments are
 * device pointers and sizes; shapes follow the kernels' comments. Launch geometry is chosen here, next to the
 * arguments, so each kernel's contract with its grid is visible in one place.
 */
final class Kernels {

    static final int ATTENTION_THREADS = 128;
    static final int ATTENTION_MAX_HEAD_DIM = 256;
    /** Keys a block of paged_attention takes per pass (its 16 groups of 8 lanes). */
    static final int ATTENTION_KEYS_PER_PASS = 16;
    private static final int MAX_GRID_STRIDE_BLOCKS = 4096;

    private final CudaDriver driver;
    private final long stream;
    private final KernelArgs args;
    private final long embeddingGather;
    private final long rmsNorm;
    private final long addRmsNorm;
    private final long qkNorm;
    private final long ropeWriteKv;
    private final long pagedAttention;
    private final long attentionMerge;
    private final long siluMul;
    private final long gatherRows;

    Kernels(CudaDriver driver, KernelModule module, long stream, Arena arena) {
        this.driver = driver;
        this.stream = stream;
        this.args = new KernelArgs(arena);
        this.embeddingGather = module.function("embedding_gather");
        this.rmsNorm = module.function("rms_norm");
        this.addRmsNorm = module.function("add_rms_norm");
        this.qkNorm = module.function("qk_norm");
        this.ropeWriteKv = module.function("rope_write_kv");
        this.pagedAttention = module.function("paged_attention");
        this.attentionMerge = module.function("attention_merge");
        this.siluMul = module.function("silu_mul");
        this.gatherRows = module.function("gather_rows");
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
     * See attention.cu: one block per (token, query head, split of the keys); with more than one split the blocks
     * write {@code partial} [tokens, heads, splits, headDim + 2] f32 and attention_merge writes out.
     * out: [tokens, outWidth] bf16
     */
    void pagedAttention(long qkv, long keyCache, long valueCache, long positions, long tokenSequence,
                        long blockTables, int maxBlocks, int blockSize, int rowWidth, int numHeads, int numKvHeads,
                        int headDim, float scale, int window, int splits, int keysPerSplit, long partial, long out,
                        int outWidth, int tokens) {
        args.start().pointer(qkv).pointer(keyCache).pointer(valueCache).pointer(positions).pointer(tokenSequence)
                .pointer(blockTables).i32(maxBlocks).i32(blockSize).i32(rowWidth).i32(numHeads).i32(numKvHeads)
                .i32(headDim).f32(scale).i32(window).i32(keysPerSplit).pointer(partial).pointer(out).i32(outWidth);
        launch("paged_attention", pagedAttention, tokens, numHeads, splits, ATTENTION_THREADS);
        if (splits > 1) {
            args.start().pointer(partial).i32(numHeads).i32(headDim).i32(splits).pointer(out).i32(outWidth);
            launch("attention_merge", attentionMerge, tokens, numHeads, 1, rowThreads(headDim));
        }
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
        launch(name, function, gridX, gridY, 1, threads);
    }

    private void launch(String name, long function, int gridX, int gridY, int gridZ, int threads) {
        if (gridX == 0 || gridY == 0) {
            return;
        }
        driver.launch(name, function, gridX, gridY, gridZ, threads, 1, 1, 0, stream, args.parameters());
    }
}
