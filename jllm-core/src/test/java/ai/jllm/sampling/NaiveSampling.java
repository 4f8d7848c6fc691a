package ai.jllm.sampling;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The test oracle: each processing step written as a plain double-precision loop straight from its definition
 * (Hugging Face's repetition penalty, OpenAI's presence/frequency penalties, top-k with ties, nucleus, min-p),
 * without the op's shortcuts (no prefilter before the top-p sort, no quickselect).
 */
final class NaiveSampling {

    /** One row's request: settings, the sequence so far and the masked tokens. */
    record Row(SamplingParams params, int[] prompt, int[] output, Set<Integer> masked) {

        /** The sequence's tokens, prompt then output. */
        int[] tokens() {
            int[] all = new int[prompt.length + output.length];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(output, 0, all, prompt.length, output.length);
            return all;
        }
    }

    private NaiveSampling() {}

    /** Logits after the penalties and the masks. */
    static double[] penalized(float[] raw, Row row) {
        SamplingParams params = row.params();
        double[] logits = new double[raw.length];
        for (int t = 0; t < raw.length; t++) {
            double logit = raw[t];
            int count = 0;
            for (int token : row.output()) {
                if (token == t) {
                    count++;
                }
            }
            boolean inPrompt = false;
            for (int token : row.prompt()) {
                inPrompt |= token == t;
            }
            if (count > 0 || inPrompt) {
                logit = logit > 0 ? logit / params.repetitionPenalty() : logit * params.repetitionPenalty();
            }
            logit -= params.frequencyPenalty() * count;
            if (count > 0) {
                logit -= params.presencePenalty();
            }
            logits[t] = row.masked().contains(t) ? Double.NEGATIVE_INFINITY : logit;
        }
        return logits;
    }

    /** The greedy choice: the first largest penalized logit. */
    static int greedy(float[] raw, Row row) {
        double[] logits = penalized(raw, row);
        int best = 0;
        for (int t = 1; t < logits.length; t++) {
            if (logits[t] > logits[best]) {
                best = t;
            }
        }
        return best;
    }

    /** The distribution a non-greedy row draws from: normalized, 0 outside the kept tokens. */
    static double[] distribution(float[] raw, Row row) {
        SamplingParams params = row.params();
        double[] logits = penalized(raw, row);
        int vocab = logits.length;
        double[] p = softmax(logits, params.temperature());
        boolean[] kept = new boolean[vocab];
        for (int t = 0; t < vocab; t++) {
            kept[t] = p[t] > 0;
        }
        if (params.topK().isPresent()) {
            double[] sorted = logits.clone();
            java.util.Arrays.sort(sorted);
            int k = Math.min(params.topK().getAsInt(), vocab);
            double kth = sorted[vocab - k];
            for (int t = 0; t < vocab; t++) {
                kept[t] &= logits[t] >= kth;
            }
        }
        p = renormalize(p, kept);
        if (params.topP() < 1) {
            List<Integer> order = new ArrayList<>();
            for (int t = 0; t < vocab; t++) {
                if (kept[t]) {
                    order.add(t);
                }
            }
            double[] probabilities = p;
            order.sort(Comparator.comparingDouble((Integer t) -> -probabilities[t]).thenComparingInt(t -> t));
            double before = 0;
            for (int token : order) {
                kept[token] = before < params.topP();
                before += probabilities[token];
            }
            p = renormalize(p, kept);
        }
        if (params.minP() > 0) {
            double max = 0;
            for (double value : p) {
                max = Math.max(max, value);
            }
            for (int t = 0; t < vocab; t++) {
                kept[t] &= p[t] >= params.minP() * max;
            }
            p = renormalize(p, kept);
        }
        return p;
    }

    /** log-softmax in double precision. */
    static double[] logSoftmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (double logit : logits) {
            sum += Math.exp(logit - max);
        }
        double logSum = max + Math.log(sum);
        double[] result = new double[logits.length];
        for (int t = 0; t < logits.length; t++) {
            result[t] = logits[t] - logSum;
        }
        return result;
    }

    static double[] logSoftmax(float[] logits) {
        double[] wide = new double[logits.length];
        for (int t = 0; t < logits.length; t++) {
            wide[t] = logits[t];
        }
        return logSoftmax(wide);
    }

    private static double[] softmax(double[] logits, double temperature) {
        double[] scaled = new double[logits.length];
        for (int t = 0; t < logits.length; t++) {
            scaled[t] = logits[t] / temperature;
        }
        double[] logp = logSoftmax(scaled);
        double[] p = new double[logits.length];
        for (int t = 0; t < logits.length; t++) {
            p[t] = Math.exp(logp[t]);
        }
        return p;
    }

    private static double[] renormalize(double[] p, boolean[] kept) {
        double total = 0;
        for (int t = 0; t < p.length; t++) {
            total += kept[t] ? p[t] : 0;
        }
        double[] result = new double[p.length];
        for (int t = 0; t < p.length; t++) {
            result[t] = kept[t] ? p[t] / total : 0;
        }
        return result;
    }
}
