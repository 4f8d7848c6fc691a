package ai.jllm.sampling;

import java.util.Optional;

/**
 * What {@link StopStringMatcher#push} gives back for one text delta.
 *
 * @param text       the text that is safe to emit now (possibly empty)
 * @param stopString the stop string that completed with this delta; generation ends and {@code text} is the last
 *                   text of the output
 */
public record StopStringOutput(String text, Optional<String> stopString) {

    public boolean stopped() {
        return stopString.isPresent();
    }
}
