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
 * be written (copy-on-write) and runs the model; {@link #sampleAsync} samples every row of the
 * {@link SamplingBatch} on the backend, {@link #awaitSamples} waits for the tokens.
 * Owns the batch, sized once for the largest step.
 */
public final class ModelRunner {

    /** The token id laid out for a token the backend feeds from the latest sampling (any valid id would do). */
    private static final int[] PLACEHOLDER_TOKEN = {0};

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

    /**
     * Lays out the step that runs one ahead of the step still in flight ({@link ai.jllm.scheduler.Scheduler#scheduleAhead}):
     * one decode token per chunk whose id is not known on the host yet; the batch asks the backend to feed chunk i the
     * token that row i of the sampling into {@code previous} (the latest one enqueued) chose. Returns the chunks'
     * logits rows as {@link #layout} does.
     */
    public int[] layoutAhead(SchedulerOutput output, SampleOutput previous) {
        batch.clear();
        List<ScheduledChunk> chunks = output.chunks();
        for (int c = 0; c < chunks.size(); c++) {
            ScheduledChunk chunk = chunks.get(c);
            KvSequence kv = chunk.sequence().kv();
            firstLogitsRow[c] = batch.addSequence(PLACEHOLDER_TOKEN, 0, 1, chunk.startPosition(), kv.blockTable(),
                    kv.numBlocks(), ForwardBatch.Logits.LAST);
        }
        batch.feedSampledTokens(previous, chunks.size());
        return firstLogitsRow;
    }

    /** Runs the laid-out step: enqueues the forward pass (a device backend returns before it has run). */
    public void forward(BlockCopies copies) {
        if (!copies.isEmpty()) {
            backend.copyKvBlocks(cache, copies.sources(), copies.destinations());
        }
        logits = model.forward(batch, cache);
    }

    /**
     * Enqueues the sampling of {@code sampling}'s rows of the step's logits into {@code out}; {@link #awaitSamples}
     * with the same {@code out} waits for them. {@code sampling} must stay unchanged until then.
     */
    public void sampleAsync(SamplingBatch sampling, SampleOutput out) {
        if (sampling.numRows() > 0) {
            backend.sampleAsync(logits, sampling, out);
        }
    }

    /** Waits until the tokens {@link #sampleAsync} enqueued for {@code sampling} are in {@code out}. */
    public void awaitSamples(SamplingBatch sampling, SampleOutput out) {
        if (sampling.numRows() > 0) {
            backend.awaitSamples(out);
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
