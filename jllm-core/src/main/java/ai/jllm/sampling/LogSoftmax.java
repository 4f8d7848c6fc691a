package ai.jllm.sampling;

/**
 * Log probabilities of one row of logits, {@code logprob[i] = x[i] - logSumExp(x)}, with the normalizer summed in
 * double precision. Shared by the sampling op and prompt logprobs so both mean the same thing.
 */
final class LogSoftmax {

    private LogSoftmax() {}

    /** log(sum(exp(x[i]))) over {@code x[offset, offset + length)}; -inf tokens contribute nothing. */
    static double logSumExp(float[] x, int offset, int length) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            max = Math.max(max, x[offset + i]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        double sum = 0;
        for (int i = 0; i < length; i++) {
            sum += Math.exp((double) x[offset + i] - max);
        }
        return max + Math.log(sum);
    }

    /** vLLM's rank of {@code token}: how many tokens have a logit at least as large as its own. */
    static int rank(float[] x, int offset, int length, int token) {
        float value = x[offset + token];
        int rank = 0;
        for (int i = 0; i < length; i++) {
            if (x[offset + i] >= value) {
                rank++;
            }
        }
        return rank;
    }

    /**
     * Writes the {@code count} largest entries of the row, largest first and ties by lower id, as token ids and log
     * probabilities into {@code ids / logprobs[outOffset, outOffset + count)}.
     */
    static void top(float[] x, int offset, int length, int count, double logSumExp,
                    int[] ids, float[] logprobs, int outOffset) {
        if (count == 0) {
            return;
        }
        // Insertion into the sorted output; most logits fail the first comparison with the current last entry.
        int filled = 0;
        for (int i = 0; i < length; i++) {
            float value = x[offset + i];
            if (filled == count && !(value > logprobs[outOffset + count - 1])) {
                continue;
            }
            int at = filled < count ? filled++ : count - 1;
            while (at > 0 && value > logprobs[outOffset + at - 1]) {
                ids[outOffset + at] = ids[outOffset + at - 1];
                logprobs[outOffset + at] = logprobs[outOffset + at - 1];
                at--;
            }
            ids[outOffset + at] = i;
            logprobs[outOffset + at] = value;
        }
        for (int j = 0; j < filled; j++) {
            logprobs[outOffset + j] = (float) (logprobs[outOffset + j] - logSumExp);
        }
    }
}
