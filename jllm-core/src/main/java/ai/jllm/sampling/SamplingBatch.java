package ai.jllm.sampling;

/**
 * What the sampling op needs to choose one token per row, in flat arrays a kernel can take as they are: per-row
 * settings, and two CSR lists per row (tokens to mask, tokens to penalize). Allocated once for the largest step and
 * refilled every step without allocating: {@link #clear()}, then per row {@link #addRow} followed by that row's
 * {@link #maskToken} and {@link #addPenaltyToken} calls.
 *
 * <p>Per row r, in [0, {@link #numRows()}):
 * <ul>
 *   <li>{@code logitsRows[r]}: the logits row it samples from, so several rows may share one (n samples of one
 *       prompt) and prompt-logprob rows can be skipped;</li>
 *   <li>{@code temperatures[r]} (0 = greedy), {@code topKs[r]} (0 = all tokens; 1 = greedy), {@code topPs[r]}
 *       (1 = off), {@code minPs[r]} (0 = off);</li>
 *   <li>{@code repetitionPenalties[r]} (1 = off), {@code presencePenalties[r]}, {@code frequencyPenalties[r]}
 *       (0 = off);</li>
 *   <li>{@code seeds[r]} and {@code counters[r]}: the draw is {@code Philox.uniform(seed, counter)}, with the
 *       counter the index of the draw within the sequence (its output position), so a row samples the same
 *       whatever else is in the batch;</li>
 *   <li>{@code logprobsModes[r]}: a {@link LogprobsMode} ordinal, and {@code numTopLogprobs[r]} top entries.</li>
 * </ul>
 * Masked tokens of row r: {@code maskTokens[maskStart[r] .. maskStart[r + 1])}. Penalized tokens of row r, entries
 * {@code e} in {@code [penaltyStart[r], penaltyStart[r + 1])}: token {@code penaltyTokens[e]}, its count in the
 * output {@code penaltyOutputCounts[e]} and {@code penaltyInPrompt[e]} (1 if the prompt holds it, else 0).
 */
public final class SamplingBatch {

    private final int vocabSize;

    // Per row: [maxRows]
    private final int[] logitsRows;
    private final float[] temperatures;
    private final int[] topKs;
    private final float[] topPs;
    private final float[] minPs;
    private final float[] repetitionPenalties;
    private final float[] presencePenalties;
    private final float[] frequencyPenalties;
    private final long[] seeds;
    private final long[] counters;
    private final byte[] logprobsModes;
    private final int[] numTopLogprobs;
    // CSR: maskStart [maxRows + 1], maskTokens [maxMaskedTokens]
    private final int[] maskStart;
    private final int[] maskTokens;
    // CSR: penaltyStart [maxRows + 1], entries [maxPenaltyEntries]
    private final int[] penaltyStart;
    private final int[] penaltyTokens;
    private final int[] penaltyOutputCounts;
    private final byte[] penaltyInPrompt;

    private int numRows;

    /**
     * @param maxMaskedTokens   masked tokens one step may list over all rows
     * @param maxPenaltyEntries penalty entries one step may list over all rows (at most the distinct tokens of the
     *                          penalized sequences)
     */
    public SamplingBatch(int maxRows, int vocabSize, int maxMaskedTokens, int maxPenaltyEntries) {
        if (maxRows <= 0 || vocabSize <= 0 || maxMaskedTokens < 0 || maxPenaltyEntries < 0) {
            throw new IllegalArgumentException("sampling batch sizes must be positive");
        }
        this.vocabSize = vocabSize;
        this.logitsRows = new int[maxRows];
        this.temperatures = new float[maxRows];
        this.topKs = new int[maxRows];
        this.topPs = new float[maxRows];
        this.minPs = new float[maxRows];
        this.repetitionPenalties = new float[maxRows];
        this.presencePenalties = new float[maxRows];
        this.frequencyPenalties = new float[maxRows];
        this.seeds = new long[maxRows];
        this.counters = new long[maxRows];
        this.logprobsModes = new byte[maxRows];
        this.numTopLogprobs = new int[maxRows];
        this.maskStart = new int[maxRows + 1];
        this.maskTokens = new int[maxMaskedTokens];
        this.penaltyStart = new int[maxRows + 1];
        this.penaltyTokens = new int[maxPenaltyEntries];
        this.penaltyOutputCounts = new int[maxPenaltyEntries];
        this.penaltyInPrompt = new byte[maxPenaltyEntries];
    }

    public void clear() {
        numRows = 0;
    }

