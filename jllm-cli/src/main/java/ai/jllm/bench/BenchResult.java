package ai.jllm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The figures of one benchmark run (one concurrency level of a sweep): throughput over the run's wall time and the
 * latency distributions of the requests that succeeded.
 *
 * <p>ITL (inter-token latency) is the gap between consecutive output chunks of a request, over every gap of every
 * request, as genai-perf and vLLM's serving benchmark count it; a chunk holding several tokens counts once. TPOT is
 * per request: (end-to-end − TTFT) ÷ (output tokens − 1).
 *
 * @param concurrency     requests kept in flight, when the run limited them
 * @param requests        requests that succeeded
 * @param errors          requests that failed
 * @param durationSeconds wall time from the first request sent to the last one ended
 */
public record BenchResult(OptionalInt concurrency, int requests, int errors, double durationSeconds,
                          long promptTokens, long outputTokens, double requestsPerSecond,
                          double outputTokensPerSecond, double totalTokensPerSecond, Distribution ttftMillis,
                          Distribution itlMillis, Distribution tpotMillis, Distribution e2eMillis,
                          List<String> errorSamples) {

    /** At most this many distinct error messages are kept. */
    static final int MAX_ERROR_SAMPLES = 5;

    public BenchResult {
        errorSamples = List.copyOf(errorSamples);
    }

    public static BenchResult of(List<RequestTiming> timings, OptionalInt concurrency) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long prompt = 0;
        long output = 0;
        int ok = 0;
        List<String> errorSamples = new ArrayList<>();
        List<Double> ttft = new ArrayList<>();
        List<Double> itl = new ArrayList<>();
        List<Double> tpot = new ArrayList<>();
        List<Double> e2e = new ArrayList<>();
        for (RequestTiming timing : timings) {
            first = Math.min(first, timing.startNanos());
            last = Math.max(last, timing.endNanos());
            if (!timing.succeeded()) {
                String message = timing.error().orElseThrow();
                if (errorSamples.size() < MAX_ERROR_SAMPLES && !errorSamples.contains(message)) {
                    errorSamples.add(message);
                }
                continue;
            }
            ok++;
            prompt += timing.promptTokens();
            output += timing.outputTokens();
            timing.ttftMillis().ifPresent(ttft::add);
            timing.tpotMillis().ifPresent(tpot::add);
            e2e.add(timing.e2eMillis());
            long[] chunks = timing.chunkNanos();
            for (int i = 1; i < chunks.length; i++) {
                itl.add((chunks[i] - chunks[i - 1]) / 1e6);
            }
        }
        double seconds = timings.isEmpty() ? 0 : (last - first) / 1e9;
        return new BenchResult(concurrency, ok, timings.size() - ok, seconds, prompt, output, rate(ok, seconds),
                rate(output, seconds), rate(prompt + output, seconds), distribution(ttft), distribution(itl),
                distribution(tpot), distribution(e2e), errorSamples);
    }

    private static double rate(double amount, double seconds) {
        return seconds > 0 ? amount / seconds : 0;
    }

    private static Distribution distribution(List<Double> values) {
        return Distribution.of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * The JSON form: {@code requests}, {@code errors}, {@code requests_per_s}, {@code output_tokens_per_s},
     * {@code total_tokens_per_s}, {@code ttft_ms}, {@code itl_ms}, {@code tpot_ms}, {@code e2e_ms} (each
     * {@code {mean, p50, p90, p99}}), plus the run's duration, token counts and concurrency.
     */
    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode node = json.createObjectNode();
        concurrency.ifPresent(c -> node.put("concurrency", c));
        node.put("requests", requests);
        node.put("errors", errors);
        node.put("duration_s", durationSeconds);
        node.put("prompt_tokens", promptTokens);
        node.put("output_tokens", outputTokens);
        node.put("requests_per_s", requestsPerSecond);
        node.put("output_tokens_per_s", outputTokensPerSecond);
        node.put("total_tokens_per_s", totalTokensPerSecond);
        node.set("ttft_ms", ttftMillis.toJson(json));
        node.set("itl_ms", itlMillis.toJson(json));
        node.set("tpot_ms", tpotMillis.toJson(json));
        node.set("e2e_ms", e2eMillis.toJson(json));
        if (!errorSamples.isEmpty()) {
            node.set("error_samples", json.valueToTree(errorSamples));
        }
        return node;
    }

    /** Reads back what {@link #toJson} wrote (the request-level samples are not kept, only the figures). */
    public static BenchResult fromJson(JsonNode node) {
        List<String> errors = new ArrayList<>();
        node.path("error_samples").forEach(error -> errors.add(error.asText()));
        return new BenchResult(node.has("concurrency") ? OptionalInt.of(node.get("concurrency").asInt())
                : OptionalInt.empty(), node.path("requests").asInt(), node.path("errors").asInt(),
                node.path("duration_s").asDouble(), node.path("prompt_tokens").asLong(),
                node.path("output_tokens").asLong(), node.path("requests_per_s").asDouble(),
                node.path("output_tokens_per_s").asDouble(), node.path("total_tokens_per_s").asDouble(),
                Distribution.fromJson(node.path("ttft_ms")), Distribution.fromJson(node.path("itl_ms")),
                Distribution.fromJson(node.path("tpot_ms")), Distribution.fromJson(node.path("e2e_ms")), errors);
    }

    /** The first error message, for a one-line report. */
    public Optional<String> firstError() {
        return errorSamples.stream().findFirst();
    }
}
