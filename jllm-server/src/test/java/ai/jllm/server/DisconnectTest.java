package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.engine.IterationStats;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that goes away mid-stream cancels its request: the engine stops generating for it and frees its KV
 * blocks at once, instead of running to max_tokens for nobody.
 */
class DisconnectTest {

    private static final int MAX_TOKENS = 3000;

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")), engine -> engine.maxSeqLen(4096),
                config -> {});
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aVanishedStreamingClientFreesItsBlocksAtOnce() throws Exception {
        double disconnectsBefore = counter("jllm_client_disconnects_total");
        for (String path : List.of("/v1/completions", "/v1/chat/completions",
                "/v2/models/test-model/generate_stream")) {
            double iterationsBefore = counter("jllm_engine_iterations_total");
            String body = switch (path) {
                case "/v1/chat/completions" -> "{\"messages\": [{\"role\": \"user\", \"content\": \"Talk forever\"}],";
                case "/v1/completions" -> "{\"prompt\": \"Talk forever\",";
                default -> "{\"text_input\": \"Talk forever\",";
            } + " \"max_tokens\": " + MAX_TOKENS + ", \"ignore_eos\": true, \"temperature\": 0, \"stream\": true}";
            long start = System.nanoTime();
            try (RawStream stream = new RawStream(server.server.port(), path, body)) {
                assertThat(stream.readEvents(3)).startsWith("HTTP/1.1 200");
                IterationStats running = server.llm.executor().stats();
                assertThat(running.running()).isEqualTo(1);
                assertThat(running.kvBlocksUsed()).isPositive();
            }
            IterationStats after = server.idleStats();
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(after.kvBlocksUsed()).as(path).isZero();
            assertThat(after.running()).isZero();
            double iterations = counter("jllm_engine_iterations_total") - iterationsBefore;
            assertThat(iterations).as("engine steps run for %s (%.2f s)", path, seconds).isLessThan(MAX_TOKENS / 4);
        }
        assertThat(counter("jllm_client_disconnects_total") - disconnectsBefore).isEqualTo(3);
        // The server is healthy and serves the next request normally.
        HttpResponse<String> next = Http.post(server.uri("/v1/completions"), "{\"prompt\": \"x\", \"max_tokens\": 2}");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(server.idleStats().kvBlocksUsed()).isZero();
    }

    @Test
    void aClientThatStopsReadingDoesNotStallOthers() throws Exception {
        try (RawStream stalled = new RawStream(server.server.port(), "/v1/completions",
                "{\"prompt\": \"Go\", \"max_tokens\": 400, \"ignore_eos\": true, \"stream\": true}")) {
            assertThat(stalled.readEvents(1)).startsWith("HTTP/1.1 200");
            long start = System.nanoTime();
            HttpResponse<String> other = Http.post(server.uri("/v1/completions"),
                    "{\"prompt\": \"Quick\", \"max_tokens\": 3, \"ignore_eos\": true}");
            assertThat(other.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        }
        assertThat(server.idleStats().kvBlocksUsed()).isZero();
    }

    private static double counter(String name) {
        return server.metrics.render(server.llm.executor()).lines().filter(line -> line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.split(" ")[1])).sum();
    }
}
