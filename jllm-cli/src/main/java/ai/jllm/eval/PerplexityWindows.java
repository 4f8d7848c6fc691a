package ai.jllm.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The sliding windows of a perplexity evaluation over a token sequence longer than the model's context, as the
 * Hugging Face perplexity guide strides them: windows of at most {@code maxLength} tokens start every {@code stride}
 * tokens, and each scores only the tokens no earlier window scored, so every token after the first is scored exactly
 * once, with up to {@code maxLength − stride} tokens of context carried over. A window's first token has no context
 * inside the window and is never scored by it.
 */
public final class PerplexityWindows {

    /**
     * Tokens [begin, end) go to the model; those at positions [firstTarget, end) are scored.
     */
    public record Window(int begin, int end, int firstTarget) {

        public int targets() {
            return end - firstTarget;
        }
    }

    private PerplexityWindows() {}

    public static List<Window> plan(int numTokens, int maxLength, int stride) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("a perplexity window holds at least 2 tokens, not " + maxLength);
        }
        if (stride < 1 || stride > maxLength) {
            throw new IllegalArgumentException("the stride must be between 1 and the window length " + maxLength
                    + ", not " + stride);
        }
        List<Window> windows = new ArrayList<>();
        int previousEnd = 0;
        for (int begin = 0; begin < numTokens; begin += stride) {
            int end = Math.min(begin + maxLength, numTokens);
            int firstTarget = Math.max(previousEnd, begin + 1);
            if (firstTarget < end) {
                windows.add(new Window(begin, end, firstTarget));
            }
            previousEnd = end;
            if (end == numTokens) {
                break;
            }
        }
        return windows;
    }
}
