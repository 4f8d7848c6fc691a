package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import ai.jllm.sampling.LogprobsMode;
import ai.jllm.sampling.SampleOutput;
import ai.jllm.sampling.SamplingBatch;
import ai.jllm.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The sampling op on the GPU (sampling.cu), with {@link ai.jllm.sampling.HostSampling}'s contract: the batch goes up
 * in one copy ({@link SamplingUpload}), two kernels choose every row's token and log probabilities, and one copy
 * brings back the tokens, plus the log probabilities when a row asked for them. Buffers grow on demand and are kept.
 *
 * <p>Asynchronous: {@link #enqueue} returns once the work is on the stream and {@link #await} waits for it. Two
 * samplings may be pending at once (a step launched while the one before still runs), each with its own pinned
 * parameter and result buffers; the device buffers are shared, which the stream's order makes safe. The tokens of the
 * latest sampling stay in {@link #sampledTokens} on the device, for the next step's input.
 */
final class CudaSampler implements AutoCloseable {

    /** Vocabulary entries per sample_prepare block. */
    static final int CHUNK = 4096;
    /** Top-logprob entries a row may ask for (sample_finish collects them in shared memory). */
    static final int MAX_TOP_LOGPROBS = 2048;
    private static final int CHUNK_STATS_BYTES = 32;

    private final CudaDriver driver;
    private final Kernels kernels;
    private final long stream;
    private final Buffer params = new Buffer();
    private final Buffer work = new Buffer();
    private final Buffer chunkStats = new Buffer();
    private final Buffer results = new Buffer();
    private long latestTokens;
    private SampleOutput latestOut;
    private final Pending[] pending;

    /** One device allocation that grows (freeing the old one) when asked for more. */
    private final class Buffer {
        private long pointer;
        private long bytes;

        long atLeast(long wanted) {
            if (wanted > bytes) {
                if (bytes > 0) {
                    driver.streamSynchronize(stream); // a pending sampling may still use it
                    driver.memFree(pointer);
                }
                bytes = Math.max(wanted, 2 * bytes);
                pointer = driver.memAlloc(bytes);
            }
            return pointer;
        }

        void free() {
            if (bytes > 0) {
                driver.memFree(pointer);
                bytes = 0;
            }
        }
    }

    /** One sampling in flight: its pinned buffers, the event after its copy back, and where its results go. */
    private final class Pending {
        MemorySegment hostParams = driver.hostAlloc(1 << 16);
        MemorySegment hostResults = driver.hostAlloc(1 << 16);
        final long done = driver.eventCreate(CudaDriver.CU_EVENT_DISABLE_TIMING);
        SampleOutput out;
        SamplingBatch batch;
        int timerSlot;
        boolean waiting;

        void free() {
            driver.hostFree(hostParams);
            driver.hostFree(hostResults);
            driver.eventDestroy(done);
        }
    }

    CudaSampler(CudaDriver driver, Kernels kernels, long stream) {
        this.driver = driver;
        this.kernels = kernels;
        this.stream = stream;
        this.pending = new Pending[] {new Pending(), new Pending()};
    }

    /** Samples every row of {@code batch} from {@code logits} [rows, V] f32 into {@code out}; waits for the result. */
    void sample(CudaTensor logits, SamplingBatch batch, SampleOutput out, StepTimer timer) {
        if (batch.numRows() == 0) {
            return;
        }
        enqueue(logits, batch, out, timer);
        await(out, timer);
    }

    /**
     * Enqueues the sampling of every row of {@code batch} from {@code logits} [rows, V] f32; {@link #await} with the
     * same {@code out} fills {@code out}. {@code batch} must stay unchanged until then.
     */
    void enqueue(CudaTensor logits, SamplingBatch batch, SampleOutput out, StepTimer timer) {
        int rows = batch.numRows();
        if (rows == 0) {
            return;
        }
        int vocab = batch.vocabSize();
        check(logits, batch, out);
        Pending slot = slotFor(out);
        // A sampling into this output that was never awaited (a failed step) is overwritten once its copy is done.
        driver.eventSynchronize(slot.done);
        long paramBytes = 4 * SamplingUpload.words(batch);
        if (slot.hostParams.byteSize() < paramBytes) {
            driver.hostFree(slot.hostParams);
            slot.hostParams = driver.hostAlloc(Math.max(paramBytes, 2 * slot.hostParams.byteSize()));
        }
        SamplingUpload upload = SamplingUpload.pack(batch, slot.hostParams);
        int maxTop = out.maxTopLogprobs();
        long resultWords = 3L * rows + 2L * rows * maxTop;
        long resultBytes = 4 * resultWords;
        if (slot.hostResults.byteSize() < resultBytes) {
            driver.hostFree(slot.hostResults);
            slot.hostResults = driver.hostAlloc(Math.max(resultBytes, 2 * slot.hostResults.byteSize()));
        }
        int chunks = (vocab + CHUNK - 1) / CHUNK;
        long deviceParams = params.atLeast(4L * upload.words());
        long deviceWork = work.atLeast(Math.max(1, (long) upload.workRows() * vocab * Float.BYTES));
        long deviceChunks = chunkStats.atLeast((long) rows * chunks * CHUNK_STATS_BYTES);
        long deviceResults = results.atLeast(resultBytes);

        driver.copyHostToDevice(deviceParams, slot.hostParams, 4L * upload.words(), stream);
        kernels.samplePrepare(logits.pointer(), vocab, deviceParams, rows, upload.masked(), upload.penalties(),
                deviceWork, deviceChunks, chunks);
        kernels.sampleFinish(logits.pointer(), vocab, deviceParams, rows, upload.masked(), upload.penalties(),
                deviceWork, deviceChunks, chunks, maxTop, deviceResults);
        long readBack = !upload.logprobs() ? rows : upload.topEntries() ? resultWords : 3L * rows;
        driver.copyDeviceToHost(slot.hostResults, deviceResults, 4 * readBack, stream);
        slot.timerSlot = timer.sampleEnds();
        driver.eventRecord(slot.done, stream);
        latestTokens = deviceResults;
        latestOut = out;
        slot.out = out;
        slot.batch = batch;
        slot.waiting = true;
    }

    /** Waits for the sampling {@link #enqueue}d into {@code out} and unpacks its results into {@code out}. */
    void await(SampleOutput out, StepTimer timer) {
        for (Pending slot : pending) {
            if (slot.waiting && slot.out == out) {
                driver.eventSynchronize(slot.done);
                slot.waiting = false;
                timer.completed(slot.timerSlot);
                unpack(slot.batch, out, slot.batch.numRows(), out.maxTopLogprobs(), slot.hostResults);
                return;
            }
        }
        throw new IllegalStateException("no sampling is pending into this output");
    }

    /**
     * The token ids of the sampling into {@code out}, on the device, [rows] int (rows in the batch's order): the input
     * of a step launched before they are read. Only the latest enqueued sampling's are kept (until the next one).
     */
    long sampledTokens(SampleOutput out) {
        if (latestOut != out) {
            throw new IllegalStateException("a step asks for the tokens of a sampling that is not the latest enqueued");
        }
        return latestTokens;
    }

    /** The pending slot that samples into {@code out}: the one it used before, else a free one. */
    private Pending slotFor(SampleOutput out) {
        for (Pending slot : pending) {
            if (slot.out == out) {
                return slot;
            }
        }
        for (Pending slot : pending) {
            if (!slot.waiting) {
                return slot;
            }
        }
        throw new IllegalStateException("two samplings are pending already; await one first");
    }

    private static void check(CudaTensor logits, SamplingBatch batch, SampleOutput out) {
        if (logits.dtype() != DType.F32 || logits.width() != batch.vocabSize()) {
            throw new IllegalArgumentException("sampling a vocabulary of " + batch.vocabSize() + " from " + logits);
        }
        if (batch.numRows() > out.maxRows()) {
            throw new IllegalArgumentException("sample output has " + out.maxRows() + " rows, the batch "
                    + batch.numRows());
        }
        for (int r = 0; r < batch.numRows(); r++) {
            if (batch.logitsRows()[r] >= logits.rows()) {
                throw new IllegalArgumentException("row " + r + " samples logits row " + batch.logitsRows()[r]
                        + " but the logits hold " + logits.rows() + " rows");
            }
            int top = batch.numTopLogprobs()[r];
            if (top > out.maxTopLogprobs() || top > batch.vocabSize() || top > MAX_TOP_LOGPROBS) {
                throw new IllegalArgumentException("row " + r + " asks for " + top + " top logprobs; the output holds "
                        + out.maxTopLogprobs() + ", the vocabulary " + batch.vocabSize() + " and the CUDA sampler "
                        + MAX_TOP_LOGPROBS);
            }
        }
    }

    private static void unpack(SamplingBatch batch, SampleOutput out, int rows, int maxTop,
                               MemorySegment hostResults) {
        long topIds = 3L * rows;
        long topLogprobs = topIds + (long) rows * maxTop;
        for (int r = 0; r < rows; r++) {
            out.tokenIds()[r] = hostResults.getAtIndex(JAVA_INT, r);
            if (batch.logprobsMode(r) == LogprobsMode.NONE) {
                continue;
            }
            out.logprobs()[r] = hostResults.getAtIndex(JAVA_FLOAT, rows + r);
            out.ranks()[r] = hostResults.getAtIndex(JAVA_INT, 2L * rows + r);
            int count = batch.numTopLogprobs()[r];
            for (int i = 0; i < count; i++) {
                out.topTokenIds()[r * maxTop + i] = hostResults.getAtIndex(JAVA_INT, topIds + (long) r * maxTop + i);
                out.topLogprobs()[r * maxTop + i] = hostResults.getAtIndex(JAVA_FLOAT,
                        topLogprobs + (long) r * maxTop + i);
            }
        }
    }

    @Override
    public void close() {
        params.free();
        work.free();
        chunkStats.free();
        results.free();
        for (Pending slot : pending) {
            slot.free();
        }
    }
}
