package ai.jllm.api;

import java.util.OptionalLong;

/**
 * When things happened to a request, in {@link System#nanoTime} units.
 *
 * @param firstScheduledNanos when it first ran (the end of its queueing)
 * @param firstTokenNanos     when its first token was sampled (time to first token = this − arrival)
 * @param finishedNanos       when its last sample ended
 */
public record RequestMetrics(long arrivalNanos, OptionalLong firstScheduledNanos, OptionalLong firstTokenNanos,
                             OptionalLong finishedNanos, int numPreemptions) {}
