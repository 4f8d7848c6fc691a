package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health, version, Prometheus metrics, API-key auth and the access log. */
class OperationsTest {

    private static final Pattern SAMPLE = Pattern.compile("^([a-z_0-9]+(?:\\{[^}]*})?) (\\S+)$", Pattern.MULTILINE);

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")), engine -> {},
                config -> config.apiKey(Optional.of("sk-secret")).version("9.9.9-test"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void healthAndVersion() throws Exception {
        assertThat(Http.get(server.uri("/health")).statusCode()).isEqualTo(200);
        HttpResponse<String> version = Http.get(server.uri("/version"));
        assertThat(Http.json(version).get("version").asText()).isEqualTo("9.9.9-test");
    }

    @Test
    void theApiNeedsTheKey() throws Exception {
        String body = "{\"prompt\": \"x\", \"max_tokens\": 1}";
        HttpResponse<String> missing = Http.post(server.uri("/v1/completions"), body);
        BadInputTest.assertError(missing, 401, null);
        assertThat(missing.headers().firstValue("www-authenticate")).hasValue("Bearer");
        assertThat(Http.json(missing).get("error").get("code").asText()).isEqualTo("invalid_api_key");
        BadInputTest.assertError(Http.post(server.uri("/v1/completions"), body, "Authorization", "Bearer sk-secreT"),
                401, null);
        BadInputTest.assertError(Http.post(server.uri("/v1/completions"), body, "Authorization", "Bearer sk-secret2"),
                401, null);
        BadInputTest.assertError(Http.post(server.uri("/v1/completions"), body, "Authorization", "sk-secret"), 401,
                null);
        BadInputTest.assertError(Http.get(server.uri("/v1/models")), 401, null);
        BadInputTest.assertError(Http.post(server.uri("/v2/models/test-model/generate"), "{\"text_input\": \"x\"}"),
                401, null);
        assertThat(Http.post(server.uri("/v1/completions"), body, "Authorization", "Bearer sk-secret").statusCode())
                .isEqualTo(200);
        assertThat(Http.get(server.uri("/v1/models"), "Authorization", "bearer sk-secret").statusCode())
                .isEqualTo(200);
        // Probes and scrapers need no key.
        assertThat(Http.get(server.uri("/health")).statusCode()).isEqualTo(200);
        assertThat(Http.get(server.uri("/v2/health/ready")).statusCode()).isEqualTo(200);
        assertThat(Http.get(server.uri("/metrics")).statusCode()).isEqualTo(200);
    }

    @Test
    void metricsCountRequestsTokensAndLatencies() throws Exception {
        Map<String, Double> before = scrape();
        HttpResponse<String> ok = Http.post(server.uri("/v1/completions"),
                "{\"prompt\": \"Hello there\", \"max_tokens\": 5, \"ignore_eos\": true, \"temperature\": 0}",
                "Authorization", "Bearer sk-secret");
        assertThat(ok.statusCode()).isEqualTo(200);
        HttpResponse<String> streamed = Http.post(server.uri("/v1/chat/completions"),
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 4, \"ignore_eos\": true,"
                        + " \"stream\": true}", "Authorization", "Bearer sk-secret");
        assertThat(streamed.statusCode()).isEqualTo(200);
        Http.post(server.uri("/v1/completions"), "{\"prompt\": \"x\", \"max_tokens\": 0}", "Authorization",
                "Bearer sk-secret");
        server.idleStats();
        HttpResponse<String> response = Http.get(server.uri("/metrics"));
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        Map<String, Double> after = parse(response.body());
        int promptTokens = server.llm.tokenizer().orElseThrow().encode("Hello there", true).length;
        assertThat(delta(before, after, "jllm_generation_tokens_total")).isEqualTo(9);
        assertThat(delta(before, after, "jllm_prompt_tokens_total")).isGreaterThan(promptTokens);
        assertThat(delta(before, after, "jllm_http_requests_total{endpoint=\"/v1/completions\",status=\"200\"}"))
                .isEqualTo(1);
        assertThat(delta(before, after, "jllm_http_requests_total{endpoint=\"/v1/completions\",status=\"400\"}"))
                .isEqualTo(1);
        assertThat(delta(before, after, "jllm_http_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"}"))
                .isEqualTo(1);
        assertThat(delta(before, after, "jllm_request_finished_total{finish_reason=\"length\"}")).isEqualTo(2);
        assertThat(delta(before, after, "jllm_time_to_first_token_seconds_count")).isEqualTo(2);
        assertThat(delta(before, after, "jllm_e2e_request_latency_seconds_count")).isEqualTo(2);
        // 4 gaps of the non-streamed request and 3 of the streamed one.
        assertThat(delta(before, after, "jllm_inter_token_latency_seconds_count")).isEqualTo(7);
        assertThat(after.get("jllm_inter_token_latency_seconds_bucket{le=\"+Inf\"}"))
                .isEqualTo(after.get("jllm_inter_token_latency_seconds_count"));
        assertThat(after.get("jllm_requests_running")).isZero();
        assertThat(after.get("jllm_requests_waiting")).isZero();
        assertThat(after.get("jllm_kv_cache_blocks{state=\"used\"}")).isZero();
        assertThat(after.get("jllm_kv_cache_blocks{state=\"free\"}")).isPositive();
        assertThat(after).containsKeys("jllm_kv_cache_usage_ratio", "jllm_prefix_cache_hit_rate",
                "jllm_engine_step_seconds_count");
        assertThat(delta(before, after, "jllm_engine_iterations_total")).isGreaterThanOrEqualTo(9);
    }

    @Test
    void everyRequestIsLoggedOnce() throws Exception {
        HttpResponse<String> ok = Http.post(server.uri("/v1/completions"), "{\"prompt\": \"x\", \"max_tokens\": 1}",
                "Authorization", "Bearer sk-secret");
        String id = ok.headers().firstValue("x-request-id").orElseThrow();
        assertThat(Http.json(ok).get("id").asText()).isEqualTo(id);
        Http.get(server.uri("/no/such%20path/" + id + "?q=1"));
        // A line is written once its answer has gone out, so it may trail the client by a moment.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.accessLog.stream().filter(line -> line.contains(id)).count() < 2
                && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        Thread.sleep(20);
        List<String> lines = server.accessLog.stream().filter(line -> line.contains(id)).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("method=POST", "path=/v1/completions",
                "status=200", "remote=127.0.0.1", "request_id=" + id, "duration_ms=", "bytes="));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("method=GET",
                "path=/no/such%20path/" + id + " ", "status=404"));
    }

    private static Map<String, Double> scrape() throws Exception {
        return parse(Http.get(server.uri("/metrics")).body());
    }

    /** Samples by name and labels; also checks every family has HELP and TYPE lines. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        Matcher matcher = SAMPLE.matcher(text);
        while (matcher.find()) {
            String value = matcher.group(2);
            samples.put(matcher.group(1), value.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(value));
        }
        for (String line : text.lines().toList()) {
            assertThat(line).matches("# (HELP|TYPE) .*|[a-z_0-9]+(\\{.*})? \\S+");
        }
        for (String family : new String[] {"jllm_requests_running", "jllm_requests_waiting",
                "jllm_time_to_first_token_seconds"}) {
            assertThat(text).contains("# HELP " + family + " ", "# TYPE " + family + " ");
        }
        return samples;
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String sample) {
        assertThat(after).as(sample).containsKey(sample);
        return after.get(sample) - before.getOrDefault(sample, 0.0);
    }
}
