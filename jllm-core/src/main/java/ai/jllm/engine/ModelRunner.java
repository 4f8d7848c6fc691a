package ai.jllm.engine;

import ai.jllm.backend.Backend;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.Tensor;
import ai.jllm.kvcache.BlockCopies;
import ai.jllm.kvcache.KvSequence;
import ai.jllm.model.DecoderModel;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.scheduler.ScheduledChunk;
import ai.jllm.scheduler.SchedulerOutput;
import ai.jllm.scheduler.Sequence;
import java.util.List;

/**
 * Runs one scheduled step on the backend in two calls: {@link #layout} puts the chunks into the step's
 * {@link ForwardBatch} and tells where each chunk's logits rows land; {@link #forward} copies shared blocks about to
 * be written (copy-on-write) and runs the model; {@link #sample} samples every row of the {@link SamplingBatch} on
 * the backend.
 * Owns the batch, sized once for the largest step.
 */
public final class ModelRunner {

    private final Backend backend;
    private final DecoderModel model;
    private final KvCache cache;
    private final ForwardBatch batch;
    private final int[] firstLogitsRow;   // per chunk of the step
    private final int maxLogitsRows;
    private float[] hostLogits;           // [maxLogitsRows, V], allocated when prompt logprobs first need it
    private Tensor logits;

    public ModelRunner(Backend backend, DecoderModel model, KvCache cache, int maxNumTokens, int maxSequences,
                       int maxLogitsRows, int maxBlocksPerSequence) {
        this.backend = backend;
        this.model = model;
        this.cache = cache;
        this.maxLogitsRows = maxLogitsRows;
        this.batch = new ForwardBatch(maxNumTokens, maxSequences, cache.blockSize(), maxBlocksPerSequence,
                maxLogitsRows);
        this.firstLogitsRow = new int[maxSequences];
    }

    /**
     * Lays the step out. Returns, per chunk in order, the index of its first logits row: a chunk that samples has one
     * row (its last position), a chunk with {@code allLogits} one per position; a chunk with neither has none and its
     * entry is meaningless.
     */
    public int[] layout(SchedulerOutput output) {
        batch.clear();
        List<ScheduledChunk> chunks = output.chunks();
        for (int c = 0; c < chunks.size(); c++) {
            ScheduledChunk chunk = chunks.get(c);
            Sequence sequence = chunk.sequence();
            KvSequence kv = sequence.kv();
            ForwardBatch.Logits mode = chunk.allLogits() ? ForwardBatch.Logits.ALL
                    : chunk.samples() > 0 ? ForwardBatch.Logits.LAST : ForwardBatch.Logits.NONE;
            firstLogitsRow[c] = batch.addSequence(sequence.tokens(), chunk.startPosition(), chunk.numTokens(),
                    chunk.startPosition(), kv.blockTable(), kv.numBlocks(), mode);
        }
        return firstLogitsRow;
    }

    /** Runs the laid-out step: enqueues the forward pass (a device backend returns before it has run). */
    public void forward(BlockCopies copies) {
        if (!copies.isEmpty()) {
            backend.copyKvBlocks(cache, copies.sources(), copies.destinations());
        }
        logits = model.forward(batch, cache);
    }

    /** Samples {@code sampling}'s rows of the step's logits into {@code out}; returns when they are there. */
    public void sample(SamplingBatch sampling, SampleOutput out) {
        if (sampling.numRows() > 0) {
            backend.sample(logits, sampling, out);
        }
    }

    /**
     * The step's logits on the host, for prompt logprobs: row r at {@code [r * V, (r + 1) * V)}. Valid until the next
     * step.
     */
    public float[] hostLogits() {
        if (hostLogits == null) {
            hostLogits = new float[maxLogitsRows * model.config().vocabSize()];
        }
        backend.copyToHost(logits, batch.numLogits(), hostLogits);
        return hostLogits;
    }

    public DecoderModel model() {
        return model;
    }

    public Backend backend() {
        return backend;
    }

    public KvCache cache() {
        return cache;
    }
}
