package ai.jllm.sampling;

import java.util.Arrays;

/**
 * The sampling op on the host, and the reference every backend's {@code sample} is tested against. For each row of a
 * {@link SamplingBatch}, in this order:
 * <ol>
 *   <li>penalties: repetition (Hugging Face: a positive logit of a token seen in the prompt or output is divided by
 *       the penalty, a negative one multiplied), then frequency and presence (OpenAI: output tokens only,
 *       {@code logit -= frequency * count + presence});</li>
 *   <li>masks: listed tokens become -inf;</li>
 *   <li>greedy rows (temperature 0 or top-k 1) take the argmax here, the first one on ties as torch.argmax;</li>
 *   <li>temperature: probabilities are {@code softmax(logits / temperature)};</li>
 *   <li>top-k: tokens below the k-th largest logit are dropped (ties with it stay);</li>
 *   <li>top-p: of the rest, most likely first (ties by lower id), tokens are kept while the probability mass before
 *       them is below p of the total;</li>
 *   <li>min-p: tokens whose probability is below min-p times the largest are dropped;</li>
 *   <li>draw: with {@code u = Philox.uniform(seed, counter)}, the first token in id order whose cumulative kept
 *       probability exceeds {@code u} times the kept total.</li>
 * </ol>
 * A row whose every token is masked comes out as token 0 (there is nothing to choose from). Log probabilities follow
 * the row's {@link LogprobsMode}. Probabilities and sums are computed in double precision.
 *
 * <p>Owns scratch buffers for one vocabulary and so serves one thread; nothing is allocated per call.
 */
public final class HostSampling {

    private final int vocabSize;
    private final float[] work;      // [V] the row after penalties and masks
    private final double[] weights;  // [V] unnormalized probabilities, 0 for dropped tokens
    private final float[] selection; // [V] scratch for the k-th largest logit
    private final long[] order;      // [V] top-p candidates as sortable keys

    public HostSampling(int vocabSize) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.work = new float[vocabSize];
        this.weights = new double[vocabSize];
        this.selection = new float[vocabSize];
        this.order = new long[vocabSize];
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Samples every row of {@code batch}.  logits: [rows, V] row-major */
    public void sample(float[] logits, SamplingBatch batch, SampleOutput out) {
        for (int row = 0; row < batch.numRows(); row++) {
            sampleRow(logits, batch, row, out);
        }
    }

    /** Samples row {@code row} of {@code batch} from its logits row and writes row {@code row} of {@code out}. */
    public void sampleRow(float[] logits, SamplingBatch batch, int row, SampleOutput out) {
        checkShapes(logits, batch, row, out);
        int offset = batch.logitsRows()[row] * vocabSize;
        System.arraycopy(logits, offset, work, 0, vocabSize);
        applyPenalties(batch, row);
        int[] maskTokens = batch.maskTokens();
        for (int e = batch.maskStart()[row]; e < batch.maskStart()[row + 1]; e++) {
            work[maskTokens[e]] = Float.NEGATIVE_INFINITY;
        }
        int token = batch.greedy(row) ? argmax(work, 0, vocabSize) : draw(batch, row);
        out.tokenIds()[row] = token;
        switch (batch.logprobsMode(row)) {
            case NONE -> { }
            case MODEL -> writeLogprobs(logits, offset, token, batch.numTopLogprobs()[row], out, row);
            case PENALIZED -> writeLogprobs(work, 0, token, batch.numTopLogprobs()[row], out, row);
        }
    }

    private void checkShapes(float[] logits, SamplingBatch batch, int row, SampleOutput out) {
        if (batch.vocabSize() != vocabSize) {
            throw new IllegalArgumentException("sampling batch is for a vocabulary of " + batch.vocabSize()
                    + ", the sampler for " + vocabSize);
        }
        long end = (batch.logitsRows()[row] + 1L) * vocabSize;
        if (end > logits.length) {
            throw new IllegalArgumentException("row " + row + " samples logits row " + batch.logitsRows()[row]
                    + " but the logits hold " + logits.length / vocabSize + " rows");
        }
        if (row >= out.maxRows()) {
            throw new IllegalArgumentException("sample output has " + out.maxRows() + " rows, row " + row + " asked");
        }
        int top = batch.numTopLogprobs()[row];
        if (top > out.maxTopLogprobs() || top > vocabSize) {
            throw new IllegalArgumentException("row " + row + " asks for " + top + " top logprobs; the output holds "
                    + out.maxTopLogprobs() + " and the vocabulary " + vocabSize);
        }
    }

    private void applyPenalties(SamplingBatch batch, int row) {
        if (!batch.penalized(row)) {
            return;
        }
        float repetition = batch.repetitionPenalties()[row];
        float presence = batch.presencePenalties()[row];
        float frequency = batch.frequencyPenalties()[row];
        int[] tokens = batch.penaltyTokens();
        int[] counts = batch.penaltyOutputCounts();
        byte[] inPrompt = batch.penaltyInPrompt();
        for (int e = batch.penaltyStart()[row]; e < batch.penaltyStart()[row + 1]; e++) {
            int token = tokens[e];
            int count = counts[e];
            float logit = work[token];
            if (count > 0 || inPrompt[e] != 0) {
                logit = logit > 0 ? logit / repetition : logit * repetition;
            }
            if (count > 0) {
                logit -= frequency * count;
                logit -= presence;
            }
            work[token] = logit;
        }
    }

