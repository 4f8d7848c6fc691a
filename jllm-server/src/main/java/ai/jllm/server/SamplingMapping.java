package ai.jllm.server;

import ai.jllm.config.GenerationConfig;
import ai.jllm.sampling.SamplingParams;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Request parameters → {@link SamplingParams}, for every API the server speaks: OpenAI completions, OpenAI chat
 * completions and Triton's generate extension. Each value is range-checked here so the 400 names the request's own
 * parameter; a known parameter the engine cannot honour yet is refused, never ignored.
 *
 * <p>Sampling parameters a request leaves out come from the model's {@code generation_config.json}, field by field
 * (as vLLM does): greedy when the model's config does not sample, else its temperature, top_k and top_p.
 */
final class SamplingMapping {

    /** The API whose parameter names and defaults apply. */
    enum Api { COMPLETIONS, CHAT, TRITON }

    /** OpenAI's default for completions. */
    static final int DEFAULT_COMPLETION_TOKENS = 16;

    /**
     * Chat requests without a limit generate until the sequence is full: the engine caps every sequence at
     * max_seq_len, so any number at least that large means "no limit" (and leaves room for prompt + this in an int).
     */
    static final int UNLIMITED_TOKENS = 1 << 24;

    private final GenerationConfig defaults;
    private final ServerConfig limits;

    SamplingMapping(GenerationConfig defaults, ServerConfig limits) {
        this.defaults = defaults;
        this.limits = limits;
    }

    /** The sampling parameters of an OpenAI completions or chat request. */
    SamplingParams openAi(Fields request, Api api) {
        SamplingParams.Builder builder = SamplingParams.builder();
        temperatureAndTruncation(request, builder, "temperature", "top_k", "top_p");
        int maxTokens = maxTokens(request, api);
        builder.maxTokens(maxTokens);
        builder.minTokens(minTokens(request, "min_tokens", maxTokens));
        request.longInteger("seed").ifPresent(builder::seed);
        request.bool("ignore_eos").ifPresent(builder::ignoreEos);
        builder.stopTokenIds(tokenIds(request, "stop_token_ids"));
        samples(request);
        stopStrings(request, "stop");
        penalties(request, "repetition_penalty", "presence_penalty", "frequency_penalty");
        minP(request);
        logprobs(request, api);
        if (request.bool("include_stop_str_in_output").orElse(false)) {
            throw ApiException.unsupported(request.param("include_stop_str_in_output"),
                    "stop strings are not supported yet");
        }
        if (!request.bool("skip_special_tokens").orElse(true)) {
            throw ApiException.unsupported(request.param("skip_special_tokens"),
                    "special tokens are always left out of the output text for now");
        }
        if (request.has("prompt_logprobs")) {
            throw ApiException.unsupported(request.param("prompt_logprobs"), "prompt logprobs are not supported yet");
        }
        return build(builder);
    }

    /**
     * The sampling parameters of a Triton generate request, whose keys may also sit in a {@code parameters} object
     * (top-level keys win).
     */
    SamplingParams triton(Fields request) {
        SamplingParams.Builder builder = SamplingParams.builder();
        temperatureAndTruncation(request, builder, "temperature", "top_k", "top_p");
        int maxTokens = request.integer("max_tokens").orElse(DEFAULT_COMPLETION_TOKENS);
        if (maxTokens < 1) {
            throw request.invalid("max_tokens", "must be >= 1, got " + maxTokens);
        }
        maxTokens = Math.min(maxTokens, UNLIMITED_TOKENS);
        builder.maxTokens(maxTokens);
        String minKey = request.has("min_tokens") ? "min_tokens" : "min_length";
        builder.minTokens(minTokens(request, minKey, maxTokens));
        request.longInteger("random_seed").ifPresent(builder::seed);
        request.bool("ignore_eos").ifPresent(builder::ignoreEos);
        if (request.has("end_id")) {
            throw ApiException.unsupported(request.param("end_id"), "'end_id' is not supported: the model's "
                    + "end-of-sequence tokens end generation; use stop_words or ignore_eos");
        }
        stopStrings(request, "stop_words");
        if (!tritonWords(request, "bad_words").isEmpty()) {
            throw ApiException.unsupported(request.param("bad_words"), "'bad_words' is not supported yet");
        }
        penalties(request, "repetition_penalty", "presence_penalty", "frequency_penalty");
        request.integer("beam_width").ifPresent(width -> {
            if (width != 1) {
                throw ApiException.unsupported(request.param("beam_width"), "beam search is not supported yet");
            }
        });
        if (request.bool("return_log_probs").orElse(false)) {
            throw ApiException.unsupported(request.param("return_log_probs"), "logprobs are not supported yet");
        }
        return build(builder);
    }

