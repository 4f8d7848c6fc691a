package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input issue 5 lists gets a 400 (404 for an unknown model or path) in OpenAI's error shape, naming the
 * parameter at fault; none of them leaves a request or a KV block behind.
 */
class BadInputTest {

    @TempDir
    static Path temp;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")), engine -> {},
                config -> config.maxRequestBytes(64 * 1024).maxN(4).maxStopStrings(4));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        assertThat(server.idleStats().kvBlocksUsed()).isZero();
        server.close();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"prompt": "x", "max_tokens": "ten"}                   | max_tokens
            {"prompt": "x", "max_tokens": 0}                       | max_tokens
            {"prompt": "x", "max_tokens": 2.5}                     | max_tokens
            {"prompt": "x", "max_tokens": 99999999999}             | max_tokens
            {"prompt": "x", "temperature": -0.5}                   | temperature
            {"prompt": "x", "temperature": "hot"}                  | temperature
            {"prompt": "x", "top_p": 0}                            | top_p
            {"prompt": "x", "top_p": 1.5}                          | top_p
            {"prompt": "x", "top_k": -2}                           | top_k
            {"prompt": "x", "n": 5}                                | n
            {"prompt": "x", "n": 0}                                | n
            {"prompt": "x", "stop": ["a", "b", "c", "d", "e"]}     | stop
            {"prompt": "x", "stop": [""]}                          | stop
            {"prompt": "x", "stop": [1]}                           | stop
            {"prompt": "x", "seed": "s"}                           | seed
            {"prompt": "x", "stream": "yes"}                       | stream
            {"prompt": "x", "stream_options": {"include_usage": true}} | stream_options
            {"prompt": "x", "min_tokens": 20, "max_tokens": 10}    | min_tokens
            {"prompt": "x", "stop_token_ids": [-1]}                | stop_token_ids
            {"prompt": "x", "presence_penalty": 3}                 | presence_penalty
            {"prompt": "x", "logprobs": 21}                        | logprobs
            {"prompt": "x", "ignore_eos": 1}                       | ignore_eos
            {"prompt": "x", "suffix": "tail"}                      | suffix
            {"prompt": "x", "logit_bias": {"5": 10}}               | logit_bias
            {}                                                     | prompt
            {"prompt": 5}                                          | prompt
            {"prompt": []}                                         | prompt
            {"prompt": [[]]}                                       | prompt
            {"prompt": [1, "a"]}                                   | prompt
            {"prompt": [1, 999999]}                                | prompt
            {"prompt": ["a", "b", "c", "d", "e"]}                  | prompt
            """)
    void completionsParameters(String body, String param) throws Exception {
        assertError(Http.post(server.uri("/v1/completions"), body), 400, param);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"messages": []}                                                    | messages
            {}                                                                  | messages
            {"messages": "hi"}                                                  | messages
            {"messages": [{"role": "wizard", "content": "hi"}]}                 | messages[0].role
            {"messages": [{"content": "hi"}]}                                   | messages[0].role
            {"messages": [{"role": "user"}]}                                    | messages[0].content
            {"messages": [{"role": "user", "content": 5}]}                      | messages[0].content
            {"messages": ["hi"]}                                                | messages[0]
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]} | messages[0].content[0].type
            {"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 0} | max_completion_tokens
            {"messages": [{"role": "user", "content": "hi"}], "logprobs": true, "top_logprobs": 30} | top_logprobs
            {"messages": [{"role": "user", "content": "hi"}], "top_logprobs": 2} | top_logprobs
            {"messages": [{"role": "user", "content": "hi"}], "tool_choice": "required"} | tool_choice
            {"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"}} | response_format
            {"messages": [{"role": "user", "content": "hi"}], "chat_template_kwargs": {"messages": 1}} | chat_template_kwargs
            """)
    void chatParameters(String body, String param) throws Exception {
        assertError(Http.post(server.uri("/v1/chat/completions"), body), 400, param);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"prompt\": \"x\"", "{\"prompt\": \"x\"} trailing", "[1, 2]", "", "nul",
            "{\"prompt\": \"x\",}", "\"just a string\""})
    void malformedBodies(String body) throws Exception {
        assertError(Http.post(server.uri("/v1/completions"), body), 400, null);
    }

    @Test
    void invalidUtf8() throws Exception {
        byte[] body = "{\"prompt\": \"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        byte[] broken = body.clone();
        broken[broken.length - 3] = (byte) 0xC3; // a lead byte followed by '"'
        HttpResponse<String> response = Http.post(server.uri("/v1/completions"), broken);
        assertError(response, 400, null);
        assertThat(Http.json(response).get("error").get("message").asText()).contains("UTF-8");
        byte[] overlong = {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'};
        assertError(Http.post(server.uri("/v1/completions"), overlong), 400, null);
    }

    @Test
    void aBodyOverTheLimit() throws Exception {
        String big = "{\"prompt\": \"" + "a".repeat(70 * 1024) + "\"}";
        HttpResponse<String> response = Http.post(server.uri("/v1/completions"), big);
        assertError(response, 400, null);
        assertThat(Http.json(response).get("error").get("code").asText()).isEqualTo("request_too_large");
        // The server is fine afterwards, on a new connection or the same one.
        assertThat(Http.get(server.uri("/health")).statusCode()).isEqualTo(200);
    }

    @Test
    void aPromptLongerThanMaxSeqLen() throws Exception {
        String prompt = "word ".repeat(400);
        HttpResponse<String> response = Http.post(server.uri("/v1/completions"),
                "{\"prompt\": \"" + prompt + "\", \"max_tokens\": 1}");
        assertError(response, 400, null);
        assertThat(Http.json(response).get("error").get("message").asText()).contains("max_seq_len");
        HttpResponse<String> chat = Http.post(server.uri("/v1/chat/completions"),
                "{\"messages\": [{\"role\": \"user\", \"content\": \"" + prompt + "\"}]}");
        assertError(chat, 400, null);
    }

    @Test
    void wrongContentType() throws Exception {
        assertError(Http.post(server.uri("/v1/completions"), "prompt=x", "Content-Type",
                "application/x-www-form-urlencoded"), 400, null);
    }

    @Test
    void unknownModelAndPath() throws Exception {
        HttpResponse<String> model = Http.post(server.uri("/v1/completions"), "{\"model\": \"gpt-4\", \"prompt\": \"x\"}");
        assertError(model, 404, "model");
        assertThat(Http.json(model).get("error").get("code").asText()).isEqualTo("model_not_found");
        assertError(Http.post(server.uri("/v2/models/other/generate"), "{\"text_input\": \"x\"}"), 404, "model");
        assertError(Http.get(server.uri("/v1/nothing")), 404, null);
        assertError(Http.get(server.uri("/v1/completions")), 404, null);
    }

    static void assertError(HttpResponse<String> response, int status, String param) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode body = Http.json(response);
        assertErrorShape(body);
        if (param != null) {
            assertThat(body.get("error").get("param").asText()).as(response.body()).isEqualTo(param);
        }
    }

    static void assertErrorShape(JsonNode body) {
        JsonNode error = body.get("error");
        assertThat(error).as(body.toString()).isNotNull();
        assertThat(error.get("message").isTextual()).isTrue();
        assertThat(error.get("message").asText()).isNotBlank().doesNotContain("\n");
        assertThat(error.get("type").isTextual()).isTrue();
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
    }
}
