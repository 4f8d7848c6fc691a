package ai.jllm.server;

import ai.jllm.config.GenerationConfig;
import ai.jllm.sampling.SamplingParameterException;
import ai.jllm.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Request parameters → {@link SamplingParams}, for every API the server speaks: OpenAI completions, OpenAI chat
 * completions (with vLLM's extras) and Triton's generate extension (with TensorRT-LLM's names). Each value is
 * range-checked here so the 400 names the request's own parameter; a known parameter the engine cannot honour is
 * refused, never ignored.
 *
 * <p>Sampling parameters a request leaves out come from the model's {@code generation_config.json}, field by field
 * (as vLLM does): greedy when the model's config does not sample, else its temperature, top_k, top_p and
 * repetition_penalty.
 */
final class SamplingMapping {

    /** The API whose parameter names and defaults apply. */
    enum Api { COMPLETIONS, CHAT, TRITON }

    /** OpenAI's default for completions. */
    static final int DEFAULT_COMPLETION_TOKENS = 16;

    /**
     * Requests without a limit generate until the sequence is full: the engine caps every sequence at max_seq_len,
     * so any number at least that large means "no limit" (and leaves room for prompt + this in an int).
     */
    static final int UNLIMITED_TOKENS = 1 << 24;

    /** SamplingParams names its parameters as OpenAI does; Triton requests call some of them otherwise. */
    private static final Map<String, String> TRITON_NAMES = Map.of("stop", "stop_words", "seed", "random_seed",
            "logprobs", "return_log_probs", "n", "beam_width");

    private final GenerationConfig defaults;
    private final ServerConfig limits;

    SamplingMapping(GenerationConfig defaults, ServerConfig limits) {
        this.defaults = defaults;
        this.limits = limits;
    }

    /** The sampling parameters of an OpenAI completions or chat request. */
    SamplingParams openAi(Fields request, Api api) {
        SamplingParams.Builder builder = SamplingParams.builder();
        temperatureAndTruncation(request, builder);
        penalties(request, builder);
        int maxTokens = maxTokens(request, api);
        builder.maxTokens(maxTokens);
        builder.minTokens(minTokens(request, "min_tokens", maxTokens));
        request.longInteger("seed").ifPresent(builder::seed);
        request.bool("ignore_eos").ifPresent(builder::ignoreEos);
        builder.stopTokenIds(tokenIds(request, "stop_token_ids"));
        builder.stop(stopStrings(request, "stop"));
        request.bool("include_stop_str_in_output").ifPresent(builder::includeStopStrInOutput);
        request.bool("skip_special_tokens").ifPresent(builder::skipSpecialTokens);
        builder.badWords(words(request, "bad_words"));
        samplesAndBeams(request, builder);
        logprobs(request, builder, api);
        return build(builder, request, Map.of());
    }

    /**
     * The sampling parameters of a Triton generate request, whose keys may also sit in a {@code parameters} object
     * (the caller merges them).
     */
    SamplingParams triton(Fields request) {
        SamplingParams.Builder builder = SamplingParams.builder();
        temperatureAndTruncation(request, builder);
        penalties(request, builder);
        int maxTokens = request.integer("max_tokens").orElse(DEFAULT_COMPLETION_TOKENS);
        if (maxTokens < 1) {
            throw request.invalid("max_tokens", "must be >= 1, got " + maxTokens);
        }
        maxTokens = Math.min(maxTokens, UNLIMITED_TOKENS);
        builder.maxTokens(maxTokens);
        builder.minTokens(minTokens(request, request.has("min_tokens") ? "min_tokens" : "min_length", maxTokens));
        request.longInteger("random_seed").ifPresent(builder::seed);
        request.bool("ignore_eos").ifPresent(builder::ignoreEos);
        List<Integer> stopTokens = new ArrayList<>(tokenIds(request, "stop_token_ids"));
        // TensorRT-LLM's end_id replaces the model's end-of-sequence token.
        request.integer("end_id").ifPresent(endId -> {
            if (endId < 0) {
                throw request.invalid("end_id", "must be a token id >= 0, got " + endId);
            }
            stopTokens.add(endId);
            builder.ignoreEos(true);
        });
        builder.stopTokenIds(stopTokens);
        builder.stop(stopStrings(request, "stop_words"));
        builder.badWords(words(request, "bad_words"));
        int beamWidth = request.integer("beam_width").orElse(1);
        if (beamWidth < 1 || beamWidth > limits.maxN()) {
            throw request.invalid("beam_width", "must be in [1, " + limits.maxN() + "], got " + beamWidth);
        }
        if (beamWidth > 1) {
            builder.beamWidth(beamWidth).n(1);
            request.number("length_penalty").ifPresent(builder::lengthPenalty);
        }
        if (request.bool("return_log_probs").orElse(false)) {
            builder.logprobs(0);
        }
        return build(builder, request, TRITON_NAMES);
    }

    private void temperatureAndTruncation(Fields request, SamplingParams.Builder builder) {
        OptionalDouble temperature = request.number("temperature");
        if (temperature.isPresent() && temperature.getAsDouble() < 0) {
            throw request.invalid("temperature", "must be >= 0, got " + temperature.getAsDouble());
        }
        builder.temperature(temperature.orElseGet(() -> defaults.doSample() ? defaults.temperature().orElse(1.0)
                : 0.0));
        OptionalInt topK = request.integer("top_k");
        if (topK.isPresent()) {
            // vLLM's convention: 0 or -1 turns top-k off.
            if (topK.getAsInt() < -1) {
                throw request.invalid("top_k", "must be >= 1 (or 0 / -1 for no limit), got " + topK.getAsInt());
            }
            if (topK.getAsInt() >= 1) {
                builder.topK(topK.getAsInt());
            }
        } else if (defaults.doSample() && defaults.topK().orElse(0) > 0) {
            builder.topK(defaults.topK().getAsInt());
        }
        OptionalDouble topP = request.number("top_p");
        if (topP.isPresent() && !(topP.getAsDouble() > 0 && topP.getAsDouble() <= 1)) {
            throw request.invalid("top_p", "must be in (0, 1], got " + topP.getAsDouble());
        }
        builder.topP(topP.orElseGet(() -> defaults.doSample() ? defaults.topP().orElse(1.0) : 1.0));
        OptionalDouble minP = request.number("min_p");
        if (minP.isPresent() && !(minP.getAsDouble() >= 0 && minP.getAsDouble() <= 1)) {
            throw request.invalid("min_p", "must be in [0, 1], got " + minP.getAsDouble());
        }
        minP.ifPresent(builder::minP);
    }

    private void penalties(Fields request, SamplingParams.Builder builder) {
        OptionalDouble repetition = request.number("repetition_penalty");
        if (repetition.isPresent() && !(repetition.getAsDouble() > 0)) {
            throw request.invalid("repetition_penalty", "must be > 0, got " + repetition.getAsDouble());
        }
        builder.repetitionPenalty(repetition.orElseGet(() -> defaults.repetitionPenalty().orElse(1.0)));
        for (String key : List.of("presence_penalty", "frequency_penalty")) {
            OptionalDouble penalty = request.number(key);
            if (penalty.isPresent() && Math.abs(penalty.getAsDouble()) > SamplingParams.MAX_ABS_PENALTY) {
                throw request.invalid(key, "must be in [-2, 2], got " + penalty.getAsDouble());
            }
        }
        request.number("presence_penalty").ifPresent(builder::presencePenalty);
        request.number("frequency_penalty").ifPresent(builder::frequencyPenalty);
    }

    private static int maxTokens(Fields request, Api api) {
        String key = api == Api.CHAT && request.has("max_completion_tokens") ? "max_completion_tokens"
                : "max_tokens";
        OptionalInt given = request.integer(key);
        if (given.isEmpty()) {
            return api == Api.CHAT ? UNLIMITED_TOKENS : DEFAULT_COMPLETION_TOKENS;
        }
        if (given.getAsInt() < 1) {
            throw request.invalid(key, "must be >= 1, got " + given.getAsInt());
        }
        return Math.min(given.getAsInt(), UNLIMITED_TOKENS);
    }

    private static int minTokens(Fields request, String key, int maxTokens) {
        int minTokens = request.integer(key).orElse(0);
        if (minTokens < 0 || minTokens > maxTokens) {
            throw request.invalid(key, "must be in [0, max_tokens = " + maxTokens + "], got " + minTokens);
        }
        return minTokens;
    }

    private static List<Integer> tokenIds(Fields request, String key) {
        List<Integer> ids = request.integers(key);
        for (int id : ids) {
            if (id < 0) {
                throw request.invalid(key, "must hold token ids >= 0, got " + id);
            }
        }
        return ids;
    }

    /**
     * {@code n} samples, or beam search ({@code use_beam_search}, vLLM's extra) with {@code best_of} beams
     * returning the best {@code n}. Sampling {@code best_of} candidates to keep the likeliest n is not supported.
     */
    private void samplesAndBeams(Fields request, SamplingParams.Builder builder) {
        int n = request.integer("n").orElse(1);
        if (n < 1 || n > limits.maxN()) {
            throw request.invalid("n", "must be in [1, " + limits.maxN() + "], got " + n);
        }
        OptionalInt bestOf = request.integer("best_of");
        if (bestOf.isPresent() && (bestOf.getAsInt() < n || bestOf.getAsInt() > limits.maxN())) {
            throw request.invalid("best_of", "must be in [n = " + n + ", " + limits.maxN() + "], got "
                    + bestOf.getAsInt());
        }
        builder.n(n);
        if (request.bool("use_beam_search").orElse(false)) {
            builder.beamWidth(Math.max(bestOf.orElse(n), n));
            request.number("length_penalty").ifPresent(builder::lengthPenalty);
        } else if (bestOf.isPresent() && bestOf.getAsInt() != n) {
            throw ApiException.unsupported(request.param("best_of"), "best_of > n is only supported with "
                    + "use_beam_search");
        }
    }

    private List<String> stopStrings(Fields request, String key) {
        // Only Triton's stop_words uses an empty string for "none"; an empty OpenAI stop string is a mistake.
        List<String> stop = key.equals("stop_words") ? words(request, key) : request.stringOrStrings(key);
        if (stop.size() > limits.maxStopStrings()) {
            throw request.invalid(key, "holds " + stop.size() + " stop strings; at most " + limits.maxStopStrings()
                    + " are allowed");
        }
        for (String text : stop) {
            if (text.isEmpty()) {
                throw request.invalid(key, "must not hold an empty string");
            }
        }
        return stop;
    }

    /**
     * A string or a list of strings. Triton clients send one empty string for "none" (TensorRT-LLM's ensemble
     * expects the input), so a lone empty string reads as an empty list.
     */
    private static List<String> words(Fields request, String key) {
        List<String> words = request.stringOrStrings(key);
        return words.size() == 1 && words.getFirst().isEmpty() ? List.of() : words;
    }

    private static void logprobs(Fields request, SamplingParams.Builder builder, Api api) {
        if (api == Api.CHAT) {
            boolean wanted = request.bool("logprobs").orElse(false);
            OptionalInt top = request.integer("top_logprobs");
            checkLogprobs(request, "top_logprobs", top);
            if (top.isPresent() && !wanted) {
                throw request.invalid("top_logprobs", "needs 'logprobs': true");
            }
            if (wanted) {
                builder.logprobs(top.orElse(0));
            }
        } else {
            OptionalInt top = request.integer("logprobs");
            checkLogprobs(request, "logprobs", top);
            top.ifPresent(builder::logprobs);
            // The legacy API's echo with logprobs scores the prompt too.
            if (top.isPresent() && request.bool("echo").orElse(false)) {
                builder.promptLogprobs(top.getAsInt());
            }
        }
        OptionalInt prompt = request.integer("prompt_logprobs");
        checkLogprobs(request, "prompt_logprobs", prompt);
        prompt.ifPresent(builder::promptLogprobs);
    }

    private static void checkLogprobs(Fields request, String key, OptionalInt value) {
        if (value.isPresent() && (value.getAsInt() < 0 || value.getAsInt() > SamplingParams.MAX_LOGPROBS)) {
            throw request.invalid(key, "must be in [0, " + SamplingParams.MAX_LOGPROBS + "], got "
                    + value.getAsInt());
        }
    }

    private static SamplingParams build(SamplingParams.Builder builder, Fields request, Map<String, String> names) {
        try {
            return builder.build();
        } catch (SamplingParameterException e) {
            String param = names.getOrDefault(e.parameter(), e.parameter());
            throw ApiException.badRequest(request.param(param), e.getMessage());
        }
    }
}
