package ai.jllm.cuda;

/**
 * How many blocks paged_attention divides each query's keys among (flash-decoding): enough that a step with few queries
 * (decode) still fills the GPU, each split at least {@link #MIN_KEYS_PER_SPLIT} keys so a block's work outweighs the
 * merge; a step with many queries (prefill) gets one split and no merge. The kernel divides each token's own keys
 * evenly among the splits.
 */
record AttentionSplit(int splits) {

    static final int MIN_KEYS_PER_SPLIT = 64;
    /** Blocks per multiprocessor the split aims for. */
    static final int BLOCKS_PER_SM = 2;

    /**
     * @param queries tokens × heads of the step
     * @param longest the most keys any query of the step attends to
     */
    static AttentionSplit of(int queries, int longest, int multiprocessors) {
        int keys = Math.max(longest, 1);
        int wanted = ceilDiv(BLOCKS_PER_SM * multiprocessors, Math.max(queries, 1));
        return new AttentionSplit(Math.clamp(wanted, 1, ceilDiv(keys, MIN_KEYS_PER_SPLIT)));
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
