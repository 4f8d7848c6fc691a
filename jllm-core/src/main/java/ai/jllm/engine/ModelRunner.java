package ai.jllm.engine;

import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.Tensor;
import ai.jllm.kvcache.BlockCopies;
import ai.jllm.kvcache.KvSequence;
import ai.jllm.model.DecoderModel;
import ai.jllm.scheduler.ScheduledChunk;
import ai.jllm.scheduler.SchedulerOutput;
import ai.jllm.scheduler.Sequence;

/**
 * Runs one scheduled step on the backend: copies shared blocks that are about to be written (copy-on-write), lays
 * the chunks out in a {@link ForwardBatch}, runs the model and returns the logits of every position that samples.
 * Owns the batch and host buffers, sized once for the largest step.
 */
public final class ModelRunner {

    private final Backend backend;
    private final DecoderModel model;
    private final KvCache cache;
    private final ForwardBatch batch;
    private final float[] logits;   // [maxLogits, V] on the host
    private final int vocabSize;

    public ModelRunner(Backend backend, DecoderModel model, KvCache cache, int maxNumTokens, int maxBatchSize,
                       int maxBlocksPerSequence) {
        this.backend = backend;
        this.model = model;
        this.cache = cache;
        this.vocabSize = model.config().vocabSize();
        this.batch = new ForwardBatch(maxNumTokens, maxBatchSize, cache.blockSize(), maxBlocksPerSequence,
                maxBatchSize);
        this.logits = new float[maxBatchSize * vocabSize];
    }

    /**
     * Runs the step. The returned logits hold, in chunk order, {@code chunk.samples()} rows for every chunk that
     * samples (repeated rows of its last position).  logits: [numLogits, V]
     */
    public StepLogits execute(SchedulerOutput output, BlockCopies copies) {
        if (!copies.isEmpty()) {
            backend.copyKvBlocks(cache, copies.sources(), copies.destinations());
        }
        batch.clear();
        for (ScheduledChunk chunk : output.chunks()) {
            Sequence sequence = chunk.sequence();
            KvSequence kv = sequence.kv();
            batch.addSequence(sequence.tokens(), chunk.startPosition(), chunk.numTokens(), chunk.startPosition(),
                    kv.blockTable(), kv.numBlocks(),
                    chunk.samples() > 0 ? ForwardBatch.Logits.LAST : ForwardBatch.Logits.NONE);
            if (chunk.samples() > 1) {
                batch.repeatLastLogitsRow(chunk.samples() - 1);
            }
        }
        Tensor result = model.forward(batch, cache);
        backend.copyToHost(result, batch.numLogits(), logits);
        return new StepLogits(logits, batch.numLogits(), vocabSize);
    }

    public DecoderModel model() {
        return model;
    }

    public KvCache cache() {
        return cache;
    }

    /** Host logits of one step: row r at {@code [r * vocabSize, (r + 1) * vocabSize)}; valid until the next step. */
    public record StepLogits(float[] values, int rows, int vocabSize) {}
}