    private int draw(SamplingBatch batch, int row) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabSize; i++) {
            max = Math.max(max, work[i]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return 0;
        }
        int topK = batch.topKs()[row];
        float threshold = topK > 0 && topK < vocabSize ? kthLargest(topK) : Float.NEGATIVE_INFINITY;
        double inverseTemperature = 1.0 / batch.temperatures()[row];
        double total = 0;
        int candidates = 0;
        for (int i = 0; i < vocabSize; i++) {
            // The largest logit gets weight exactly 1, which min-p below relies on.
            double weight = work[i] >= threshold ? Math.exp((work[i] - max) * inverseTemperature) : 0;
            weights[i] = weight;
            total += weight;
            if (weight > 0) {
                candidates++;
            }
        }
        float topP = batch.topPs()[row];
        if (topP < 1) {
            applyTopP(topP, total, candidates);
        }
        float minP = batch.minPs()[row];
        if (minP > 0) {
            for (int i = 0; i < vocabSize; i++) {
                if (weights[i] < minP) {
                    weights[i] = 0;
                }
            }
        }
        double kept = 0;
        for (int i = 0; i < vocabSize; i++) {
            kept += weights[i];
        }
        double target = Philox.uniform(batch.seeds()[row], batch.counters()[row]) * kept;
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < vocabSize; i++) {
            if (weights[i] > 0) {
                cumulative += weights[i];
                last = i;
                if (cumulative > target) {
                    return i;
                }
            }
        }
        return last;
    }

    /**
     * Drops every token after the nucleus. Only tokens of weight above {@code (1 - p) * total / (2 * candidates)} are
     * sorted: a token at or below {@code (1 - p) * total / candidates} cannot be in the nucleus, since it and all
     * less likely tokens together hold at most {@code 1 - p} of the mass.
     */
    private void applyTopP(float topP, double total, int candidates) {
        double floor = (1 - topP) * total / (2.0 * candidates);
        int sorted = 0;
        for (int i = 0; i < vocabSize; i++) {
            if (weights[i] > floor) {
                order[sorted++] = sortKey(i);
            }
        }
        Arrays.sort(order, 0, sorted);
        double mass = topP * total;
        double before = 0;
        long lastKept = order[sorted - 1];
        for (int c = sorted - 1; c >= 0 && before < mass; c--) {
            lastKept = order[c];
            before += weights[tokenOf(order[c])];
        }
        for (int i = 0; i < vocabSize; i++) {
            if (weights[i] > 0 && sortKey(i) < lastKept) {
                weights[i] = 0;
            }
        }
    }

    /** Orders tokens by logit ascending, then by id descending, so the most likely come last, lower ids first. */
    private long sortKey(int token) {
        int bits = Float.floatToRawIntBits(work[token]);
        int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ordered << 32) | (Integer.MAX_VALUE - token);
    }

    private static int tokenOf(long key) {
        return Integer.MAX_VALUE - (int) key;
    }

    /** The k-th largest value of the work row (ties counted once each), by quickselect on a copy. */
    private float kthLargest(int k) {
        System.arraycopy(work, 0, selection, 0, vocabSize);
        int target = vocabSize - k;
        int low = 0;
        int high = vocabSize - 1;
        while (low < high) {
            float pivot = medianOfThree(selection[low], selection[(low + high) >>> 1], selection[high]);
            int i = low;
            int j = high;
            while (i <= j) {
                while (selection[i] < pivot) {
                    i++;
                }
                while (selection[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    float swap = selection[i];
                    selection[i++] = selection[j];
                    selection[j--] = swap;
                }
            }
            if (target <= j) {
                high = j;
            } else if (target >= i) {
                low = i;
            } else {
                return selection[target];
            }
        }
        return selection[target];
    }

    private static float medianOfThree(float a, float b, float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    private void writeLogprobs(float[] source, int offset, int token, int topCount, SampleOutput out, int row) {
        double logSumExp = LogSoftmax.logSumExp(source, offset, vocabSize);
        out.logprobs()[row] = (float) (source[offset + token] - logSumExp);
        out.ranks()[row] = LogSoftmax.rank(source, offset, vocabSize, token);
        LogSoftmax.top(source, offset, vocabSize, topCount, logSumExp, out.topTokenIds(), out.topLogprobs(),
                row * out.maxTopLogprobs());
    }

    /** The first index of the largest value, as torch.argmax. */
    static int argmax(float[] values, int offset, int length) {
        int best = 0;
        float bestValue = values[offset];
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > bestValue) {
                bestValue = values[offset + i];
                best = i;
            }
        }
        return best;
    }
}
