package ai.jllm.sampling;

import java.util.Arrays;

/**
 * Chooses the next token from one row of logits on the host: greedy argmax, or temperature → top-k → top-p
 * (the order Hugging Face applies its warpers in) followed by one inverse-CDF draw from {@link Philox}.
 * Owns scratch buffers for a vocabulary, so one instance serves one thread.
 */
public final class Sampler {

    private final float[] probabilities;
    private final long[] order;

    public Sampler(int vocabSize) {
        this.probabilities = new float[vocabSize];
        this.order = new long[vocabSize];
    }

    /**
     * @param logits   holds the row at {@code [offset, offset + vocabSize)}; suppressed tokens are already -inf
     * @param seed     the request's seed
     * @param counter  the draw's index within the request (its output position)
     */
    public int sample(float[] logits, int offset, SamplingParams params, long seed, long counter) {
        int vocab = probabilities.length;
        if (params.greedy()) {
            return argmax(logits, offset, vocab);
        }
        float inverseTemperature = (float) (1.0 / params.temperature());
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i] * inverseTemperature);
        }
        float threshold = Float.NEGATIVE_INFINITY;
        if (params.topK().isPresent() && params.topK().getAsInt() < vocab) {
            threshold = kthLargest(logits, offset, vocab, params.topK().getAsInt()) * inverseTemperature;
        }
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            float scaled = logits[offset + i] * inverseTemperature;
            float p = scaled < threshold ? 0f : (float) Math.exp(scaled - max);
            probabilities[i] = p;
            total += p;
        }
        float u = Philox.uniform(seed, counter);
        if (params.topP() < 1.0) {
            return sampleTopP(total, params.topP(), u);
        }
        double target = u * total;
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            if (probabilities[i] > 0) {
                cumulative += probabilities[i];
                last = i;
                if (cumulative > target) {
                    return i;
                }
            }
        }
        return last;
    }

    /** Nucleus sampling: the most likely tokens, in order, until their mass reaches topP of the total. */
    private int sampleTopP(double total, double topP, float u) {
        int vocab = probabilities.length;
        int candidates = 0;
        for (int i = 0; i < vocab; i++) {
            if (probabilities[i] > 0) {
                // Non-negative float bits sort like the floats; the token id rides in the low half.
                order[candidates++] = ((long) Float.floatToRawIntBits(probabilities[i]) << 32) | i;
            }
        }
        Arrays.sort(order, 0, candidates);
        double keep = topP * total;
        double kept = 0;
        int first = candidates - 1;
        for (int c = candidates - 1; c >= 0; c--) {
            kept += Float.intBitsToFloat((int) (order[c] >>> 32));
            first = c;
            if (kept >= keep) {
                break;
            }
        }
        double target = u * kept;
        double cumulative = 0;
        for (int c = candidates - 1; c >= first; c--) {
            cumulative += Float.intBitsToFloat((int) (order[c] >>> 32));
            if (cumulative > target) {
                return (int) order[c];
            }
        }
        return (int) order[first];
    }

    /** The first index of the largest value, as torch.argmax. */
    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        float bestValue = logits[offset];
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > bestValue) {
                bestValue = logits[offset + i];
                best = i;
            }
        }
        return best;
    }

    /** The k-th largest logit (ties count once each), by sorting a copy of the row. */
    private float kthLargest(float[] logits, int offset, int vocab, int k) {
        System.arraycopy(logits, offset, probabilities, 0, vocab);
        Arrays.sort(probabilities);
        return probabilities[vocab - k];
    }
}
