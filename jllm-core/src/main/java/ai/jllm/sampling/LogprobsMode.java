package ai.jllm.sampling;

/**
 * Which log probabilities the sampling op returns for a row. {@link SamplingBatch} stores the ordinal as a byte so a
 * kernel can read it.
 */
public enum LogprobsMode {
    /** No log probabilities: the op only chooses the token. */
    NONE,
    /**
     * The model's distribution: log-softmax of the raw logits, before penalties, masks and temperature. This is what
     * OpenAI's {@code logprobs} means and vLLM's default.
     */
    MODEL,
    /**
     * Log-softmax after penalties and masks, before temperature: the distribution beam search ranks continuations by,
     * so that bad words, {@code min_tokens} and penalties hold for beams too.
     */
    PENALIZED;

    private static final LogprobsMode[] VALUES = values();

    static LogprobsMode ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
