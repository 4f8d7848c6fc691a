package ai.jllm.engine;

/** Why a sequence stopped, as the OpenAI API reports it. */
public enum FinishReason {
    /** An end-of-sequence or stop token was generated. */
    STOP,
    /** max_tokens (or the sequence-length limit) was reached. */
    LENGTH,
    /** The request was cancelled. */
    ABORT;

    public String apiName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
