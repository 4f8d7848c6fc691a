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

    @Test
    void promptListsTokenIdsAndEcho() throws Exception {
        int[] second = server.llm.tokenizer().orElseThrow().encode("Second prompt", true);
        HttpResponse<String> response = Http.post(server.uri("/v1/completions"), """
                {"prompt": ["First prompt", %s], "max_tokens": 4, "temperature": 0, "ignore_eos": true,
                 "echo": true}""".formatted(java.util.Arrays.toString(second)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode choices = Http.json(response).get("choices");
        assertThat(choices).hasSize(2);
        int[] first = server.llm.tokenizer().orElseThrow().encode("First prompt", true);
        assertThat(choices.get(0).get("index").asInt()).isZero();
        assertThat(choices.get(0).get("text").asText()).isEqualTo("First prompt" + greedy(first, 4));
        assertThat(choices.get(1).get("index").asInt()).isEqualTo(1);
        assertThat(choices.get(1).get("text").asText())
                .isEqualTo(server.llm.tokenizer().orElseThrow().decode(second, false) + greedy(second, 4));
        assertThat(Http.json(response).get("usage").get("prompt_tokens").asInt())
                .isEqualTo(first.length + second.length);
        assertThat(Http.json(response).get("usage").get("completion_tokens").asInt()).isEqualTo(8);
    }

    @Test
    void aRepeatedPromptReportsCachedTokens() throws Exception {
        String body = "{\"prompt\": \"" + "The same long preamble, again and again. ".repeat(12)
                + "\", \"max_tokens\": 1}";
        Http.post(server.uri("/v1/completions"), body);
        HttpResponse<String> again = Http.post(server.uri("/v1/completions"), body);
        JsonNode usage = Http.json(again).get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isGreaterThan(64);
        // Whole blocks of 32 tokens come from the prefix cache.
        assertThat(usage.get("prompt_tokens_details").get("cached_tokens").asInt()).isPositive()
                .isEqualTo(usage.get("prompt_tokens").asInt() / 32 * 32);
    }

    @Test
    void streamedEventsAreWholeUtf8Characters() throws Exception {
        // Sampling over the whole vocabulary of a random model produces CJK, emoji and byte-fallback pieces.
        String request = "{\"prompt\": \"你好\", \"max_tokens\": 120, \"temperature\": 1.0, \"seed\": 11,"
                + " \"ignore_eos\": true";
        java.net.http.HttpResponse<byte[]> streamed = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(server.uri("/v1/completions"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(request + ", \"stream\": true}"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        byte[] bytes = streamed.body();
        StringBuilder text = new StringBuilder();
        int start = 0;
        for (int end = indexOf(bytes, start); end >= 0; start = end + 2, end = indexOf(bytes, start)) {
            // Every event on its own is valid UTF-8: no character is split across two events.
            String event = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes, start, end - start)).toString();
            String data = event.substring("data: ".length());
            if (!data.equals("[DONE]")) {
                String piece = Http.JSON.readTree(data).get("choices").get(0).get("text").asText();
                assertThat(piece.codePoints().allMatch(cp -> cp < 0xD800 || cp > 0xDFFF)).as(piece).isTrue();
                text.append(piece);
            }
        }
        assertThat(start).isEqualTo(bytes.length);
        String whole = Http.json(Http.post(server.uri("/v1/completions"), request + "}")).get("choices").get(0)
                .get("text").asText();
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(whole.codePoints().filter(cp -> cp > 0x7f).count()).as(whole).isPositive();
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static String greedy(int[] prompt, int maxTokens) {
        return server.llm.generateTokens(List.of(prompt), SamplingParams.builder().greedy().maxTokens(maxTokens)
                .ignoreEos(true).build()).getFirst().outputs().getFirst().text();
    }
}