    /**
     * Adds a row with the settings of {@code params}; its log probabilities are {@link LogprobsMode#MODEL} with
     * {@code params.logprobs()} top entries when the request asked for them, else none.
     *
     * @param logitsRow the row of the logits tensor to sample from
     * @param seed      the sequence's seed (the request's, or one drawn for it at random)
     * @param counter   the index of this draw within the sequence: its output length so far
     * @return the new row's index
     */
    public int addRow(int logitsRow, SamplingParams params, long seed, long counter) {
        if (numRows == logitsRows.length) {
            throw new IllegalStateException("sampling batch is full: " + numRows + " rows");
        }
        if (logitsRow < 0) {
            throw new IllegalArgumentException("logits row " + logitsRow + " is negative");
        }
        int row = numRows++;
        logitsRows[row] = logitsRow;
        temperatures[row] = (float) params.temperature();
        topKs[row] = params.topK().orElse(0);
        topPs[row] = (float) params.topP();
        minPs[row] = (float) params.minP();
        repetitionPenalties[row] = (float) params.repetitionPenalty();
        presencePenalties[row] = (float) params.presencePenalty();
        frequencyPenalties[row] = (float) params.frequencyPenalty();
        seeds[row] = seed;
        counters[row] = counter;
        logprobsModes[row] = (byte) (params.logprobs().isPresent() ? LogprobsMode.MODEL : LogprobsMode.NONE).ordinal();
        numTopLogprobs[row] = params.logprobs().orElse(0);
        maskStart[row + 1] = maskStart[row];
        penaltyStart[row + 1] = penaltyStart[row];
        return row;
    }

    /** Overrides the last row's log probabilities (beam search asks for {@link LogprobsMode#PENALIZED} ones). */
    public void setLogprobs(LogprobsMode mode, int topCount) {
        int row = lastRow();
        if (topCount < 0 || (mode == LogprobsMode.NONE && topCount > 0)) {
            throw new IllegalArgumentException("cannot return " + topCount + " top logprobs in mode " + mode);
        }
        logprobsModes[row] = (byte) mode.ordinal();
        numTopLogprobs[row] = topCount;
    }

    /** Masks {@code tokenId} to -inf in the last row (before temperature and truncation). */
    public void maskToken(int tokenId) {
        int row = lastRow();
        checkToken(tokenId);
        int end = maskStart[row + 1];
        if (end == maskTokens.length) {
            throw new IllegalStateException("sampling batch has room for " + maskTokens.length + " masked tokens");
        }
        maskTokens[end] = tokenId;
        maskStart[row + 1] = end + 1;
    }

    /**
     * Lists {@code tokenId} for the last row's penalties. Each token at most once per row.
     *
     * @param outputCount how many times the output holds it (presence and frequency penalties)
     * @param inPrompt    whether the prompt holds it (the repetition penalty counts prompt and output)
     */
    public void addPenaltyToken(int tokenId, int outputCount, boolean inPrompt) {
        int row = lastRow();
        checkToken(tokenId);
        if (outputCount < 0) {
            throw new IllegalArgumentException("output count of token " + tokenId + " is negative");
        }
        int end = penaltyStart[row + 1];
        if (end == penaltyTokens.length) {
            throw new IllegalStateException("sampling batch has room for " + penaltyTokens.length
                    + " penalty entries");
        }
        penaltyTokens[end] = tokenId;
        penaltyOutputCounts[end] = outputCount;
        penaltyInPrompt[end] = (byte) (inPrompt ? 1 : 0);
        penaltyStart[row + 1] = end + 1;
    }

    private int lastRow() {
        if (numRows == 0) {
            throw new IllegalStateException("add a row first");
        }
        return numRows - 1;
    }

    private void checkToken(int tokenId) {
        if (tokenId < 0 || tokenId >= vocabSize) {
            throw new IllegalArgumentException("token id " + tokenId + " is outside the vocabulary of " + vocabSize);
        }
    }

    /** Argmax instead of a draw: temperature 0 or top-k 1. */
    public boolean greedy(int row) {
        return temperatures[row] == 0 || topKs[row] == 1;
    }

    /** Whether any penalty of the row changes logits. */
    public boolean penalized(int row) {
        return repetitionPenalties[row] != 1 || presencePenalties[row] != 0 || frequencyPenalties[row] != 0;
    }

    public LogprobsMode logprobsMode(int row) {
        return LogprobsMode.ofOrdinal(logprobsModes[row]);
    }

    public int numRows() {
        return numRows;
    }

    public int maxRows() {
        return logitsRows.length;
    }

    public int vocabSize() {
        return vocabSize;
    }

    // The arrays themselves, for a backend to read or copy; valid for the first numRows() rows.

    public int[] logitsRows() {
        return logitsRows;
    }

    public float[] temperatures() {
        return temperatures;
    }

    public int[] topKs() {
        return topKs;
    }

    public float[] topPs() {
        return topPs;
    }

    public float[] minPs() {
        return minPs;
    }

    public float[] repetitionPenalties() {
        return repetitionPenalties;
    }

    public float[] presencePenalties() {
        return presencePenalties;
    }

    public float[] frequencyPenalties() {
        return frequencyPenalties;
    }

    public long[] seeds() {
        return seeds;
    }

    public long[] counters() {
        return counters;
    }

    public byte[] logprobsModes() {
        return logprobsModes;
    }

    public int[] numTopLogprobs() {
        return numTopLogprobs;
    }

    public int[] maskStart() {
        return maskStart;
    }

    public int[] maskTokens() {
        return maskTokens;
    }

    public int[] penaltyStart() {
        return penaltyStart;
    }

    public int[] penaltyTokens() {
        return penaltyTokens;
    }

    public int[] penaltyOutputCounts() {
        return penaltyOutputCounts;
    }

    public byte[] penaltyInPrompt() {
        return penaltyInPrompt;
    }
}
