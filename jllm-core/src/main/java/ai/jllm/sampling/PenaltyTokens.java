package ai.jllm.sampling;

/**
 * Turns a sequence's tokens into the penalty entries of its {@link SamplingBatch} row: each distinct token once, with
 * its count in the output and whether the prompt holds it, in order of first appearance. Counting is redone each step
 * over the sequence (a pass over an int array), with dense per-vocabulary scratch that is reset as it is read, so
 * nothing is allocated and no per-sequence state has to be kept in step with preemption or beam forks.
 *
 * <p>Owns scratch for one vocabulary and so serves one thread.
 */
public final class PenaltyTokens {

    private final int[] outputCounts; // [V], all zero between calls
    private final byte[] inPrompt;    // [V], all zero between calls
    private final boolean[] listed;   // [V], all false between calls
    private final int[] distinct;     // [V] tokens in order of first appearance

    public PenaltyTokens(int vocabSize) {
        this.outputCounts = new int[vocabSize];
        this.inPrompt = new byte[vocabSize];
        this.listed = new boolean[vocabSize];
        this.distinct = new int[vocabSize];
    }

    /**
     * Adds the penalty entries of the batch's last row for a sequence whose tokens are {@code tokens[0, length)}, the
     * first {@code promptLength} of them the prompt. Adds nothing when the row's penalties are all off; prompt-only
     * tokens are left out when the repetition penalty is off, since only it looks at the prompt.
     */
    public void addEntries(SamplingBatch batch, int[] tokens, int promptLength, int length) {
        int row = batch.numRows() - 1;
        if (row < 0) {
            throw new IllegalStateException("add a row first");
        }
        if (!batch.penalized(row)) {
            return;
        }
        boolean promptCounts = batch.repetitionPenalties()[row] != 1;
        int count = 0;
        for (int i = promptCounts ? 0 : promptLength; i < length; i++) {
            int token = tokens[i];
            if (!listed[token]) {
                listed[token] = true;
                distinct[count++] = token;
            }
            if (i < promptLength) {
                inPrompt[token] = 1;
            } else {
                outputCounts[token]++;
            }
        }
        try {
            for (int d = 0; d < count; d++) {
                int token = distinct[d];
                batch.addPenaltyToken(token, outputCounts[token], inPrompt[token] != 0);
            }
        } finally {
            for (int d = 0; d < count; d++) {
                int token = distinct[d];
                outputCounts[token] = 0;
                inPrompt[token] = 0;
                listed[token] = false;
            }
        }
    }
}
