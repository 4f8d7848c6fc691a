package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful shutdown: new connections are refused, running requests finish within the grace; what outlives the
 * grace is cancelled so the engine can stop.
 */
class ShutdownTest {

    @TempDir
    static Path temp;

    @Test
    void runningRequestsFinishNewOnesAreRefused() throws Exception {
        Path model = TestServer.qwenModel(temp.resolve("finish"));
        try (TestServer server = TestServer.start(model, engine -> engine.maxSeqLen(1024),
                config -> config.shutdownGrace(Duration.ofSeconds(30)))) {
            CompletableFuture<HttpResponse<String>> whole = CompletableFuture.supplyAsync(() -> post(server,
                    "/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 300, \"ignore_eos\": true}"));
            CompletableFuture<HttpResponse<String>> streamed = CompletableFuture.supplyAsync(() -> post(server,
                    "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                            + " \"max_tokens\": 300, \"ignore_eos\": true, \"stream\": true}"));
            waitForRunning(server, 2);
            Thread shutdown = Thread.ofPlatform().start(server.server::shutdown);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (true) {
                try {
                    Http.get(server.uri("/health"));
                } catch (ConnectException e) {
                    break;
                }
                assertThat(System.nanoTime()).as("the server kept accepting connections").isLessThan(deadline);
                Thread.sleep(2);
            }
            assertThat(server.llm.executor().stats().running()).as("refused while still running").isEqualTo(2);
            shutdown.join();

            HttpResponse<String> wholeAnswer = whole.get();
            assertThat(wholeAnswer.statusCode()).isEqualTo(200);
            assertThat(Http.json(wholeAnswer).get("usage").get("completion_tokens").asInt()).isEqualTo(300);
            HttpResponse<String> streamAnswer = streamed.get();
            List<String> events = Http.events(streamAnswer.body());
            assertThat(events.getLast()).isEqualTo("[DONE]");
            JsonNode last = Http.JSON.readTree(events.get(events.size() - 2));
            assertThat(last.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
            assertThat(server.idleStats().kvBlocksUsed()).isZero();
        }
    }

    @Test
    void whatOutlivesTheGraceIsCancelled() throws Exception {
        Path model = TestServer.qwenModel(temp.resolve("cancel"));
        try (TestServer server = TestServer.start(model, engine -> engine.maxSeqLen(8192),
                config -> config.shutdownGrace(Duration.ofMillis(300)))) {
            CompletableFuture<HttpResponse<String>> endless = CompletableFuture.supplyAsync(() -> post(server,
                    "/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 8000, \"ignore_eos\": true}"));
            waitForRunning(server, 1);
            long start = System.nanoTime();
            server.server.shutdown();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(server.idleStats().kvBlocksUsed()).isZero();
            // The client gets an answer or a closed connection, never a hang.
            try {
                assertThat(endless.get().statusCode()).isIn(200, 503);
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(IllegalStateException.class)
                        .hasCauseInstanceOf(IOException.class);
            }
        }
    }

    private static void waitForRunning(TestServer server, int requests) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (server.llm.executor().stats().running() < requests) {
            assertThat(System.nanoTime()).as("requests never started").isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    private static HttpResponse<String> post(TestServer server, String path, String body) {
        try {
            return Http.post(server.uri(path), body);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
