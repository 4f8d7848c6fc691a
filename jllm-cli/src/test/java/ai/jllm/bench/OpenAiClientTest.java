package ai.jllm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load generator's client against a scripted OpenAI-style server on loopback that sends its chunks at known
 * times: the measured TTFT and inter-token gaps must reflect the script, and every failure must be recorded.
 */
class OpenAiClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer server;
    private final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();
    private volatile Script script;

    /** What the fake server answers. */
    @FunctionalInterface
    private interface Script {
        void answer(HttpExchange exchange) throws IOException, InterruptedException;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                bodies.add(JSON.readTree(exchange.getRequestBody()));
                script.answer(exchange);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private OpenAiClient client(OpenAiClient.Endpoint endpoint) {
        return new OpenAiClient(base(), endpoint, "m", Optional.of("secret"), Duration.ofSeconds(30));
    }

    private static void sse(HttpExchange exchange, List<String> events, long firstDelayMs, long gapMs)
            throws IOException, InterruptedException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        Thread.sleep(firstDelayMs);
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                Thread.sleep(gapMs);
            }
            out.write(("data: " + events.get(i) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    @Test
    void timesTheChunksAsTheServerSendsThem() {
        script = exchange -> sse(exchange, List.of("{\"choices\":[{\"index\":0,\"text\":\"a\"}]}",
                "{\"choices\":[{\"index\":0,\"text\":\"b\"}]}", "{\"choices\":[{\"index\":0,\"text\":\"c\"}]}",
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":3}}", "[DONE]"), 150, 60);
        RequestTiming timing = client(OpenAiClient.Endpoint.COMPLETIONS).send(BenchRequest.ofTokens(
                new int[] {5, 6, 7, 8}, 3));

        assertThat(timing.succeeded()).as(timing.error().orElse("")).isTrue();
        assertThat(timing.promptTokens()).isEqualTo(4);
        assertThat(timing.outputTokens()).isEqualTo(3);
        assertThat(timing.chunkNanos()).hasSize(3);
        assertThat(timing.ttftMillis().orElseThrow()).isBetween(150.0, 1000.0);
        long[] chunks = timing.chunkNanos();
        // The server sends a chunk every 60 ms; one read late by a scheduling hiccup shortens the next gap, so the bound
        // only has to tell chunks timed on arrival (tens of ms apart) from chunks timed together at the end (~0).
        for (int i = 1; i < chunks.length; i++) {
            assertThat((chunks[i] - chunks[i - 1]) / 1e6).isBetween(30.0, 800.0);
        }
        // The end is the last token, not the usage chunk or [DONE] after it.
        assertThat(timing.endNanos()).isEqualTo(chunks[2]);

        JsonNode body = bodies.poll();
        assertThat(body.get("model").asText()).isEqualTo("m");
        assertThat(body.get("prompt").toString()).isEqualTo("[5,6,7,8]");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(3);
        assertThat(body.get("ignore_eos").asBoolean()).isTrue();
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.at("/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void chatDeltasAndTextPrompts() {
        script = exchange -> {
            assertThat(exchange.getRequestURI().getPath()).isEqualTo("/v1/chat/completions");
            assertThat(exchange.getRequestHeaders().getFirst("Authorization")).isEqualTo("Bearer secret");
            sse(exchange, List.of("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
                    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}",
                    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"}}]}", "[DONE]"), 0, 5);
        };
        RequestTiming timing = client(OpenAiClient.Endpoint.CHAT).send(BenchRequest.ofText("Hello", 2));
        assertThat(timing.succeeded()).isTrue();
        // The role-only first chunk carries no text and is not a token; without usage, chunks count the tokens.
        assertThat(timing.chunkNanos()).hasSize(2);
        assertThat(timing.outputTokens()).isEqualTo(2);
        JsonNode body = bodies.poll();
        assertThat(body.at("/messages/0/content").asText()).isEqualTo("Hello");
        assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void httpErrorsAreRecordedWithTheServersMessage() {
        script = exchange -> {
            byte[] body = "{\"error\":{\"message\":\"queue full\",\"type\":\"rate_limit_error\"}}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(429, body.length);
            exchange.getResponseBody().write(body);
        };
        RequestTiming timing = client(OpenAiClient.Endpoint.COMPLETIONS).send(BenchRequest.ofTokens(new int[] {1}, 4));
        assertThat(timing.error()).contains("HTTP 429: queue full");
        assertThat(timing.promptTokens()).isEqualTo(1);
    }

    @Test
    void aStreamThatBreaksOffOrReportsAnErrorFails() {
        script = exchange -> sse(exchange, List.of("{\"choices\":[{\"text\":\"a\"}]}"), 0, 0);
        assertThat(client(OpenAiClient.Endpoint.COMPLETIONS).send(BenchRequest.ofTokens(new int[] {1}, 4)).error())
                .contains("the stream ended without [DONE]");
        script = exchange -> sse(exchange, List.of("{\"choices\":[{\"text\":\"a\"}]}",
                "{\"error\":{\"message\":\"engine failed\"}}", "[DONE]"), 0, 0);
        assertThat(client(OpenAiClient.Endpoint.COMPLETIONS).send(BenchRequest.ofTokens(new int[] {1}, 4)).error())
                .contains("stream error: engine failed");
    }

    @Test
    void anUnreachableServerIsAnErrorNotAnException() {
        server.stop(0);
        RequestTiming timing = client(OpenAiClient.Endpoint.COMPLETIONS).send(BenchRequest.ofTokens(new int[] {1}, 4));
        assertThat(timing.succeeded()).isFalse();
        assertThat(timing.error().orElseThrow()).contains("ConnectException");
    }
}
