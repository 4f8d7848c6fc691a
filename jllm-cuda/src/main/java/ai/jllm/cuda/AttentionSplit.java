package ai.jllm.cuda;

/**
 * How many blocks paged_attention divides each query's keys among (flash-decoding): enough that a step with few queries
 * (decode) still fills the GPU, each split at least {@link #MIN_KEYS_PER_SPLIT} keys (one pass of a block); a step
 * with many queries (prefill) gets one split and no merge. The kernel divides each token's own keys evenly among the
 * splits.
 */
record AttentionSplit(int splits) {

    static final int MIN_KEYS_PER_SPLIT = 16;
    /** The most splits paged_attention merges (ATTENTION_MAX_SPLITS in attention.cu). */
    static final int MAX_SPLITS = 256;
    /** Blocks per multiprocessor the split aims for. */
    static final int BLOCKS_PER_SM = 2;

    /**
     * @param queries tokens × heads of the step
     * @param longest the most keys any query of the step attends to
     */
    static AttentionSplit of(int queries, int longest, int multiprocessors) {
        int keys = Math.max(longest, 1);
        int wanted = ceilDiv(BLOCKS_PER_SM * multiprocessors, Math.max(queries, 1));
        return new AttentionSplit(Math.clamp(wanted, 1, Math.min(MAX_SPLITS, ceilDiv(keys, MIN_KEYS_PER_SPLIT))));
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
