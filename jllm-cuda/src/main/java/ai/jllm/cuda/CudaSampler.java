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
    private MemorySegment hostParams;
    private MemorySegment hostResults;

    /** One device allocation that grows (freeing the old one) when asked for more. */
    private final class Buffer {
        private long pointer;
        private long bytes;

        long atLeast(long wanted) {
            if (wanted > bytes) {
                if (bytes > 0) {
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

    CudaSampler(CudaDriver driver, Kernels kernels, long stream) {
        this.driver = driver;
        this.kernels = kernels;
        this.stream = stream;
        this.hostParams = driver.hostAlloc(1 << 16);
        this.hostResults = driver.hostAlloc(1 << 16);
    }

    /** Samples every row of {@code batch} from {@code logits} [rows, V] f32 into {@code out}; waits for the result. */
    void sample(CudaTensor logits, SamplingBatch batch, SampleOutput out, StepTimer timer) {
        int rows = batch.numRows();
        if (rows == 0) {
            return;
        }
        int vocab = batch.vocabSize();
        check(logits, batch, out);
        long paramBytes = 4 * SamplingUpload.words(batch);
        if (hostParams.byteSize() < paramBytes) {
            driver.hostFree(hostParams);
            hostParams = driver.hostAlloc(Math.max(paramBytes, 2 * hostParams.byteSize()));
        }
        SamplingUpload upload = SamplingUpload.pack(batch, hostParams);
        int maxTop = out.maxTopLogprobs();
        long resultWords = 3L * rows + 2L * rows * maxTop;
        long resultBytes = 4 * resultWords;
        if (hostResults.byteSize() < resultBytes) {
            driver.hostFree(hostResults);
            hostResults = driver.hostAlloc(Math.max(resultBytes, 2 * hostResults.byteSize()));
        }
        int chunks = (vocab + CHUNK - 1) / CHUNK;
        long deviceParams = params.atLeast(4L * upload.words());
        long deviceWork = work.atLeast(Math.max(1, (long) upload.workRows() * vocab * Float.BYTES));
        long deviceChunks = chunkStats.atLeast((long) rows * chunks * CHUNK_STATS_BYTES);
        long deviceResults = results.atLeast(resultBytes);

        driver.copyHostToDevice(deviceParams, hostParams, 4L * upload.words(), stream);
        kernels.samplePrepare(logits.pointer(), vocab, deviceParams, rows, upload.masked(), upload.penalties(),
                deviceWork, deviceChunks, chunks);
        kernels.sampleFinish(logits.pointer(), vocab, deviceParams, rows, upload.masked(), upload.penalties(),
                deviceWork, deviceChunks, chunks, maxTop, deviceResults);
        long readBack = !upload.logprobs() ? rows : upload.topEntries() ? resultWords : 3L * rows;
        driver.copyDeviceToHost(hostResults, deviceResults, 4 * readBack, stream);
        timer.sampleEnds();
        driver.streamSynchronize(stream);
        timer.completed();
        unpack(batch, out, rows, maxTop);
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

    private void unpack(SamplingBatch batch, SampleOutput out, int rows, int maxTop) {
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
        driver.hostFree(hostParams);
        driver.hostFree(hostResults);
    }
}
