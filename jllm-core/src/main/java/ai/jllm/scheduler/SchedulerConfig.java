package ai.jllm.scheduler;

/**
 * The scheduler's limits.
 *
 * @param maxBatchSize sequences running at once (each decodes one token per step)
 * @param maxNumTokens tokens one step may process: decodes plus prompt chunks
 * @param maxSeqLen    prompt plus generated tokens of one sequence
 */
public record SchedulerConfig(int maxBatchSize, int maxNumTokens, int maxSeqLen, SchedulerPolicy policy) {

    /** Prompt positions whose logits one step computes for prompt logprobs (beside one row per sampling sequence). */
    public static final int PROMPT_LOGITS_ROWS = 64;

    /** Logits rows one step may produce. */
    public int maxLogitsRows() {
        return maxBatchSize + PROMPT_LOGITS_ROWS;
    }


    public SchedulerConfig {
        if (maxBatchSize <= 0 || maxNumTokens <= 0 || maxSeqLen <= 1) {
            throw new IllegalArgumentException("max_batch_size and max_num_tokens must be positive and max_seq_len "
                    + "above 1, got " + maxBatchSize + ", " + maxNumTokens + ", " + maxSeqLen);
        }
        if (maxNumTokens < maxBatchSize) {
            throw new IllegalArgumentException("max_num_tokens (" + maxNumTokens + ") must be at least max_batch_size ("
                    + maxBatchSize + "): every running sequence decodes one token per step");
        }
    }
}
