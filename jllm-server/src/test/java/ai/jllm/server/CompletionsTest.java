package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/completions} over raw HTTP: response shape, usage, SSE framing, greedy parity with the engine. */
class CompletionsTest {

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void answersWithTheEnginesGreedyTokens() throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v1/completions"), """
                {"model": "test-model", "prompt": "The capital of France is", "max_tokens": 6, "temperature": 0,
                 "ignore_eos": true}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode body = Http.json(response);
        assertThat(body.get("id").asText()).startsWith("cmpl-");
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.get("model").asText()).isEqualTo("test-model");
        assertThat(body.get("created").asLong()).isPositive();
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");

        int[] prompt = server.llm.tokenizer().orElseThrow().encode("The capital of France is", true);
        RequestOutput direct = server.llm.generateTokens(List.of(prompt),
                SamplingParams.builder().greedy().maxTokens(6).ignoreEos(true).build()).getFirst();
        assertThat(choice.get("text").asText()).isEqualTo(direct.outputs().getFirst().text());
        JsonNode usage = body.get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(prompt.length);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(6);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(prompt.length + 6);
        assertThat(usage.get("prompt_tokens_details").get("cached_tokens").isInt()).isTrue();
    }

    @Test
    void streamsDataEventsEndingWithDone() throws Exception {
        HttpResponse<String> whole = Http.post(server.uri("/v1/completions"), """
                {"prompt": "Once upon a time", "max_tokens": 8, "temperature": 0, "ignore_eos": true}""");
        HttpResponse<String> streamed = Http.post(server.uri("/v1/completions"), """
                {"prompt": "Once upon a time", "max_tokens": 8, "temperature": 0, "ignore_eos": true,
                 "stream": true, "stream_options": {"include_usage": true}}""");
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        List<String> events = Http.events(streamed.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        String finishReason = null;
        JsonNode usage = null;
        for (String event : events.subList(0, events.size() - 1)) {
            JsonNode chunk = Http.JSON.readTree(event);
            assertThat(chunk.get("object").asText()).isEqualTo("text_completion");
            if (chunk.get("choices").isEmpty()) {
                usage = chunk.get("usage");
                continue;
            }
            text.append(chunk.get("choices").get(0).get("text").asText());
            if (!chunk.get("choices").get(0).get("finish_reason").isNull()) {
                finishReason = chunk.get("choices").get(0).get("finish_reason").asText();
            }
        }
        assertThat(text.toString()).isEqualTo(Http.json(whole).get("choices").get(0).get("text").asText());
        assertThat(finishReason).isEqualTo("length");
        assertThat(usage).isNotNull();
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(8);
    }
}
