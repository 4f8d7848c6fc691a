package ai.jllm.bench;

import java.util.Optional;

/**
 * One benchmark request: the prompt as token ids, as text, or both (ids win where the client can send them), and
 * how many tokens to generate (end-of-sequence is ignored, so exactly that many).
 */
public record BenchRequest(Optional<int[]> promptTokenIds, Optional<String> promptText, int outputTokens) {

    public BenchRequest {
        if (promptTokenIds.isEmpty() && promptText.isEmpty()) {
            throw new IllegalArgumentException("a benchmark request needs a prompt");
        }
        if (outputTokens < 1) {
            throw new IllegalArgumentException("a benchmark request generates at least one token, not " + outputTokens);
        }
    }

    public static BenchRequest ofTokens(int[] promptTokenIds, int outputTokens) {
        return new BenchRequest(Optional.of(promptTokenIds), Optional.empty(), outputTokens);
    }

    public static BenchRequest ofText(String prompt, int outputTokens) {
        return new BenchRequest(Optional.empty(), Optional.of(prompt), outputTokens);
    }

    /** The prompt's length in tokens when known from its ids. */
    public Optional<Integer> promptLength() {
        return promptTokenIds.map(ids -> ids.length);
    }
}
