package ai.jllm.sampling;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * How to choose each next token, and when to stop.
 *
 * @param temperature  0 means greedy (argmax); otherwise logits are divided by it before sampling
 * @param topK         keep only the k most likely tokens (absent: all)
 * @param topP         keep the smallest set of most likely tokens whose probability reaches p (1 keeps all)
 * @param seed         fixes the random choices of this request whatever else runs beside it (absent: random)
 * @param maxTokens    generate at most this many tokens
 * @param minTokens    end-of-sequence tokens are suppressed until this many tokens exist
 * @param ignoreEos    keep generating past end-of-sequence tokens (they are still emitted)
 * @param stopTokenIds extra tokens that end generation, besides the model's end-of-sequence tokens
 */
public record SamplingParams(
        double temperature,
        OptionalInt topK,
        double topP,
        OptionalLong seed,
        int maxTokens,
        int minTokens,
        boolean ignoreEos,
        List<Integer> stopTokenIds) {

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK.isPresent() && topK.getAsInt() < 1) {
            throw new IllegalArgumentException("top_k must be >= 1, got " + topK.getAsInt());
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
        }
        if (minTokens < 0 || minTokens > maxTokens) {
            throw new IllegalArgumentException("min_tokens must be in [0, max_tokens], got " + minTokens);
        }
        stopTokenIds = List.copyOf(stopTokenIds);
    }

    public boolean greedy() {
        return temperature == 0 || (topK.isPresent() && topK.getAsInt() == 1);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private double temperature = 1.0;
        private OptionalInt topK = OptionalInt.empty();
        private double topP = 1.0;
        private OptionalLong seed = OptionalLong.empty();
        private int maxTokens = 16;
        private int minTokens = 0;
        private boolean ignoreEos = false;
        private List<Integer> stopTokenIds = List.of();

        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder greedy() {
            this.temperature = 0;
            return this;
        }

        public Builder topK(int topK) {
            this.topK = OptionalInt.of(topK);
            return this;
        }

        public Builder topP(double topP) {
            this.topP = topP;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = OptionalLong.of(seed);
            return this;
        }

        public Builder maxTokens(int maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder minTokens(int minTokens) {
            this.minTokens = minTokens;
            return this;
        }

        public Builder ignoreEos(boolean ignoreEos) {
            this.ignoreEos = ignoreEos;
            return this;
        }

        public Builder stopTokenIds(List<Integer> stopTokenIds) {
            this.stopTokenIds = stopTokenIds;
            return this;
        }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, seed, maxTokens, minTokens, ignoreEos, stopTokenIds);
        }
    }
}
