package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two thousand mixed requests from 16 clients at once: plain and streamed completions and chats, Triton calls, bad
 * inputs and clients that hang up mid-stream. Every answer is a 2xx or a 4xx, and afterwards the server is healthy
 * with every KV block free.
 */
class SoakTest {

    private static final int REQUESTS = 2000;

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")),
                engine -> engine.maxBatchSize(8).maxQueueSize(4096), config -> {});
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void mixedLoadLeavesNothingBehind() throws Exception {
        Random random = new Random(42);
        List<Future<Integer>> outcomes = new ArrayList<>(REQUESTS);
        try (ExecutorService clients = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < REQUESTS; i++) {
                int kind = random.nextInt(20);
                int tokens = 1 + random.nextInt(6);
                String prompt = "Soak " + i + " " + "x".repeat(random.nextInt(40));
                outcomes.add(clients.submit(() -> send(kind, tokens, prompt)));
            }
            int disconnects = 0;
            for (Future<Integer> outcome : outcomes) {
                int status = outcome.get(120, TimeUnit.SECONDS);
                assertThat(status).isBetween(0, 499);
                disconnects += status == 0 ? 1 : 0;
            }
            assertThat(disconnects).isPositive();
        }
        assertThat(server.idleStats().kvBlocksUsed()).isZero();
        assertThat(server.llm.executor().numRequests()).isZero();
        assertThat(Http.get(server.uri("/health")).statusCode()).isEqualTo(200);
        assertThat(server.metrics.render(server.llm.executor())).doesNotContain("status=\"5");
    }

    /** One request of the given kind; its HTTP status, or 0 for a client that hung up. */
    private static int send(int kind, int tokens, String prompt) throws Exception {
        String common = "\"max_tokens\": " + tokens + ", \"ignore_eos\": true";
        HttpResponse<String> response = switch (kind) {
            case 0, 1, 2, 3, 4, 5 -> Http.post(server.uri("/v1/completions"),
                    "{\"prompt\": \"" + prompt + "\", " + common + "}");
            case 6, 7, 8 -> Http.post(server.uri("/v1/completions"),
                    "{\"prompt\": \"" + prompt + "\", " + common + ", \"stream\": true}");
            case 9, 10 -> Http.post(server.uri("/v1/chat/completions"),
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"" + prompt + "\"}], " + common
                            + ", \"stream\": " + (tokens % 2 == 0) + "}");
            case 11, 12 -> Http.post(server.uri("/v2/models/test-model/generate"),
                    "{\"text_input\": \"" + prompt + "\", " + common + "}");
            case 13, 14, 15 -> Http.post(server.uri("/v1/completions"), switch (tokens) {
                case 1 -> "{\"prompt\": \"x\", \"max_tokens\": -1}";
                case 2 -> "{\"prompt\": ";
                case 3 -> "{\"messages\": []}";
                case 4 -> "{\"prompt\": [1, 2, 99999999]}";
                default -> "{\"prompt\": \"x\", \"top_p\": 7}";
            });
            default -> {
                String body = "{\"prompt\": \"" + prompt + "\", \"max_tokens\": 200, \"ignore_eos\": true, "
                        + "\"stream\": true}";
                try (RawStream stream = new RawStream(server.server.port(), "/v1/completions", body)) {
                    if (tokens > 2) {
                        stream.readEvents(1 + tokens % 3);
                    }
                }
                yield null;
            }
        };
        return response == null ? 0 : response.statusCode();
    }
}
