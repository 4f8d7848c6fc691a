package ai.jllm.engine;

import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.scheduler.SchedulerOutput;

/**
 * One launched step's state, kept until its sampled tokens are read: what was scheduled, where its logits rows are,
 * its sampling rows and their output, which sample and request each row belongs to, and the host time its launch
 * took. The engine owns two and alternates them, so that a step can be launched while the one before it still runs
 * (overlap).
 */
final class StepSlot {

    final SamplingBatch sampling;
    final SampleOutput sampled;
    final SampleState[] rowSample;   // per sampling row: its sample (null for a sibling not forked yet)
    final Request[] rowRequest;      // per sampling row: its request
    final int[] firstLogitsRow;      // per chunk
    SchedulerOutput output = SchedulerOutput.EMPTY;
    long scheduleNanos;
    long prepareNanos;
    long forwardNanos;
    long sampleNanos;

    StepSlot(int rows, int vocabSize, int maxSeqLen, int maxTopLogprobs) {
        this.sampling = new SamplingBatch(rows, vocabSize, rows * 256, rows * maxSeqLen);
        this.sampled = new SampleOutput(rows, maxTopLogprobs);
        this.rowSample = new SampleState[rows];
        this.rowRequest = new Request[rows];
        this.firstLogitsRow = new int[rows];
    }
}
