package ai.jllm.eval;

/**
 * Accumulates token log-probabilities (natural log) into a perplexity: exp of the mean negative log-likelihood per
 * scored token.
 */
public final class Perplexity {

    private double negativeLogLikelihood;
    private long tokens;

    public void add(double logprob) {
        negativeLogLikelihood -= logprob;
        tokens++;
    }

    public long tokens() {
        return tokens;
    }

    /** The mean negative log-likelihood per token (nats). */
    public double meanNll() {
        if (tokens == 0) {
            throw new IllegalStateException("no tokens were scored");
        }
        return negativeLogLikelihood / tokens;
    }

    public double perplexity() {
        return Math.exp(meanNll());
    }
}
