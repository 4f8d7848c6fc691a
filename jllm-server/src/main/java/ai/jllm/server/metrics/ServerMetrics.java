package ai.jllm.server.metrics;

import ai.jllm.engine.Executor;
import ai.jllm.engine.IterationStats;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's Prometheus metrics. Request-level figures are recorded by the endpoints; engine-level ones come from
 * {@link #onIteration} (wire it as the LLM builder's stats listener) and from the executor's latest statistics,
 * read when {@code /metrics} is scraped. Every method is safe from any thread.
 */
public final class ServerMetrics {

    private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
            1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final double[] ITL_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05,
            0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5};
    private static final double[] E2E_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 20.0,
            30.0, 40.0, 50.0, 60.0, 120.0, 300.0};
    private static final double[] STEP_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
            1.0, 2.5};

    private record HttpKey(String endpoint, int status) {}

    private final Map<HttpKey, Counter> httpRequests = new ConcurrentHashMap<>();
    private final Map<String, Counter> finishedRequests = new ConcurrentHashMap<>();
    private final Histogram timeToFirstToken = new Histogram(TTFT_BUCKETS);
    private final Histogram interTokenLatency = new Histogram(ITL_BUCKETS);
    private final Histogram timePerOutputToken = new Histogram(ITL_BUCKETS);
    private final Histogram e2eLatency = new Histogram(E2E_BUCKETS);
    private final Histogram stepTime = new Histogram(STEP_BUCKETS);
    private final Counter promptTokens = new Counter();
    private final Counter generationTokens = new Counter();
    private final Counter cachedPromptTokens = new Counter();
    private final Counter iterations = new Counter();
    private final Counter scheduledTokens = new Counter();
    private final Counter preemptions = new Counter();
    private final Counter clientDisconnects = new Counter();

    /** Engine statistics of one iteration (called on the engine thread: stays cheap). */
    public void onIteration(IterationStats stats) {
        if (stats.scheduledSequences() == 0) {
            return;
        }
        iterations.increment();
        scheduledTokens.add(stats.scheduledTokens());
        preemptions.add(stats.preempted());
        stepTime.observe(stats.stepNanos() / 1e9);
    }

    /** An HTTP answer, by route ({@code /v1/completions}, ...) and status code. */
    public void httpRequest(String endpoint, int status) {
        httpRequests.computeIfAbsent(new HttpKey(endpoint, status), key -> new Counter()).increment();
    }

    /** One finished generation sample, by its finish reason (stop, length, abort). */
    public void finished(String finishReason) {
        finishedRequests.computeIfAbsent(finishReason, key -> new Counter()).increment();
    }

    public void tokens(int prompt, int cachedPrompt, int generated) {
        promptTokens.add(prompt);
        cachedPromptTokens.add(cachedPrompt);
        generationTokens.add(generated);
    }

    public void timeToFirstToken(double seconds) {
        timeToFirstToken.observe(seconds);
    }

    /** A gap between two consecutive output tokens of one sample. */
    public void interTokenLatency(double seconds) {
        interTokenLatency.observe(seconds);
    }

    /** A request's mean time per output token after the first. */
    public void timePerOutputToken(double seconds) {
        timePerOutputToken.observe(seconds);
    }

    public void e2eLatency(double seconds) {
        e2eLatency.observe(seconds);
    }

    public void clientDisconnected() {
        clientDisconnects.increment();
    }

    /** The exposition text, with the engine's queue and cache state as {@code executor} last saw it. */
    public String render(Executor executor) {
        IterationStats stats = executor.stats();
        int totalBlocks = stats.kvBlocksUsed() + stats.kvBlocksFree();
        Map<Map<String, String>, Double> http = new LinkedHashMap<>();
        httpRequests.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(HttpKey::endpoint)
                        .thenComparingInt(HttpKey::status)))
                .forEach(e -> http.put(Map.of("endpoint", e.getKey().endpoint(),
                        "status", Integer.toString(e.getKey().status())), e.getValue().value()));
        Map<Map<String, String>, Double> finished = new LinkedHashMap<>();
        finishedRequests.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> finished.put(Map.of("finish_reason", e.getKey()), e.getValue().value()));
        Map<Map<String, String>, Double> blocks = new LinkedHashMap<>();
        blocks.put(Map.of("state", "used"), (double) stats.kvBlocksUsed());
        blocks.put(Map.of("state", "free"), (double) stats.kvBlocksFree());
        blocks.put(Map.of("state", "cached"), (double) stats.kvBlocksCached());
        return new PrometheusText()
                .gauge("jllm_requests_running", "Requests whose sequences are in the running batch.", stats.running())
                .gauge("jllm_requests_waiting", "Requests queued or waiting for admission.",
                        Math.max(0, executor.numRequests() - stats.running()))
                .counters("jllm_http_requests_total", "HTTP requests answered, by endpoint and status code.", http)
                .counters("jllm_request_finished_total", "Generated samples that ended, by finish reason.", finished)
                .counter("jllm_client_disconnects_total", "Streams cancelled because the client went away.",
                        clientDisconnects.value())
                .counter("jllm_prompt_tokens_total", "Prompt tokens of finished requests.", promptTokens.value())
                .counter("jllm_prompt_tokens_cached_total", "Prompt tokens served from the prefix cache.",
                        cachedPromptTokens.value())
                .counter("jllm_generation_tokens_total", "Tokens generated.", generationTokens.value())
                .histogram("jllm_time_to_first_token_seconds", "From request arrival to its first token.",
                        timeToFirstToken)
                .histogram("jllm_inter_token_latency_seconds", "Between consecutive output tokens of a sample.",
                        interTokenLatency)
                .histogram("jllm_time_per_output_token_seconds", "A request's mean time per token after the first.",
                        timePerOutputToken)
                .histogram("jllm_e2e_request_latency_seconds", "From request arrival to its last token.", e2eLatency)
                .gauge("jllm_kv_cache_usage_ratio", "Share of KV-cache blocks held by sequences.",
                        totalBlocks == 0 ? 0 : (double) stats.kvBlocksUsed() / totalBlocks)
                .gauges("jllm_kv_cache_blocks", "KV-cache blocks by state (cached blocks are free ones holding a "
                        + "reusable prefix).", blocks)
                .gauge("jllm_prefix_cache_hit_rate", "Share of looked-up prompt tokens found in the prefix cache.",
                        stats.prefixHitRate())
                .counter("jllm_engine_iterations_total", "Engine steps that ran the model.", iterations.value())
                .counter("jllm_engine_scheduled_tokens_total", "Tokens processed by engine steps.",
                        scheduledTokens.value())
                .counter("jllm_engine_preemptions_total", "Sequences preempted to make room.", preemptions.value())
                .histogram("jllm_engine_step_seconds", "Duration of an engine step.", stepTime)
                .toString();
    }
}
