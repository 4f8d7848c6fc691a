package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.sampling.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Triton's generate extension as TensorRT-LLM's backend speaks it. */
class TritonTest {

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
    void generateAnswersWithThePromptAndTheGreedyText() throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v2/models/test-model/generate"), """
                {"text_input": "What is machine learning?", "max_tokens": 5, "bad_words": "", "stop_words": "",
                 "temperature": 0, "ignore_eos": true}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Http.json(response);
        assertThat(body.get("model_name").asText()).isEqualTo("test-model");
        assertThat(body.get("model_version").asText()).isEqualTo("1");
        String generated = greedy("What is machine learning?", 5);
        assertThat(body.get("text_output").asText()).isEqualTo("What is machine learning?" + generated);
    }

    @Test
    void parametersMayComeInAParametersObjectAndTheEnsembleNameWorks() throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v2/models/ensemble/generate"), """
                {"text_input": "Hi", "parameters": {"max_tokens": 4, "temperature": 0, "ignore_eos": true,
                 "exclude_input_in_output": true}}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Http.json(response).get("model_name").asText()).isEqualTo("ensemble");
        assertThat(Http.json(response).get("text_output").asText()).isEqualTo(greedy("Hi", 4));
        // A top-level key wins over the same key in parameters.
        HttpResponse<String> overridden = Http.post(server.uri("/v2/models/ensemble/generate"), """
                {"text_input": "Hi", "max_tokens": 2, "parameters": {"max_tokens": 4, "temperature": 0,
                 "ignore_eos": true, "exclude_input_in_output": true}}""");
        assertThat(Http.json(overridden).get("text_output").asText()).isEqualTo(greedy("Hi", 2));
    }

    @Test
    void generateStreamSendsTheNewTextAsEvents() throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v2/models/test-model/generate_stream"), """
                {"text_input": "The weather today", "max_tokens": 6, "temperature": 0, "ignore_eos": true,
                 "stream": true}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> events = Http.events(response.body());
        assertThat(events).isNotEmpty().doesNotContain("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String event : events) {
            JsonNode chunk = Http.JSON.readTree(event);
            assertThat(chunk.get("model_name").asText()).isEqualTo("test-model");
            text.append(chunk.get("text_output").asText());
        }
        assertThat(text.toString()).isEqualTo(greedy("The weather today", 6));
        assertThat(Http.JSON.readTree(events.getLast()).get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void healthModelReadyAndMetadata() throws Exception {
        assertThat(Http.get(server.uri("/v2/health/ready")).statusCode()).isEqualTo(200);
        assertThat(Http.get(server.uri("/v2/health/live")).statusCode()).isEqualTo(200);
        assertThat(Http.get(server.uri("/v2/models/test-model/ready")).statusCode()).isEqualTo(200);
        assertThat(Http.get(server.uri("/v2/models/nope/ready")).statusCode()).isEqualTo(404);
        JsonNode metadata = Http.json(Http.get(server.uri("/v2/models/test-model")));
        assertThat(metadata.get("name").asText()).isEqualTo("test-model");
        assertThat(metadata.get("versions").get(0).asText()).isEqualTo("1");
    }

    @Test
    void badRequests() throws Exception {
        BadInputTest.assertError(Http.post(server.uri("/v2/models/test-model/generate"), "{\"max_tokens\": 3}"),
                400, "text_input");
        BadInputTest.assertError(Http.post(server.uri("/v2/models/test-model/generate"),
                "{\"text_input\": \"x\", \"stream\": true}"), 400, "stream");
        BadInputTest.assertError(Http.post(server.uri("/v2/models/test-model/generate"),
                "{\"text_input\": \"x\", \"top_p\": 2}"), 400, "top_p");
        BadInputTest.assertError(Http.post(server.uri("/v2/models/test-model/generate"),
                "{\"text_input\": \"x\", \"parameters\": {\"max_tokens\": -1}}"), 400, "max_tokens");
        BadInputTest.assertError(Http.post(server.uri("/v2/models/test-model/generate"),
                "{\"text_input\": \"x\", \"parameters\": 3}"), 400, "parameters");
    }

    private static String greedy(String prompt, int maxTokens) {
        int[] ids = server.llm.tokenizer().orElseThrow().encode(prompt, true);
        return server.llm.generateTokens(List.of(ids), SamplingParams.builder().greedy().maxTokens(maxTokens)
                .ignoreEos(true).build()).getFirst().outputs().getFirst().text();
    }
}
