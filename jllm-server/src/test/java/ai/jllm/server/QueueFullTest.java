package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full engine queue answers 429 with Retry-After, and the requests it accepted still complete. */
class QueueFullTest {

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")),
                engine -> engine.maxBatchSize(1).maxQueueSize(1).maxSeqLen(4096), config -> {});
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        try (RawStream running = new RawStream(server.server.port(), "/v1/completions",
                "{\"prompt\": \"Long\", \"max_tokens\": 3000, \"ignore_eos\": true, \"stream\": true}")) {
            running.readEvents(2);
            CompletableFuture<HttpResponse<String>> queued = CompletableFuture.supplyAsync(() -> post(
                    "{\"prompt\": \"Short\", \"max_tokens\": 3, \"ignore_eos\": true}"));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (server.llm.executor().stats().waiting() < 1) {
                assertThat(System.nanoTime()).as("the second request never queued").isLessThan(deadline);
                Thread.sleep(2);
            }
            HttpResponse<String> refused = post("{\"prompt\": \"One more\", \"max_tokens\": 3}");
            BadInputTest.assertError(refused, 429, null);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            assertThat(Http.json(refused).get("error").get("code").asText()).isEqualTo("queue_full");
            assertThat(Http.json(refused).get("error").get("type").asText()).isEqualTo("rate_limit_error");
            // The streaming client leaves: its slot goes to the queued request, which completes.
            running.hangUp();
            assertThat(queued.get().statusCode()).isEqualTo(200);
        }
        assertThat(server.idleStats().kvBlocksUsed()).isZero();
    }

    private static HttpResponse<String> post(String body) {
        try {
            return Http.post(server.uri("/v1/completions"), body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
