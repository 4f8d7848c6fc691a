package ai.jllm.server;

import ai.jllm.JllmException;
import ai.jllm.api.CompletionOutput;
import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.template.ChatTemplate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /v1/chat/completions}: the messages (and tools) go through the chat template into one prompt; each of
 * the n replies comes back as an assistant message, or streamed as chunks of deltas.
 */
final class ChatCompletionsEndpoint {

    private final Serving serving;

    ChatCompletionsEndpoint(Serving serving) {
        this.serving = serving;
    }

    void handle(ServerRequest request, ServerResponse response) throws InterruptedException {
        long start = System.nanoTime();
        RequestBody.requireJsonContentType(request);
        Fields body = Fields.of(RequestBody.readObject(request, serving.config().maxRequestBytes(),
                serving.responses().json()));
        serving.checkModel(body);
        ChatRequest chat = ChatRequest.parse(body, serving.responses().json());
        SamplingParams params = serving.sampling().openAi(body, SamplingMapping.Api.CHAT);
        StreamOptions streamOptions = StreamOptions.parse(body);
        refuseUnsupported(body, streamOptions, params);
        int[] prompt = promptTokens(chat);
        int priority = body.integer("priority").orElse(0);
        String id = Serving.newId("chatcmpl-");
        response.header(AccessLogFilter.REQUEST_ID, id);
        Submission submission = Submission.submit(serving.llm(), id, List.of(prompt), params, streamOptions.stream(),
                priority, body.string("cache_salt"));
        Telemetry telemetry = new Telemetry(serving.metrics(), start);
        long created = Serving.nowSeconds();
        if (streamOptions.stream()) {
            StreamLoop.run(submission, new SseStream(response), new Chunks(id, created, streamOptions.includeUsage(),
                    params), params.beamSearch(), telemetry, serving.metrics(), serving.responses());
            return;
        }
        RequestOutput result = submission.results().getFirst();
        telemetry.finished(result, false);
        ObjectNode answer = envelope(id, created, "chat.completion");
        ArrayNode choices = answer.putArray("choices");
        for (CompletionOutput output : result.outputs()) {
            ObjectNode choice = choices.addObject();
            choice.put("index", output.index());
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", output.text());
            if (params.logprobs().isPresent()) {
                choice.set("logprobs", serving.logprobs().chat(output.logprobs()));
            } else {
                choice.putNull("logprobs");
            }
            finish(choice, output);
        }
        answer.set("usage", Usage.of(List.of(result)).toJson(serving.responses().json()));
        if (params.promptLogprobs().isPresent()) {
            answer.set("prompt_logprobs", serving.logprobs().prompt(result.promptLogprobs()));
        }
        serving.responses().json(response, 200, answer);
    }

    /** The rendered conversation, encoded without adding special tokens again (the template wrote them). */
    private int[] promptTokens(ChatRequest chat) {
        ChatTemplate template = serving.chatTemplate();
        String rendered;
        try {
            rendered = template.render(chat.messages(), chat.tools().orElse(null), chat.addGenerationPrompt(),
                    chat.extraContext());
        } catch (JllmException e) {
            // The template's raise_exception (roles must alternate, ...) and its type errors: the messages' fault.
            throw ApiException.badRequest("messages", e.getMessage());
        }
        return serving.tokenizer().encode(rendered, false);
    }

    private static void refuseUnsupported(Fields body, StreamOptions streamOptions, SamplingParams params) {
        body.object("logit_bias").ifPresent(bias -> {
            if (!bias.isEmpty()) {
                throw ApiException.unsupported("logit_bias", "'logit_bias' is not supported");
            }
        });
        for (String key : List.of("audio", "prediction")) {
            if (body.has(key)) {
                throw ApiException.unsupported(key, "'" + key + "' is not supported");
            }
        }
        if (streamOptions.stream() && params.promptLogprobs().isPresent()) {
            throw ApiException.unsupported("prompt_logprobs", "prompt logprobs are only returned without streaming");
        }
        body.string("user");
    }

    private ObjectNode envelope(String id, long created, String object) {
        ObjectNode node = serving.responses().json().createObjectNode();
        node.put("id", id);
        node.put("object", object);
        node.put("created", created);
        node.put("model", serving.config().servedModelName());
        return node;
    }

    private static void finish(ObjectNode choice, CompletionOutput output) {
        choice.put("finish_reason", output.finishReason().map(reason -> reason.apiName()).orElse(null));
        choice.put("stop_reason", output.stopReason().orElse(null));
    }

    /** chat.completion.chunk objects: the role first, then content deltas, the finish reason on the last. */
    private final class Chunks implements ChunkFormat {
        private final String id;
        private final long created;
        private final boolean includeUsage;
        private final SamplingParams params;

        Chunks(String id, long created, boolean includeUsage, SamplingParams params) {
            this.id = id;
            this.created = created;
            this.includeUsage = includeUsage;
            this.params = params;
        }

        @Override
        public List<JsonNode> opening() {
            List<JsonNode> chunks = new ArrayList<>(params.n());
            for (int sample = 0; sample < params.n(); sample++) {
                ObjectNode chunk = chunk();
                ObjectNode choice = choiceOf(chunk);
                choice.put("index", sample);
                choice.putObject("delta").put("role", "assistant").put("content", "");
                choice.putNull("logprobs");
                choice.putNull("finish_reason");
                chunks.add(chunk);
            }
            return chunks;
        }

        @Override
        public Optional<JsonNode> delta(int prompt, CompletionOutput output) {
            boolean withLogprobs = params.logprobs().isPresent() && !output.logprobs().isEmpty();
            if (output.text().isEmpty() && !output.finished() && !withLogprobs) {
                return Optional.empty();
            }
            ObjectNode chunk = chunk();
            ObjectNode choice = choiceOf(chunk);
            choice.put("index", output.index());
            ObjectNode delta = choice.putObject("delta");
            if (!output.text().isEmpty()) {
                delta.put("content", output.text());
            }
            if (withLogprobs) {
                choice.set("logprobs", serving.logprobs().chat(output.logprobs()));
            } else {
                choice.putNull("logprobs");
            }
            finish(choice, output);
            return Optional.of(chunk);
        }

        @Override
        public Optional<JsonNode> closing(Usage usage) {
            if (!includeUsage) {
                return Optional.empty();
            }
            ObjectNode chunk = envelope(id, created, "chat.completion.chunk");
            chunk.putArray("choices");
            chunk.set("usage", usage.toJson(serving.responses().json()));
            return Optional.of(chunk);
        }

        @Override
        public boolean endsWithDone() {
            return true;
        }

        /** A chunk with one (empty) choice; with include_usage every chunk carries "usage": null, as OpenAI's do. */
        private ObjectNode chunk() {
            ObjectNode chunk = envelope(id, created, "chat.completion.chunk");
            chunk.putArray("choices").addObject();
            if (includeUsage) {
                chunk.putNull("usage");
            }
            return chunk;
        }

        private static ObjectNode choiceOf(ObjectNode chunk) {
            return (ObjectNode) chunk.get("choices").get(0);
        }
    }
}
