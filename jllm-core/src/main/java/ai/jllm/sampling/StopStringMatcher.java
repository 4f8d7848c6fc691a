package ai.jllm.sampling;

import java.util.List;
import java.util.Optional;

/**
 * Finds stop strings in the streamed output text, whatever token boundaries they straddle. Fed the text deltas of a
 * streaming detokenizer, it emits at once the text that can no longer be part of a stop string and holds back the
 * longest tail that could still grow into one. When a stop string completes, the output ends before it (or after it,
 * with {@code includeStopStrInOutput}).
 *
 * <p>Of several stop strings, the one whose occurrence ends first in the text wins, and of those ending at the same
 * character the longest; this is the only rule under which the result does not depend on how the text was split
 * into deltas. A matcher serves one sequence; it is done after a stop or {@link #finish()}.
 */
public final class StopStringMatcher {

    private final List<String> stops;
    private final boolean includeStopStrInOutput;
    private final int longestStop;
    private final StringBuilder held = new StringBuilder();
    private boolean done;

    /** @param stops non-empty stop strings ({@link SamplingParams#stop()}) */
    public StopStringMatcher(List<String> stops, boolean includeStopStrInOutput) {
        this.stops = List.copyOf(stops);
        this.includeStopStrInOutput = includeStopStrInOutput;
        int longest = 0;
        for (String stop : this.stops) {
            if (stop.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
            longest = Math.max(longest, stop.length());
        }
        this.longestStop = longest;
    }

    /**
     * Adds a delta of output text.
     *
     * @throws IllegalStateException after a stop string matched or after {@link #finish()}
     */
    public StopStringOutput push(String delta) {
        if (done) {
            throw new IllegalStateException("push after the output ended");
        }
        held.append(delta);
        int bestStart = Integer.MAX_VALUE;
        int bestEnd = Integer.MAX_VALUE;
        Optional<String> matched = Optional.empty();
        for (String stop : stops) {
            int start = held.indexOf(stop);
            if (start < 0) {
                continue;
            }
            int end = start + stop.length();
            if (end < bestEnd || (end == bestEnd && start < bestStart)) {
                bestStart = start;
                bestEnd = end;
                matched = Optional.of(stop);
            }
        }
        if (matched.isPresent()) {
            done = true;
            String text = held.substring(0, includeStopStrInOutput ? bestEnd : bestStart);
            held.setLength(0);
            return new StopStringOutput(text, matched);
        }
        int keep = heldBackLength();
        String text = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return new StopStringOutput(text, Optional.empty());
    }

    /** Ends the output for another reason (length, a stop token) and returns the text still held back. */
    public String finish() {
        done = true;
        String text = held.toString();
        held.setLength(0);
        return text;
    }

    /** The longest tail of the held text that is a proper prefix of some stop string. */
    private int heldBackLength() {
        for (int length = Math.min(held.length(), longestStop - 1); length > 0; length--) {
            int start = held.length() - length;
            for (String stop : stops) {
                if (stop.length() > length && startsWithHeld(stop, start, length)) {
                    return length;
                }
            }
        }
        return 0;
    }

    private boolean startsWithHeld(String stop, int start, int length) {
        for (int i = 0; i < length; i++) {
            if (held.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
