package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import ai.jllm.sampling.SamplingBatch;
import java.lang.foreign.MemorySegment;

/**
 * A {@link SamplingBatch} packed into the one block of 32-bit words that sampling.cu reads (floats as their bits,
 * 64-bit seeds and counters as low and high words, bytes widened). For R rows, M masked tokens and P penalty
 * entries:
 * <pre>
 *   15 sections of R words: logits row, temperature, top-k, top-p, min-p, repetition, presence, frequency penalty,
 *                           seed low, seed high, counter low, counter high, logprobs mode, top count, work row
 *   maskStart [R + 1], penaltyStart [R + 1], maskTokens [M], penaltyTokens [P], penaltyCounts [P],
 *   penaltyInPrompt [P]
 * </pre>
 * A row whose penalties or masks change its logits gets a work row of its own (numbered in row order); the others
 * sample their logits row as it is, and their work-row word is 0.
 *
 * @param words      the words written
 * @param workRows   rows that need a work row
 * @param masked     M
 * @param penalties  P
 * @param logprobs   whether any row asks for log probabilities
 * @param topEntries whether any row asks for top entries
 */
record SamplingUpload(int words, int workRows, int masked, int penalties, boolean logprobs, boolean topEntries) {

    static final int SECTIONS = 15;

    /** Words the batch takes. */
    static long words(SamplingBatch batch) {
        int rows = batch.numRows();
        return (long) SECTIONS * rows + 2L * (rows + 1) + batch.maskStart()[rows] + 3L * batch.penaltyStart()[rows];
    }

    /** Packs the batch's rows into {@code target}, which holds at least {@link #words} words. */
    static SamplingUpload pack(SamplingBatch batch, MemorySegment target) {
        int rows = batch.numRows();
        int masked = batch.maskStart()[rows];
        int penalties = batch.penaltyStart()[rows];
        int workRows = 0;
        boolean logprobs = false;
        boolean topEntries = false;
        for (int r = 0; r < rows; r++) {
            boolean modified = batch.penalized(r) || batch.maskStart()[r + 1] > batch.maskStart()[r];
            put(target, 0, rows, r, batch.logitsRows()[r]);
            put(target, 1, rows, r, Float.floatToRawIntBits(batch.temperatures()[r]));
            put(target, 2, rows, r, batch.topKs()[r]);
            put(target, 3, rows, r, Float.floatToRawIntBits(batch.topPs()[r]));
            put(target, 4, rows, r, Float.floatToRawIntBits(batch.minPs()[r]));
            put(target, 5, rows, r, Float.floatToRawIntBits(batch.repetitionPenalties()[r]));
            put(target, 6, rows, r, Float.floatToRawIntBits(batch.presencePenalties()[r]));
            put(target, 7, rows, r, Float.floatToRawIntBits(batch.frequencyPenalties()[r]));
            put(target, 8, rows, r, (int) batch.seeds()[r]);
            put(target, 9, rows, r, (int) (batch.seeds()[r] >>> 32));
            put(target, 10, rows, r, (int) batch.counters()[r]);
            put(target, 11, rows, r, (int) (batch.counters()[r] >>> 32));
            put(target, 12, rows, r, batch.logprobsModes()[r]);
            put(target, 13, rows, r, batch.numTopLogprobs()[r]);
            put(target, 14, rows, r, modified ? workRows++ : 0);
            logprobs |= batch.logprobsModes()[r] != 0;
            topEntries |= batch.numTopLogprobs()[r] > 0;
        }
        long at = (long) SECTIONS * rows;
        at = copy(batch.maskStart(), rows + 1, target, at);
        at = copy(batch.penaltyStart(), rows + 1, target, at);
        at = copy(batch.maskTokens(), masked, target, at);
        at = copy(batch.penaltyTokens(), penalties, target, at);
        at = copy(batch.penaltyOutputCounts(), penalties, target, at);
        byte[] inPrompt = batch.penaltyInPrompt();
        for (int e = 0; e < penalties; e++) {
            target.setAtIndex(JAVA_INT, at + e, inPrompt[e]);
        }
        at += penalties;
        return new SamplingUpload(Math.toIntExact(at), workRows, masked, penalties, logprobs, topEntries);
    }

    private static void put(MemorySegment target, int section, int rows, int row, int value) {
        target.setAtIndex(JAVA_INT, (long) section * rows + row, value);
    }

    private static long copy(int[] values, int count, MemorySegment target, long at) {
        MemorySegment.copy(values, 0, target, JAVA_INT, 4 * at, count);
        return at + count;
    }
}
