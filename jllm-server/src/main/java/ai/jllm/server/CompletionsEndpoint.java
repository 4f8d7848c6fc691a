package ai.jllm.server;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /v1/completions}: prompts as text or token ids, one or many, n samples each, streamed or not. Choice
 * {@code index} is {@code prompt * n + sample}, as OpenAI numbers them.
 */
final class CompletionsEndpoint {

    /** A prompt as the engine takes it, with its text for echo. */
    private record Prompt(int[] tokens, String text) {}

    private final Serving serving;

    CompletionsEndpoint(Serving serving) {
        this.serving = serving;
    }

    void handle(ServerRequest request, ServerResponse response) throws InterruptedException {
        long start = System.nanoTime();
        RequestBody.requireJsonContentType(request);
        Fields body = Fields.of(RequestBody.readObject(request, serving.config().maxRequestBytes(),
                serving.responses().json()));
        serving.checkModel(body);
        List<Prompt> prompts = prompts(body);
        SamplingParams params = serving.sampling().openAi(body, SamplingMapping.Api.COMPLETIONS);
        StreamOptions streamOptions = StreamOptions.parse(body);
        boolean echo = body.bool("echo").orElse(false);
        refuseUnsupported(body, streamOptions, params);
        int priority = body.integer("priority").orElse(0);
        String id = Serving.newId("cmpl-");
        response.header(AccessLogFilter.REQUEST_ID, id);
        Submission submission = Submission.submit(serving.llm(), id, prompts.stream().map(Prompt::tokens).toList(),
                params, streamOptions.stream(), priority, body.string("cache_salt"));
        Telemetry telemetry = new Telemetry(serving.metrics(), start);
        long created = Serving.nowSeconds();
        if (streamOptions.stream()) {
            StreamLoop.run(submission, new SseStream(response),
                    new Chunks(id, created, prompts, echo, streamOptions.includeUsage(), params),
                    params.beamSearch(), telemetry, serving.metrics(), serving.responses());
            return;
        }
        List<RequestOutput> results = submission.results();
        ObjectNode answer = envelope(id, created);
        ArrayNode choices = answer.putArray("choices");
        for (int p = 0; p < results.size(); p++) {
            RequestOutput result = results.get(p);
            telemetry.finished(result, false);
            Prompt prompt = prompts.get(p);
            for (CompletionOutput output : result.outputs()) {
                ObjectNode choice = choice(p * params.n() + output.index(),
                        echo ? prompt.text() + output.text() : output.text(), output);
                if (params.logprobs().isPresent()) {
                    choice.set("logprobs", echo
                            ? serving.logprobs().completion(prompt.tokens(), result.promptLogprobs(),
                                    output.logprobs(), 0)
                            : serving.logprobs().completion(new int[0], List.of(), output.logprobs(), 0));
                }
                if (body.has("prompt_logprobs")) {
                    choice.set("prompt_logprobs", serving.logprobs().prompt(result.promptLogprobs()));
                }
                choices.add(choice);
            }
        }
        answer.set("usage", Usage.of(results).toJson(serving.responses().json()));
        serving.responses().json(response, 200, answer);
    }

