package ai.jllm.backend;

import ai.jllm.sampling.SampleOutput;

import java.util.Arrays;

/**
 * Everything one forward step needs to know about its tokens, in flat int arrays that a backend can use as they are
 * (CPU) or copy to the device in one transfer (CUDA). The batch is mixed: each sequence contributes a run of
 * consecutive tokens (a whole prompt, a prefill chunk, or one decode token), and all of them run in one forward.
 *
 * <p>Allocated once for the largest step and refilled every step ({@link #clear} then {@link #addSequence}),
 * so the step loop does not allocate.
 */
public final class ForwardBatch {

    /** Which of a sequence's tokens in this step need logits. */
    public enum Logits {
        /** A prefill chunk that does not end the prompt: nothing is sampled. */
        NONE,
        /** Sample the next token: the logits of the last token. */
        LAST,
        /** Every token's logits (prompt log-probabilities, perplexity); the last one is also sampled. */
        ALL
    }

    private final int blockSize;
    private final int maxBlocksPerSequence;

    // Per token: [maxTokens]
    private final int[] tokenIds;
    private final int[] positions;
    private final int[] slotMapping;
    // Per sequence: queryStart [maxSequences + 1], seqLens and blockTables [maxSequences, maxBlocksPerSequence]
    private final int[] queryStart;
    private final int[] seqLens;
    private final int[] blockTables;
    // Rows of the hidden states whose logits are computed: [maxLogits]
    private final int[] logitsIndices;

    private int numTokens;
    private int numSequences;
    private int numLogits;
    private int sampledTokenRows;
    private SampleOutput sampledTokenSource;

    /** @param maxLogits logits rows one step may ask for (the model's logits buffer holds this many) */
    public ForwardBatch(int maxTokens, int maxSequences, int blockSize, int maxBlocksPerSequence, int maxLogits) {
        if (maxTokens <= 0 || maxSequences <= 0 || blockSize <= 0 || maxBlocksPerSequence <= 0 || maxLogits <= 0) {
            throw new IllegalArgumentException("forward batch sizes must be positive");
        }
        this.blockSize = blockSize;
        this.maxBlocksPerSequence = maxBlocksPerSequence;
        this.tokenIds = new int[maxTokens];
        this.positions = new int[maxTokens];
        this.slotMapping = new int[maxTokens];
        this.logitsIndices = new int[maxLogits];
        this.queryStart = new int[maxSequences + 1];
        this.seqLens = new int[maxSequences];
        this.blockTables = new int[maxSequences * maxBlocksPerSequence];
    }

    public void clear() {
        numTokens = 0;
        numSequences = 0;
        numLogits = 0;
        sampledTokenRows = 0;
        sampledTokenSource = null;
    }

    /**
     * Says that the token ids of rows {@code [0, rows)} are not the ones laid out (placeholders) but the tokens that
     * rows {@code [0, rows)} of the sampling into {@code source} chose, which must be the backend's latest
     * {@link Backend#sampleAsync}: the step that runs one ahead of its predecessor's tokens being read (see
     * {@link Backend#prepare}). A device backend copies them on the device; the host may not have them yet.
     */
    public void feedSampledTokens(SampleOutput source, int rows) {
        if (rows <= 0 || rows > numTokens) {
            throw new IllegalArgumentException(rows + " sampled-token rows in a batch of " + numTokens + " tokens");
        }
        sampledTokenRows = rows;
        sampledTokenSource = source;
    }

    /** Rows whose token ids come from a sampling (see {@link #feedSampledTokens}); 0 normally. */
    public int sampledTokenRows() {
        return sampledTokenRows;
    }

    /** The sampling output the first {@link #sampledTokenRows} token ids come from. */
    public SampleOutput sampledTokenSource() {
        if (sampledTokenRows == 0) {
            throw new IllegalStateException("this batch takes no token ids from a sampling");
        }
        return sampledTokenSource;
    }

