package ai.jllm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.models.Model;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK against the server: what a user's existing client code sees. Results are compared
 * with the engine's own greedy output for the same prompt tokens.
 */
class OpenAiSdkTest {

    @TempDir
    static Path temp;
    static TestServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.qwenModel(temp.resolve("qwen")));
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.server.port() + "/v1")
                .apiKey("unused").maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void completion() {
        Completion completion = client.completions().create(CompletionCreateParams.builder().model("test-model")
                .prompt("Hello, my name is").maxTokens(7).temperature(0.0)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build());
        String expected = engineGreedy(encode("Hello, my name is"), 7);
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().getFirst().text()).isEqualTo(expected);
        assertThat(completion.choices().getFirst().finishReason())
                .isEqualTo(com.openai.models.completions.CompletionChoice.FinishReason.LENGTH);
        CompletionUsage usage = completion.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(encode("Hello, my name is").length);
        assertThat(usage.completionTokens()).isEqualTo(7);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + 7);
        assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).isPresent();
    }

    @Test
    void streamedCompletionEqualsTheWholeOne() {
        CompletionCreateParams params = CompletionCreateParams.builder().model("test-model").prompt("天气很好,")
                .maxTokens(10).temperature(0.0).putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> text.append(choice.text())));
        }
        assertThat(text.toString()).isEqualTo(engineGreedy(encode("天气很好,"), 10));
    }

    @Test
    void chatCompletionGoesThroughTheChatTemplate() {
        ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("test-model").addSystemMessage("Be brief.").addUserMessage("你好").maxCompletionTokens(6)
                .temperature(0.0).putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build());
        int[] prompt = server.llm.chatPromptTokens(List.of(Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "你好")));
        assertThat(chat.choices().getFirst().message().content()).hasValue(engineGreedy(prompt, 6));
        assertThat(chat.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(chat.usage().orElseThrow().promptTokens()).isEqualTo(prompt.length);
        assertThat(chat.usage().orElseThrow().completionTokens()).isEqualTo(6);
    }

    @Test
    void streamedChatWithUsage() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("test-model")
                .addUserMessage("Tell me a story").maxCompletionTokens(9).temperature(0.0)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build();
        StringBuilder text = new StringBuilder();
        CompletionUsage[] usage = new CompletionUsage[1];
        String[] role = new String[1];
        String[] finish = new String[1];
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.usage().ifPresent(u -> usage[0] = u);
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().role().ifPresent(r -> role[0] = r.asString());
                    choice.delta().content().ifPresent(text::append);
                    choice.finishReason().ifPresent(reason -> finish[0] = reason.asString());
                }
            });
        }
        int[] prompt = server.llm.chatPromptTokens(List.of(Map.of("role", "user", "content", "Tell me a story")));
        assertThat(text.toString()).isEqualTo(engineGreedy(prompt, 9));
        assertThat(role[0]).isEqualTo("assistant");
        assertThat(finish[0]).isEqualTo("length");
        assertThat(usage[0].promptTokens()).isEqualTo(prompt.length);
        assertThat(usage[0].completionTokens()).isEqualTo(9);
    }

    @Test
    void modelsListAndRetrieve() {
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly("test-model");
        assertThat(client.models().retrieve("test-model").id()).isEqualTo("test-model");
        assertThat(catchThrowableOfType(NotFoundException.class, () -> client.models().retrieve("gpt-4"))
                .statusCode()).isEqualTo(404);
    }

    @Test
    void errorsArriveAsTheSdksExceptions() {
        NotFoundException unknownModel = catchThrowableOfType(NotFoundException.class, () -> client.completions()
                .create(CompletionCreateParams.builder().model("gpt-4").prompt("x").build()));
        assertThat(unknownModel.code()).hasValue("model_not_found");
        assertThat(unknownModel.param()).hasValue("model");
        BadRequestException badTemperature = catchThrowableOfType(BadRequestException.class, () -> client.chat()
                .completions().create(ChatCompletionCreateParams.builder().model("test-model").addUserMessage("x")
                        .temperature(-1.0).build()));
        assertThat(badTemperature.param()).hasValue("temperature");
        assertThat(badTemperature.type()).hasValue("invalid_request_error");
        assertThat(badTemperature.getMessage()).contains("temperature");
    }

    @Test
    void nStopAndLogprobsThroughTheSdk() {
        ChatCompletion sampled = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("test-model").addUserMessage("Pick a word").n(2).temperature(1.0)
                .putAdditionalBodyProperty("seed", JsonValue.from(5))
                .maxCompletionTokens(6).logprobs(true).topLogprobs(2)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build());
        assertThat(sampled.choices()).extracting(ChatCompletion.Choice::index).containsExactly(0L, 1L);
        int[] prompt = server.llm.chatPromptTokens(List.of(Map.of("role", "user", "content", "Pick a word")));
        List<ai.jllm.api.CompletionOutput> expected = server.llm.generateTokens(List.of(prompt), SamplingParams
                .builder().n(2).temperature(1.0).seed(5).maxTokens(6).ignoreEos(true).logprobs(2).build())
                .getFirst().outputs();
        for (int i = 0; i < 2; i++) {
            ChatCompletion.Choice choice = sampled.choices().get(i);
            assertThat(choice.message().content()).hasValue(expected.get(i).text());
            var content = choice.logprobs().orElseThrow().content().orElseThrow();
            assertThat(content).hasSize(6);
            for (int t = 0; t < 6; t++) {
                // Within float noise: a second run of the prompt reads its prefix from the cache.
                assertThat(content.get(t).logprob()).isCloseTo(expected.get(i).logprobs().get(t).token().logprob(),
                        org.assertj.core.data.Offset.offset(1e-4));
                assertThat(content.get(t).topLogprobs()).hasSize(2);
            }
        }
        String greedy = engineGreedy(encode("Once more"), 12);
        String stop = greedy.substring(greedy.length() / 2, greedy.length() / 2 + 1);
        Completion stopped = client.completions().create(CompletionCreateParams.builder().model("test-model")
                .prompt("Once more").maxTokens(12).temperature(0.0).stop(stop)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build());
        assertThat(stopped.choices().getFirst().text()).isEqualTo(greedy.substring(0, greedy.indexOf(stop)));
        assertThat(stopped.choices().getFirst().finishReason())
                .isEqualTo(com.openai.models.completions.CompletionChoice.FinishReason.STOP);
        Completion scored = client.completions().create(CompletionCreateParams.builder().model("test-model")
                .prompt("Once more").maxTokens(4).temperature(0.0).logprobs(3L)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build());
        var logprobs = scored.choices().getFirst().logprobs().orElseThrow();
        assertThat(logprobs.tokens().orElseThrow()).hasSize(4);
        assertThat(logprobs.tokenLogprobs().orElseThrow()).allMatch(value -> value <= 0);
        assertThat(logprobs.topLogprobs().orElseThrow()).allMatch(top -> top._allProperties().size() == 3);
    }

    private static int[] encode(String text) {
        return server.llm.tokenizer().orElseThrow().encode(text, true);
    }

    private static String engineGreedy(int[] prompt, int maxTokens) {
        RequestOutput output = server.llm.generateTokens(List.of(prompt),
                SamplingParams.builder().greedy().maxTokens(maxTokens).ignoreEos(true).build()).getFirst();
        return output.outputs().getFirst().text();
    }
}
