package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.sampling.TokenLogprobs;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every sampling parameter reaches the engine: the server's answer equals the engine's own for the same
 * SamplingParams (the engine's semantics are tested against references in core), and where the parameter changes
 * the answer, it does.
 */
class SamplingParametersTest {

    private static final String PROMPT = "Tell me about the sea";

    @TempDir
    static Path temp;
    static TestServer server;
    static int[] prompt;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")));
        prompt = server.llm.tokenizer().orElseThrow().encode(PROMPT, true);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        assertThat(server.idleStats().kvBlocksUsed()).isZero();
        server.close();
    }

    @Test
    void penaltiesMinPTopKAndBadWordsMapThrough() throws Exception {
        String greedy = texts(completion("\"temperature\": 0")).getFirst();
        String penalized = texts(completion("\"temperature\": 0, \"presence_penalty\": 1.5, "
                + "\"frequency_penalty\": 1.0, \"repetition_penalty\": 1.3")).getFirst();
        assertThat(penalized).isEqualTo(engine(base().greedy().presencePenalty(1.5).frequencyPenalty(1.0)
                .repetitionPenalty(1.3)).getFirst().text());
        assertThat(penalized).isNotEqualTo(greedy);
        String sampled = texts(completion("\"temperature\": 0.9, \"top_k\": 5, \"top_p\": 0.9, \"min_p\": 0.05, "
                + "\"seed\": 3")).getFirst();
        assertThat(sampled).isEqualTo(engine(base().temperature(0.9).topK(5).topP(0.9).minP(0.05).seed(3))
                .getFirst().text());
        String firstWord = greedy.strip().split("\\s+")[0];
        String banned = texts(completion("\"temperature\": 0, \"bad_words\": [\"" + json(firstWord) + "\"]"))
                .getFirst();
        assertThat(banned).isEqualTo(engine(base().greedy().badWords(List.of(firstWord))).getFirst().text());
    }

    @Test
    void nSamplesAreNumberedAndSeeded() throws Exception {
        JsonNode answer = completion("\"n\": 3, \"temperature\": 1.0, \"seed\": 7");
        List<CompletionOutput> expected = engine(base().n(3).temperature(1.0).seed(7));
        JsonNode choices = answer.get("choices");
        assertThat(choices).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(choices.get(i).get("index").asInt()).isEqualTo(i);
            assertThat(choices.get(i).get("text").asText()).isEqualTo(expected.get(i).text());
        }
        assertThat(answer.get("usage").get("completion_tokens").asInt()).isEqualTo(3 * 12);
        assertThat(answer.get("usage").get("prompt_tokens").asInt()).isEqualTo(prompt.length);
        // Streamed, each index's pieces add up to its sample.
        HttpResponse<String> streamed = Http.post(server.uri("/v1/completions"), body("\"n\": 3, \"temperature\": "
                + "1.0, \"seed\": 7, \"stream\": true"));
        List<StringBuilder> texts = List.of(new StringBuilder(), new StringBuilder(), new StringBuilder());
        for (String event : Http.events(streamed.body())) {
            if (!event.equals("[DONE]")) {
                JsonNode choice = Http.JSON.readTree(event).get("choices").get(0);
                texts.get(choice.get("index").asInt()).append(choice.get("text").asText());
            }
        }
        for (int i = 0; i < 3; i++) {
            assertThat(texts.get(i).toString()).isEqualTo(expected.get(i).text());
        }
    }

    @Test
    void stopStringsCutTheTextAndSayWhy() throws Exception {
        String greedy = texts(completion("\"temperature\": 0, \"max_tokens\": 20")).getFirst();
        String stop = greedy.substring(greedy.length() / 2, greedy.length() / 2 + 2);
        JsonNode choice = completion("\"temperature\": 0, \"max_tokens\": 20, \"stop\": [\"" + json(stop) + "\"]")
                .get("choices").get(0);
        assertThat(choice.get("text").asText()).isEqualTo(greedy.substring(0, greedy.indexOf(stop)));
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice.get("stop_reason").asText()).isEqualTo(stop);
        JsonNode kept = completion("\"temperature\": 0, \"max_tokens\": 20, \"stop\": \"" + json(stop) + "\", "
                + "\"include_stop_str_in_output\": true").get("choices").get(0);
        assertThat(kept.get("text").asText()).isEqualTo(greedy.substring(0, greedy.indexOf(stop) + stop.length()));
        // Triton's stop_words work the same way.
        HttpResponse<String> triton = Http.post(server.uri("/v2/models/test-model/generate"), "{\"text_input\": \""
                + PROMPT + "\", \"max_tokens\": 20, \"temperature\": 0, \"ignore_eos\": true, \"stop_words\": [\""
                + json(stop) + "\"], \"exclude_input_in_output\": true}");
        assertThat(Http.json(triton).get("text_output").asText()).isEqualTo(greedy.substring(0, greedy.indexOf(stop)));
    }

    @Test
    void completionLogprobsInTheLegacyShape() throws Exception {
        JsonNode choice = completion("\"temperature\": 0, \"logprobs\": 2").get("choices").get(0);
        CompletionOutput expected = engine(base().greedy().logprobs(2)).getFirst();
        JsonNode logprobs = choice.get("logprobs");
        assertThat(logprobs.get("tokens")).hasSize(12);
        String text = choice.get("text").asText();
        int offset = 0;
        for (int i = 0; i < 12; i++) {
            TokenLogprobs position = expected.logprobs().get(i);
            assertThat(logprobs.get("token_logprobs").get(i).floatValue()).isCloseTo(position.token().logprob(),
                    org.assertj.core.data.Offset.offset(1e-4f));
            assertThat(logprobs.get("top_logprobs").get(i)).hasSize(2);
            // Greedy: the chosen token is the most likely one.
            assertThat(position.token().tokenId()).isEqualTo(position.top().getFirst().tokenId());
            assertThat(logprobs.get("text_offset").get(i).asInt()).isEqualTo(offset);
            offset += logprobs.get("tokens").get(i).asText().length();
        }
        assertThat(String.join("", logprobs.get("tokens").valueStream().map(JsonNode::asText).toList()))
                .isEqualTo(text);
        // echo with logprobs scores the prompt as well; its first token has nothing to be predicted from.
        JsonNode echoed = completion("\"temperature\": 0, \"logprobs\": 1, \"echo\": true").get("choices").get(0)
                .get("logprobs");
        assertThat(echoed.get("tokens")).hasSize(prompt.length + 12);
        assertThat(echoed.get("token_logprobs").get(0).isNull()).isTrue();
        assertThat(echoed.get("token_logprobs").get(1).isNumber()).isTrue();
        assertThat(echoed.get("text_offset").get(prompt.length).asInt()).isEqualTo(PROMPT.length());
    }

    @Test
    void chatLogprobsAndPromptLogprobs() throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v1/chat/completions"), """
                {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5, "temperature": 0,
                 "ignore_eos": true, "logprobs": true, "top_logprobs": 3, "prompt_logprobs": 1}""");
        JsonNode answer = Http.json(response);
        JsonNode content = answer.get("choices").get(0).get("logprobs").get("content");
        assertThat(content).hasSize(5);
        for (JsonNode entry : content) {
            assertThat(entry.get("top_logprobs")).hasSize(3);
            assertThat(entry.get("logprob").floatValue()).isEqualTo(entry.get("top_logprobs").get(0).get("logprob")
                    .floatValue());
            assertThat(entry.get("bytes").isArray()).isTrue();
        }
        int promptTokens = answer.get("usage").get("prompt_tokens").asInt();
        JsonNode promptLogprobs = answer.get("prompt_logprobs");
        assertThat(promptLogprobs).hasSize(promptTokens);
        assertThat(promptLogprobs.get(0).isNull()).isTrue();
        assertThat(promptLogprobs.get(1).properties()).isNotEmpty();
    }

    @Test
    void beamSearchReturnsTheEnginesBeams() throws Exception {
        JsonNode answer = completion("\"use_beam_search\": true, \"best_of\": 3, \"n\": 2, \"temperature\": 0");
        List<CompletionOutput> expected = engine(base().greedy().beamWidth(3).n(2));
        assertThat(texts(answer)).containsExactly(expected.get(0).text(), expected.get(1).text());
        // Streamed beam search sends each beam once it is decided.
        HttpResponse<String> streamed = Http.post(server.uri("/v1/completions"), body("\"use_beam_search\": true, "
                + "\"best_of\": 3, \"n\": 2, \"temperature\": 0, \"stream\": true"));
        List<String> texts = new ArrayList<>(List.of("", ""));
        for (String event : Http.events(streamed.body())) {
            if (!event.equals("[DONE]")) {
                JsonNode choice = Http.JSON.readTree(event).get("choices").get(0);
                texts.set(choice.get("index").asInt(), texts.get(choice.get("index").asInt())
                        + choice.get("text").asText());
            }
        }
        assertThat(texts).containsExactly(expected.get(0).text(), expected.get(1).text());
    }

    @Test
    void tritonLogprobs() throws Exception {
        JsonNode answer = Http.json(Http.post(server.uri("/v2/models/test-model/generate"), "{\"text_input\": \""
                + PROMPT + "\", \"max_tokens\": 4, \"temperature\": 0, \"ignore_eos\": true, "
                + "\"return_log_probs\": true}"));
        assertThat(answer.get("output_log_probs")).hasSize(4);
        double sum = 0;
        for (JsonNode value : answer.get("output_log_probs")) {
            sum += value.doubleValue();
        }
        assertThat(answer.get("cum_log_probs").doubleValue()).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-4));
    }

    private static SamplingParams.Builder base() {
        return SamplingParams.builder().maxTokens(12).ignoreEos(true);
    }

    private static List<CompletionOutput> engine(SamplingParams.Builder params) {
        RequestOutput output = server.llm.generateTokens(List.of(prompt), params.build()).getFirst();
        return output.outputs();
    }

    private static JsonNode completion(String parameters) throws Exception {
        HttpResponse<String> response = Http.post(server.uri("/v1/completions"), body(parameters));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Http.json(response);
    }

    private static String body(String parameters) {
        String withDefaults = parameters.contains("max_tokens") ? parameters : parameters + ", \"max_tokens\": 12";
        return "{\"prompt\": \"" + PROMPT + "\", \"ignore_eos\": true, " + withDefaults + "}";
    }

    private static List<String> texts(JsonNode answer) {
        return answer.get("choices").valueStream().map(choice -> choice.get("text").asText()).toList();
    }

    private static String json(String text) throws Exception {
        String quoted = Http.JSON.writeValueAsString(text);
        return quoted.substring(1, quoted.length() - 1);
    }
}
