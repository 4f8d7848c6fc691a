package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import ai.jllm.backend.ForwardBatch;
import java.lang.foreign.MemorySegment;

/**
 * A step's metadata on the device: a pinned host buffer, packed by {@link #upload} and copied in one transfer
 * into one device buffer. Two pinned buffers alternate, each with an event after its copy: a step may be uploaded
 * while the one before it still runs (overlap, and a padded decode step's second upload), and packing must not wait
 * for the device to reach the earlier copy. The sections are packed back to back in a fixed order, so two steps of the same sizes put
 * every section at the same device address (what a replayed CUDA graph needs).
 *
 * <p>Sections, in ints: tokenIds [T], positions [T], slots [T], tokenSequence [T] (the sequence each token row belongs
 * to), queryStart [S + 1] (sequence s's rows are [queryStart[s], queryStart[s + 1])), logitsIndices [L],
 * blockTables [S, maxBlocksPerSequence].
 */
final class StepMetadata implements AutoCloseable {

    private static final long INITIAL_INTS = 1 << 16;

    private final CudaDriver driver;
    private final long stream;
    private final long[] copiedEvents = new long[2];
    private final MemorySegment[] pinnedBuffers = new MemorySegment[2];
    private int current;
    private MemorySegment pinned;
    private long device;
    private long capacityInts;

    private long tokenIds;
    private long positions;
    private long slots;
    private long tokenSequence;
    private long queryStart;
    private long logitsIndices;
    private long blockTables;

    StepMetadata(CudaDriver driver, long stream) {
        this.driver = driver;
        this.stream = stream;
        this.copiedEvents[0] = driver.eventCreate(CudaDriver.CU_EVENT_DISABLE_TIMING);
        this.copiedEvents[1] = driver.eventCreate(CudaDriver.CU_EVENT_DISABLE_TIMING);
        allocate(INITIAL_INTS);
    }

    /** @return whether the device buffer moved (step recordings that captured its old address are invalid) */
    boolean upload(ForwardBatch batch) {
        return upload(batch, batch.numTokens(), 0);
    }

    /**
     * Uploads a decode step padded to {@code rows} sequences of one token each: row t ≥ batch.numTokens() is token 0
     * at position 0 of a sequence of its own whose every block is {@code paddingBlock}, and computes logits row t.
     * With the batch's own row count this is the plain upload.
     *
     * @return whether the device buffer moved (step recordings that captured its old address are invalid)
     */
    boolean upload(ForwardBatch batch, int rows, int paddingBlock) {
        int real = batch.numTokens();
        boolean padded = rows > real;
        int logits = padded ? rows : batch.numLogits();
        int sequences = padded ? rows : batch.numSequences();
        int maxBlocks = batch.maxBlocksPerSequence();
        long total = 4L * rows + sequences + 1 + logits + (long) sequences * maxBlocks;
        // The copy before last read this pinned buffer until it completed.
        current ^= 1;
        driver.eventSynchronize(copiedEvents[current]);
        boolean moved = total > capacityInts;
        if (moved) {
            driver.eventSynchronize(copiedEvents[current ^ 1]);
            free();
            allocate(Math.max(total, 2 * capacityInts));
        }
        pinned = pinnedBuffers[current];
        int padding = rows - real;
        long at = 0;
        at = fill(0, padding, section(batch.tokenIds(), real, at));
        tokenIds = device;
        positions = device + 4 * at;
        at = fill(0, padding, section(batch.positions(), real, at));
        slots = device + 4 * at;
        at = fill(paddingBlock * batch.blockSize(), padding, section(batch.slotMapping(), real, at));
        tokenSequence = device + 4 * at;
        int[] queryStart = batch.queryStart();
        for (int s = 0; s < batch.numSequences(); s++) {
            for (int t = queryStart[s]; t < queryStart[s + 1]; t++) {
                pinned.setAtIndex(JAVA_INT, at + t, s);
            }
        }
        for (int t = real; t < rows; t++) {
            pinned.setAtIndex(JAVA_INT, at + t, t);
        }
        at += rows;
        this.queryStart = device + 4 * at;
        at = section(queryStart, batch.numSequences() + 1, at);
        // Each padding row is a sequence of its own.
        for (int t = real + 1; t <= rows; t++) {
            pinned.setAtIndex(JAVA_INT, at++, t);
        }
        logitsIndices = device + 4 * at;
        at = section(batch.logitsIndices(), batch.numLogits(), at);
        for (int t = batch.numLogits(); t < logits; t++) {
            pinned.setAtIndex(JAVA_INT, at++, t);
        }
        blockTables = device + 4 * at;
        at = section(batch.blockTables(), batch.numSequences() * maxBlocks, at);
        at = fill(paddingBlock, (sequences - batch.numSequences()) * maxBlocks, at);
        driver.copyHostToDevice(device, pinned, 4 * at, stream);
        driver.eventRecord(copiedEvents[current], stream);
        return moved;
    }

    private long section(int[] values, int count, long at) {
        MemorySegment.copy(values, 0, pinned, JAVA_INT, 4 * at, count);
        return at + count;
    }

    private long fill(int value, int count, long at) {
        for (int i = 0; i < count; i++) {
            pinned.setAtIndex(JAVA_INT, at + i, value);
        }
        return at + count;
    }

    private void allocate(long ints) {
        pinnedBuffers[0] = driver.hostAlloc(4 * ints);
        pinnedBuffers[1] = driver.hostAlloc(4 * ints);
        device = driver.memAlloc(4 * ints);
        capacityInts = ints;
    }

    /** Frees the buffers; the device buffer only once the stream has finished with it (steps may be in flight). */
    private void free() {
        driver.streamSynchronize(stream);
        driver.hostFree(pinnedBuffers[0]);
        driver.hostFree(pinnedBuffers[1]);
        driver.memFree(device);
    }

    /** tokenIds: [T] */
    long tokenIds() {
        return tokenIds;
    }

    /** positions: [T] */
    long positions() {
        return positions;
    }

    /** slots: [T] */
    long slots() {
        return slots;
    }

    /** tokenSequence: [T] */
    long tokenSequence() {
        return tokenSequence;
    }

    /** queryStart: [S + 1] */
    long queryStart() {
        return queryStart;
    }

    /** logitsIndices: [L] */
    long logitsIndices() {
        return logitsIndices;
    }

    /** blockTables: [S, maxBlocksPerSequence] */
    long blockTables() {
        return blockTables;
    }

    @Override
    public void close() {
        free();
        driver.eventDestroy(copiedEvents[0]);
        driver.eventDestroy(copiedEvents[1]);
    }
}
