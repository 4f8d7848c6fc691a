package ai.jllm.bench;

import java.util.Optional;

/**
 * What one benchmark request did, in {@link System#nanoTime} units.
 *
 * @param startNanos   when it was sent (or submitted to the engine)
 * @param chunkNanos   when each piece of output arrived: one entry per streamed chunk, in order (a chunk may hold
 *                     several tokens; the first entry is the first token)
 * @param endNanos     when the request ended (its last chunk or its error)
 * @param promptTokens the prompt's length in tokens
 * @param outputTokens tokens generated
 * @param error        why the request failed, when it did
 */
public record RequestTiming(long startNanos, long[] chunkNanos, long endNanos, int promptTokens, int outputTokens,
                            Optional<String> error) {

    public static RequestTiming failed(long startNanos, long endNanos, int promptTokens, String error) {
        return new RequestTiming(startNanos, new long[0], endNanos, promptTokens, 0, Optional.of(error));
    }

    public boolean succeeded() {
        return error.isEmpty();
    }

    /** Time to the first output, in milliseconds; empty when nothing came. */
    public Optional<Double> ttftMillis() {
        return chunkNanos.length == 0 ? Optional.empty() : Optional.of((chunkNanos[0] - startNanos) / 1e6);
    }

    public double e2eMillis() {
        return (endNanos - startNanos) / 1e6;
    }

    /**
     * Time per output token after the first, in milliseconds: (end-to-end − time to first token) ÷ (output tokens − 1),
     * as vLLM's benchmark defines TPOT; empty for fewer than two tokens.
     */
    public Optional<Double> tpotMillis() {
        if (outputTokens < 2 || chunkNanos.length == 0) {
            return Optional.empty();
        }
        return Optional.of((endNanos - chunkNanos[0]) / 1e6 / (outputTokens - 1));
    }
}