    /**
     * Appends {@code count} tokens of one sequence, {@code tokens[tokenOffset .. tokenOffset + count)}, which sit at
     * positions {@code [startPosition, startPosition + count)}. The sequence's keys and values for positions before
     * {@code startPosition} are already in its blocks; these tokens' are written by this step.
     *
     * @param blockTable the sequence's blocks in order; must cover position {@code startPosition + count - 1}
     * @return the index of the first logits row this sequence got, or the number of logits rows so far if none
     */
    public int addSequence(int[] tokens, int tokenOffset, int count, int startPosition,
                           int[] blockTable, int numBlocks, Logits logits) {
        int seqLen = startPosition + count;
        if (count <= 0 || numTokens + count > tokenIds.length || numSequences == seqLens.length) {
            throw new IllegalStateException("forward batch is full: " + numTokens + " tokens, " + numSequences
                    + " sequences; adding " + count + " tokens");
        }
        if (numBlocks > maxBlocksPerSequence || (long) numBlocks * blockSize < seqLen) {
            throw new IllegalStateException("block table of " + numBlocks + " blocks cannot hold " + seqLen + " tokens");
        }
        int logitRows = logits == Logits.ALL ? count : logits == Logits.LAST ? 1 : 0;
        if (numLogits + logitRows > logitsIndices.length) {
            throw new IllegalStateException("forward batch has room for " + logitsIndices.length + " logits rows; "
                    + numLogits + " taken, " + logitRows + " more asked");
        }
        int firstLogit = numLogits;
        queryStart[numSequences] = numTokens;
        for (int i = 0; i < count; i++) {
            int position = startPosition + i;
            int row = numTokens + i;
            tokenIds[row] = tokens[tokenOffset + i];
            positions[row] = position;
            slotMapping[row] = blockTable[position / blockSize] * blockSize + position % blockSize;
            if (logits == Logits.ALL || (logits == Logits.LAST && i == count - 1)) {
                logitsIndices[numLogits++] = row;
            }
        }
        System.arraycopy(blockTable, 0, blockTables, numSequences * maxBlocksPerSequence, numBlocks);
        seqLens[numSequences] = seqLen;
        numTokens += count;
        numSequences++;
        queryStart[numSequences] = numTokens;
        return firstLogit;
    }

    public int numTokens() {
        return numTokens;
    }

    public int numSequences() {
        return numSequences;
    }

    public int numLogits() {
        return numLogits;
    }

    public int blockSize() {
        return blockSize;
    }

    public int maxBlocksPerSequence() {
        return maxBlocksPerSequence;
    }

    public int maxTokens() {
        return tokenIds.length;
    }

    public int maxSequences() {
        return seqLens.length;
    }

    // The arrays are exposed for backends to read (or copy to the device) without copying; only the first
    // numTokens / numSequences / numLogits entries are meaningful.

    /** tokenIds: [numTokens] */
    public int[] tokenIds() {
        return tokenIds;
    }

    /** positions: [numTokens], each token's position in its sequence */
    public int[] positions() {
        return positions;
    }

    /** slotMapping: [numTokens], where each token's key and value are written in the cache */
    public int[] slotMapping() {
        return slotMapping;
    }

    /** queryStart: [numSequences + 1], sequence s owns token rows [queryStart[s], queryStart[s + 1]) */
    public int[] queryStart() {
        return queryStart;
    }

    /** seqLens: [numSequences], tokens in the cache for sequence s once this step has written its own */
    public int[] seqLens() {
        return seqLens;
    }

    /** blockTables: [numSequences, maxBlocksPerSequence] */
    public int[] blockTables() {
        return blockTables;
    }

    /** logitsIndices: [numLogits], the token rows whose logits are computed, in order */
    public int[] logitsIndices() {
        return logitsIndices;
    }

    @Override
    public String toString() {
        return "ForwardBatch[tokens=" + numTokens + ", sequences=" + numSequences + ", logits=" + numLogits
                + ", seqLens=" + Arrays.toString(Arrays.copyOf(seqLens, numSequences)) + "]";
    }
}
