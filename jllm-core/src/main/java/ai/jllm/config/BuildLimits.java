package ai.jllm.config;

import ai.jllm.JllmException;

/**
 * The largest step and sequence an engine is built for: the runtime's defaults when it loads the engine, and the
 * most it accepts (TensorRT-LLM's engine limits).
 *
 * @param maxBatchSize sequences in one step
 * @param maxSeqLen    prompt plus generated tokens of one sequence
 * @param maxNumTokens tokens in one step, prompt chunks and decodes together
 */
public record BuildLimits(int maxBatchSize, int maxSeqLen, int maxNumTokens) {

    public BuildLimits {
        requirePositive("max_batch_size", maxBatchSize);
        requirePositive("max_num_tokens", maxNumTokens);
        if (maxSeqLen < 2) {
            throw new JllmException("max_seq_len must be at least 2, got " + maxSeqLen);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new JllmException(name + " must be positive, got " + value);
        }
    }
}
