package ai.jllm.engine;

/**
 * What one engine iteration did, for metrics and logs.
 *
 * @param scheduledSequences sequences that ran in the step
 * @param scheduledTokens    tokens the step processed (prefill chunks and decodes)
 * @param preempted          sequences preempted to make room
 * @param running            sequences running after the step
 * @param waiting            sequences waiting after the step
 * @param prefixHitRate      prefix-cache hit rate so far (hit tokens / queried tokens)
 * @param stepNanos          the whole step on the host clock
 * @param phases             where the step's time went (see {@link StepPhases})
 */
public record IterationStats(int scheduledSequences, int scheduledTokens, int preempted, int running, int waiting,
                             int kvBlocksUsed, int kvBlocksFree, int kvBlocksCached, double prefixHitRate,
                             long stepNanos, StepPhases phases) {

    public static final IterationStats IDLE = new IterationStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            StepPhases.NONE);
}
