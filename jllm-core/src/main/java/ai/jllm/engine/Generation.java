package ai.jllm.engine;

/** The result of one prompt: its tokens, the generated tokens (a final stop token included) and why it ended. */
public record Generation(int[] promptTokenIds, int[] outputTokenIds, FinishReason finishReason) {}