    private List<Prompt> prompts(Fields body) {
        JsonNode prompt = body.value("prompt").orElseThrow(() -> ApiException.badRequest("prompt",
                "'prompt' is required"));
        List<Prompt> prompts = new ArrayList<>();
        if (prompt.isTextual()) {
            prompts.add(text(prompt.textValue()));
        } else if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isNumber()) {
            prompts.add(tokens(body, prompt));
        } else if (prompt.isArray() && !prompt.isEmpty()) {
            for (JsonNode item : prompt) {
                if (item.isTextual()) {
                    prompts.add(text(item.textValue()));
                } else if (item.isArray() && !item.isEmpty() && item.get(0).isNumber()) {
                    prompts.add(tokens(body, item));
                } else {
                    throw body.invalid("prompt", "must be a string, an array of strings, an array of token ids or "
                            + "an array of token-id arrays; found an element that is " + Fields.kind(item)
                            + (item.isArray() ? " that is empty or not of token ids" : ""));
                }
            }
        } else {
            throw body.invalid("prompt", prompt.isArray() ? "must not be empty" : "must be a string, an array of "
                    + "strings, an array of token ids or an array of token-id arrays, got " + Fields.kind(prompt));
        }
        if (prompts.size() > serving.config().maxN()) {
            throw body.invalid("prompt", "holds " + prompts.size() + " prompts; at most " + serving.config().maxN()
                    + " are allowed per request");
        }
        return prompts;
    }

    private Prompt text(String text) {
        return new Prompt(serving.tokenizer().encode(text, true), text);
    }

    private Prompt tokens(Fields body, JsonNode array) {
        int[] tokens = new int[array.size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = body.toInt("prompt", array.get(i));
        }
        int vocabulary = serving.llm().modelConfig().vocabSize();
        for (int token : tokens) {
            if (token < 0 || token >= vocabulary) {
                throw body.invalid("prompt", "holds token id " + token + ", outside the vocabulary of "
                        + vocabulary);
            }
        }
        return new Prompt(tokens, serving.tokenizer().decode(tokens, false));
    }

    private static void refuseUnsupported(Fields body, StreamOptions streamOptions, SamplingParams params) {
        if (!body.string("suffix").orElse("").isEmpty()) {
            throw ApiException.unsupported("suffix", "'suffix' (insertion) is not supported");
        }
        body.object("logit_bias").ifPresent(bias -> {
            if (!bias.isEmpty()) {
                throw ApiException.unsupported("logit_bias", "'logit_bias' is not supported");
            }
        });
        if (streamOptions.stream() && params.promptLogprobs().isPresent()) {
            throw ApiException.unsupported(body.has("prompt_logprobs") ? "prompt_logprobs" : "echo",
                    "prompt logprobs (prompt_logprobs, or echo with logprobs) are only returned without streaming");
        }
        body.string("user");
    }

    private ObjectNode envelope(String id, long created) {
        ObjectNode node = serving.responses().json().createObjectNode();
        node.put("id", id);
        node.put("object", "text_completion");
        node.put("created", created);
        node.put("model", serving.config().servedModelName());
        return node;
    }

    private ObjectNode choice(int index, String text, CompletionOutput output) {
        ObjectNode choice = serving.responses().json().createObjectNode();
        choice.put("index", index);
        choice.put("text", text);
        choice.putNull("logprobs");
        choice.put("finish_reason", output.finishReason().map(reason -> reason.apiName()).orElse(null));
        choice.put("stop_reason", output.stopReason().orElse(null));
        return choice;
    }

    /** Completion chunks: the same object as the answer, holding one choice's new text each. */
    private final class Chunks implements ChunkFormat {
        private final String id;
        private final long created;
        private final List<Prompt> prompts;
        private final boolean echo;
        private final boolean includeUsage;
        private final SamplingParams params;
        /** Text sent so far per choice index: where the next chunk's logprob text offsets start. */
        private final Map<Integer, Integer> sentText = new HashMap<>();

        Chunks(String id, long created, List<Prompt> prompts, boolean echo, boolean includeUsage,
               SamplingParams params) {
            this.id = id;
            this.created = created;
            this.prompts = prompts;
            this.echo = echo;
            this.includeUsage = includeUsage;
            this.params = params;
        }

        @Override
        public List<JsonNode> opening() {
            if (!echo) {
                return List.of();
            }
            List<JsonNode> chunks = new ArrayList<>();
            for (int p = 0; p < prompts.size(); p++) {
                for (int sample = 0; sample < params.n(); sample++) {
                    int index = p * params.n() + sample;
                    ObjectNode chunk = envelope(id, created);
                    ObjectNode choice = chunk.putArray("choices").addObject();
                    choice.put("index", index);
                    choice.put("text", prompts.get(p).text());
                    choice.putNull("logprobs");
                    choice.putNull("finish_reason");
                    sentText.put(index, prompts.get(p).text().length());
                    chunks.add(chunk);
                }
            }
            return chunks;
        }

        @Override
        public Optional<JsonNode> delta(int prompt, CompletionOutput output) {
            boolean withLogprobs = params.logprobs().isPresent() && !output.logprobs().isEmpty();
            if (output.text().isEmpty() && !output.finished() && !withLogprobs) {
                return Optional.empty();
            }
            int index = prompt * params.n() + output.index();
            ObjectNode chunk = envelope(id, created);
            ObjectNode choice = choice(index, output.text(), output);
            int offset = sentText.getOrDefault(index, 0);
            if (withLogprobs) {
                choice.set("logprobs", serving.logprobs().completion(new int[0], List.of(), output.logprobs(),
                        offset));
            }
            sentText.put(index, offset + output.text().length());
            chunk.putArray("choices").add(choice);
            return Optional.of(chunk);
        }

        @Override
        public Optional<JsonNode> closing(Usage usage) {
            if (!includeUsage) {
                return Optional.empty();
            }
            ObjectNode chunk = envelope(id, created);
            chunk.putArray("choices");
            chunk.set("usage", usage.toJson(serving.responses().json()));
            return Optional.of(chunk);
        }

        @Override
        public boolean endsWithDone() {
            return true;
        }
    }
}
