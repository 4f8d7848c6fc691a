package ai.jllm.sampling;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * How to choose each next token, what to return with it, and when to stop. Build it with {@link #builder()}; every
 * value is checked here and a bad one throws {@link SamplingParameterException} naming the request parameter.
 *
 * <p>The logits of a step go through, in this order: penalties → masks (bad words, end tokens below
 * {@code min_tokens}) → temperature → top-k → top-p → min-p → one seeded draw (or argmax when greedy).
 *
 * @param temperature       0 means greedy (argmax); otherwise logits are divided by it before the softmax
 * @param topK              keep only the k most likely tokens, ties with the k-th included (absent: all)
 * @param topP              keep the smallest set of most likely tokens whose probability reaches p (1 keeps all)
 * @param minP              drop tokens less likely than {@code minP} times the most likely one (0 keeps all)
 * @param repetitionPenalty Hugging Face's: every token seen in the prompt or the output has a positive logit divided
 *                          by it and a negative one multiplied by it (1 is off)
 * @param presencePenalty   OpenAI's: subtracted once from the logit of every token the output already holds (0 is off)
 * @param frequencyPenalty  OpenAI's: subtracted from a token's logit once per time the output holds it (0 is off)
 * @param seed              fixes the random choices of this request whatever else runs beside it (absent: random)
 * @param maxTokens         generate at most this many tokens
 * @param minTokens         end-of-sequence and stop tokens are masked until this many tokens exist
 * @param ignoreEos         keep generating past the model's end-of-sequence tokens (they are still emitted)
 * @param stopTokenIds      extra tokens that end generation, besides the model's end-of-sequence tokens
 * @param stop              strings that end generation when the output text contains one (see
 *                          {@link StopStringMatcher}); the text is cut before the stop string
 * @param includeStopStrInOutput keep the matched stop string at the end of the output text
 * @param badWords          words the output must never contain; each is masked with and without a leading space
 *                          (see {@link BadWords})
 * @param logprobs          return the log probability of each generated token and of this many most likely
 *                          alternatives, 0 to {@value #MAX_LOGPROBS} (absent: none)
 * @param promptLogprobs    the same for every prompt token after the first (absent: none)
 * @param n                 independent samples to generate for the prompt (with beam search: beams to return)
 * @param beamWidth         beam search with this many beams when above 1 (1: off)
 * @param lengthPenalty     beam search ranks finished beams by cumulative logprob / length^lengthPenalty
 * @param skipSpecialTokens leave special tokens out of the output text
 */
public record SamplingParams(
        double temperature,
        OptionalInt topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double presencePenalty,
        double frequencyPenalty,
        OptionalLong seed,
        int maxTokens,
        int minTokens,
        boolean ignoreEos,
        List<Integer> stopTokenIds,
        List<String> stop,
        boolean includeStopStrInOutput,
        List<String> badWords,
        OptionalInt logprobs,
        OptionalInt promptLogprobs,
        int n,
        int beamWidth,
        double lengthPenalty,
        boolean skipSpecialTokens) {

    /** The most top logprobs a request may ask for per token, as OpenAI allows. */
    public static final int MAX_LOGPROBS = 20;

    /** OpenAI's bound on presence and frequency penalties. */
    public static final double MAX_ABS_PENALTY = 2.0;

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw invalid("temperature", "must be a finite number >= 0, got " + temperature);
        }
        if (topK.isPresent() && topK.getAsInt() < 1) {
            throw invalid("top_k", "must be >= 1, got " + topK.getAsInt());
        }
        if (!(topP > 0 && topP <= 1)) {
            throw invalid("top_p", "must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw invalid("min_p", "must be in [0, 1], got " + minP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw invalid("repetition_penalty", "must be a finite number > 0, got " + repetitionPenalty);
        }
        if (!(Math.abs(presencePenalty) <= MAX_ABS_PENALTY)) {
            throw invalid("presence_penalty", "must be in [-2, 2], got " + presencePenalty);
        }
        if (!(Math.abs(frequencyPenalty) <= MAX_ABS_PENALTY)) {
            throw invalid("frequency_penalty", "must be in [-2, 2], got " + frequencyPenalty);
        }
        if (maxTokens < 1) {
            throw invalid("max_tokens", "must be >= 1, got " + maxTokens);
        }
        if (minTokens < 0 || minTokens > maxTokens) {
            throw invalid("min_tokens", "must be in [0, max_tokens], got " + minTokens);
        }
        stopTokenIds = List.copyOf(stopTokenIds);
        for (int token : stopTokenIds) {
            if (token < 0) {
                throw invalid("stop_token_ids", "must hold token ids >= 0, got " + token);
            }
        }
        stop = List.copyOf(stop);
        for (String text : stop) {
            if (text.isEmpty()) {
                throw invalid("stop", "must not hold an empty string");
            }
        }
        badWords = List.copyOf(badWords);
        for (String word : badWords) {
            if (word.isBlank()) {
                throw invalid("bad_words", "must not hold an empty or blank word");
            }
        }
        checkLogprobs("logprobs", logprobs);
        checkLogprobs("prompt_logprobs", promptLogprobs);
        if (n < 1) {
            throw invalid("n", "must be >= 1, got " + n);
        }
        if (beamWidth < 1) {
            throw invalid("beam_width", "must be >= 1, got " + beamWidth);
        }
        if (beamWidth > 1 && n > beamWidth) {
            throw invalid("n", "must be <= beam_width (" + beamWidth + ") with beam search, got " + n);
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw invalid("length_penalty", "must be a finite number, got " + lengthPenalty);
        }
    }

    private static void checkLogprobs(String parameter, OptionalInt value) {
        if (value.isPresent() && (value.getAsInt() < 0 || value.getAsInt() > MAX_LOGPROBS)) {
            throw invalid(parameter, "must be in [0, " + MAX_LOGPROBS + "], got " + value.getAsInt());
        }
    }

    private static SamplingParameterException invalid(String parameter, String problem) {
        return new SamplingParameterException(parameter, parameter + " " + problem);
    }

    /** Argmax instead of a draw: temperature 0 or top_k 1. */
    public boolean greedy() {
        return temperature == 0 || (topK.isPresent() && topK.getAsInt() == 1);
    }

    /** Whether any of the three penalties changes logits, so the runtime must list the sequence's tokens. */
    public boolean penalized() {
        return repetitionPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0;
    }

    public boolean beamSearch() {
        return beamWidth > 1;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.temperature = temperature;
        builder.topK = topK;
        builder.topP = topP;
        builder.minP = minP;
        builder.repetitionPenalty = repetitionPenalty;
        builder.presencePenalty = presencePenalty;
        builder.frequencyPenalty = frequencyPenalty;
        builder.seed = seed;
        builder.maxTokens = maxTokens;
        builder.minTokens = minTokens;
        builder.ignoreEos = ignoreEos;
        builder.stopTokenIds = stopTokenIds;
        builder.stop = stop;
        builder.includeStopStrInOutput = includeStopStrInOutput;
        builder.badWords = badWords;
        builder.logprobs = logprobs;
        builder.promptLogprobs = promptLogprobs;
        builder.n = n;
        builder.beamWidth = beamWidth;
        builder.lengthPenalty = lengthPenalty;
        builder.skipSpecialTokens = skipSpecialTokens;
        return builder;
    }

    /** Starts from OpenAI's defaults: temperature 1, no truncation, no penalties, 16 tokens, one sample. */
    public static final class Builder {
        private double temperature = 1.0;
        private OptionalInt topK = OptionalInt.empty();
        private double topP = 1.0;
        private double minP = 0.0;
        private double repetitionPenalty = 1.0;
        private double presencePenalty = 0.0;
        private double frequencyPenalty = 0.0;
        private OptionalLong seed = OptionalLong.empty();
        private int maxTokens = 16;
        private int minTokens = 0;
        private boolean ignoreEos = false;
        private List<Integer> stopTokenIds = List.of();
        private List<String> stop = List.of();
        private boolean includeStopStrInOutput = false;
        private List<String> badWords = List.of();
        private OptionalInt logprobs = OptionalInt.empty();
        private OptionalInt promptLogprobs = OptionalInt.empty();
        private int n = 1;
        private int beamWidth = 1;
        private double lengthPenalty = 1.0;
        private boolean skipSpecialTokens = true;

        private Builder() {}

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

        public Builder minP(double minP) {
            this.minP = minP;
            return this;
        }

        public Builder repetitionPenalty(double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        public Builder presencePenalty(double presencePenalty) {
            this.presencePenalty = presencePenalty;
            return this;
        }

        public Builder frequencyPenalty(double frequencyPenalty) {
            this.frequencyPenalty = frequencyPenalty;
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

        public Builder stop(List<String> stop) {
            this.stop = stop;
            return this;
        }

        public Builder includeStopStrInOutput(boolean includeStopStrInOutput) {
            this.includeStopStrInOutput = includeStopStrInOutput;
            return this;
        }

        public Builder badWords(List<String> badWords) {
            this.badWords = badWords;
            return this;
        }

        public Builder logprobs(int topLogprobs) {
            this.logprobs = OptionalInt.of(topLogprobs);
            return this;
        }

        public Builder promptLogprobs(int topLogprobs) {
            this.promptLogprobs = OptionalInt.of(topLogprobs);
            return this;
        }

        public Builder n(int n) {
            this.n = n;
            return this;
        }

        public Builder beamWidth(int beamWidth) {
            this.beamWidth = beamWidth;
            return this;
        }

        public Builder lengthPenalty(double lengthPenalty) {
            this.lengthPenalty = lengthPenalty;
            return this;
        }

        public Builder skipSpecialTokens(boolean skipSpecialTokens) {
            this.skipSpecialTokens = skipSpecialTokens;
            return this;
        }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                    frequencyPenalty, seed, maxTokens, minTokens, ignoreEos, stopTokenIds, stop,
                    includeStopStrInOutput, badWords, logprobs, promptLogprobs, n, beamWidth, lengthPenalty,
                    skipSpecialTokens);
        }
    }
}
