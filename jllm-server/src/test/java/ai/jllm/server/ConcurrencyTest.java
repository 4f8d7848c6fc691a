package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.sampling.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 64 clients stream at once through in-flight batching; each gets exactly the text its prompt gets alone, and no
 * KV block is left held afterwards.
 */
class ConcurrencyTest {

    private static final int CLIENTS = 64;
    private static final int MAX_TOKENS = 12;

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")), engine -> engine.maxBatchSize(16),
                config -> {});
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void parallelStreamsEachGetTheirSoloResult() throws Exception {
        List<String> prompts = new ArrayList<>();
        List<String> solo = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            String prompt = "Client " + i + " asks: " + "why ".repeat(i % 7) + "是什么?";
            prompts.add(prompt);
            int[] ids = server.llm.tokenizer().orElseThrow().encode(prompt, true);
            solo.add(server.llm.generateTokens(List.of(ids), SamplingParams.builder().greedy().maxTokens(MAX_TOKENS)
                    .ignoreEos(true).build()).getFirst().outputs().getFirst().text());
        }
        List<Future<String>> streams = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CLIENTS; i++) {
                String body = Http.JSON.writeValueAsString(java.util.Map.of("prompt", prompts.get(i),
                        "max_tokens", MAX_TOKENS, "temperature", 0, "ignore_eos", true, "stream", true));
                streams.add(clients.submit(() -> streamedText(body)));
            }
            for (int i = 0; i < CLIENTS; i++) {
                assertThat(streams.get(i).get()).as("client %d", i).isEqualTo(solo.get(i));
            }
        }
        assertThat(server.idleStats().kvBlocksUsed()).isZero();
    }

    private static String streamedText(String body) throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v1/completions"), body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> events = Http.events(response.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, events.size() - 1)) {
            JsonNode chunk = Http.JSON.readTree(event);
            text.append(chunk.get("choices").get(0).get("text").asText());
        }
        return text.toString();
    }
}
