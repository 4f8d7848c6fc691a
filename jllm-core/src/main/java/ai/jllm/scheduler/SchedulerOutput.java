package ai.jllm.scheduler;

import java.util.List;

/**
 * What one step runs: the chunks, in batch order (decodes first), and the sequences preempted to make room.
 * Immutable; {@code numTokens} is the step's total.
 */
public record SchedulerOutput(List<ScheduledChunk> chunks, List<Sequence> preempted, int numTokens) {

    public static final SchedulerOutput EMPTY = new SchedulerOutput(List.of(), List.of(), 0);

    public SchedulerOutput {
        chunks = List.copyOf(chunks);
        preempted = List.copyOf(preempted);
    }

    public boolean isEmpty() {
        return chunks.isEmpty();
    }
}