    private void temperatureAndTruncation(Fields request, SamplingParams.Builder builder, String temperatureKey,
                                          String topKKey, String topPKey) {
        OptionalDouble temperature = request.number(temperatureKey);
        if (temperature.isPresent() && temperature.getAsDouble() < 0) {
            throw request.invalid(temperatureKey, "must be >= 0, got " + temperature.getAsDouble());
        }
        builder.temperature(temperature.orElseGet(() -> defaults.doSample() ? defaults.temperature().orElse(1.0)
                : 0.0));
        OptionalInt topK = request.integer(topKKey);
        if (topK.isPresent()) {
            // vLLM's convention: 0 or -1 turns top-k off.
            if (topK.getAsInt() < -1) {
                throw request.invalid(topKKey, "must be >= 1 (or 0 / -1 for no limit), got " + topK.getAsInt());
            }
            if (topK.getAsInt() >= 1) {
                builder.topK(topK.getAsInt());
            }
        } else if (defaults.doSample() && defaults.topK().orElse(0) > 0) {
            builder.topK(defaults.topK().getAsInt());
        }
        OptionalDouble topP = request.number(topPKey);
        if (topP.isPresent() && !(topP.getAsDouble() > 0 && topP.getAsDouble() <= 1)) {
            throw request.invalid(topPKey, "must be in (0, 1], got " + topP.getAsDouble());
        }
        builder.topP(topP.orElseGet(() -> defaults.doSample() ? defaults.topP().orElse(1.0) : 1.0));
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

    private void samples(Fields request) {
        int n = request.integer("n").orElse(1);
        if (n < 1 || n > limits.maxN()) {
            throw request.invalid("n", "must be in [1, " + limits.maxN() + "], got " + n);
        }
        if (n > 1) {
            throw ApiException.unsupported(request.param("n"), "n > 1 is not supported yet");
        }
        request.integer("best_of").ifPresent(bestOf -> {
            if (bestOf != n) {
                throw ApiException.unsupported(request.param("best_of"), "best_of other than n is not supported");
            }
        });
    }

    private List<String> stopStrings(Fields request, String key) {
        List<String> stop = key.equals("stop_words") ? tritonWords(request, key) : request.stringOrStrings(key);
        if (stop.size() > limits.maxStopStrings()) {
            throw request.invalid(key, "holds " + stop.size() + " stop strings; at most " + limits.maxStopStrings()
                    + " are allowed");
        }
        for (String text : stop) {
            if (text.isEmpty()) {
                throw request.invalid(key, "must not hold an empty string");
            }
        }
        if (!stop.isEmpty()) {
            throw ApiException.unsupported(request.param(key), "stop strings are not supported yet; use "
                    + "stop_token_ids");
        }
        return stop;
    }

    /** Triton's word lists: a list of strings, or one string (an empty one meaning none). */
    private static List<String> tritonWords(Fields request, String key) {
        List<String> words = request.stringOrStrings(key);
        return words.size() == 1 && words.getFirst().isEmpty() ? List.of() : words;
    }

    private static void penalties(Fields request, String repetitionKey, String presenceKey, String frequencyKey) {
        OptionalDouble repetition = request.number(repetitionKey);
        if (repetition.isPresent() && !(repetition.getAsDouble() > 0)) {
            throw request.invalid(repetitionKey, "must be > 0, got " + repetition.getAsDouble());
        }
        for (String key : List.of(presenceKey, frequencyKey)) {
            OptionalDouble penalty = request.number(key);
            if (penalty.isPresent() && Math.abs(penalty.getAsDouble()) > 2) {
                throw request.invalid(key, "must be in [-2, 2], got " + penalty.getAsDouble());
            }
            if (penalty.isPresent() && penalty.getAsDouble() != 0) {
                throw ApiException.unsupported(request.param(key), "'" + key + "' is not supported yet");
            }
        }
        if (repetition.isPresent() && repetition.getAsDouble() != 1) {
            throw ApiException.unsupported(request.param(repetitionKey), "'" + repetitionKey
                    + "' is not supported yet");
        }
    }

    private static void minP(Fields request) {
        OptionalDouble minP = request.number("min_p");
        if (minP.isPresent() && !(minP.getAsDouble() >= 0 && minP.getAsDouble() <= 1)) {
            throw request.invalid("min_p", "must be in [0, 1], got " + minP.getAsDouble());
        }
        if (minP.isPresent() && minP.getAsDouble() != 0) {
            throw ApiException.unsupported(request.param("min_p"), "'min_p' is not supported yet");
        }
    }

    private static void logprobs(Fields request, Api api) {
        if (api == Api.CHAT) {
            boolean wanted = request.bool("logprobs").orElse(false);
            OptionalInt top = request.integer("top_logprobs");
            if (top.isPresent() && (top.getAsInt() < 0 || top.getAsInt() > 20)) {
                throw request.invalid("top_logprobs", "must be in [0, 20], got " + top.getAsInt());
            }
            if (top.isPresent() && !wanted) {
                throw request.invalid("top_logprobs", "needs 'logprobs': true");
            }
            if (wanted) {
                throw ApiException.unsupported(request.param("logprobs"), "logprobs are not supported yet");
            }
        } else {
            OptionalInt top = request.integer("logprobs");
            if (top.isPresent() && (top.getAsInt() < 0 || top.getAsInt() > 20)) {
                throw request.invalid("logprobs", "must be in [0, 20], got " + top.getAsInt());
            }
            if (top.isPresent()) {
                throw ApiException.unsupported(request.param("logprobs"), "logprobs are not supported yet");
            }
        }
    }

    private static SamplingParams build(SamplingParams.Builder builder) {
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(null, e.getMessage());
        }
    }
}
