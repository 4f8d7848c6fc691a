package ai.jllm.server;

import ai.jllm.api.CompletionOutput;
import ai.jllm.api.RequestOutput;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.sampling.TokenLogprobs;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Triton's generate extension as TensorRT-LLM's backend answers it: {@code POST /v2/models/{name}/generate} and
 * {@code /generate_stream} taking {@code text_input} and the sampling keys (top level or inside
 * {@code parameters}), answering {@code {"model_name", "model_version", "text_output"}}. Non-streamed
 * {@code text_output} starts with the prompt unless {@code exclude_input_in_output} is true; streamed chunks hold
 * only new text, as the backend's streaming mode does. Models answer to the served name and to "ensemble", the
 * name Triton deployments of TensorRT-LLM use.
 */
final class TritonEndpoints {

    static final String MODEL_VERSION = "1";
    private static final String ENSEMBLE = "ensemble";

    private final Serving serving;

    TritonEndpoints(Serving serving) {
        this.serving = serving;
    }

    void generate(ServerRequest request, ServerResponse response) throws InterruptedException {
        run(request, response, false);
    }

    void generateStream(ServerRequest request, ServerResponse response) throws InterruptedException {
        run(request, response, true);
    }

    /** {@code GET /v2/models/{name}}: the model's metadata. */
    void metadata(ServerRequest request, ServerResponse response) {
        String name = modelName(request);
        ObjectNode body = serving.responses().json().createObjectNode();
        body.put("name", name);
        body.putArray("versions").add(MODEL_VERSION);
        body.put("platform", "jllm");
        serving.responses().json(response, 200, body);
    }

    /** {@code GET /v2/models/{name}/ready}. */
    void modelReady(ServerRequest request, ServerResponse response) {
        modelName(request);
        response.status(Status.OK_200).send();
    }

    private void run(ServerRequest request, ServerResponse response, boolean streamEndpoint)
            throws InterruptedException {
        long start = System.nanoTime();
        String model = modelName(request);
        RequestBody.requireJsonContentType(request);
        ObjectNode body = RequestBody.readObject(request, serving.config().maxRequestBytes(),
                serving.responses().json());
        Fields fields = Fields.of(merged(body));
        String text = fields.string("text_input").orElseThrow(() -> ApiException.badRequest("text_input",
                "'text_input' is required"));
        SamplingParams params = serving.sampling().triton(fields);
        boolean excludeInput = fields.bool("exclude_input_in_output").orElse(false);
        Optional<Boolean> stream = fields.bool("stream");
        if (!streamEndpoint && stream.orElse(false)) {
            throw ApiException.badRequest("stream", "'stream': true needs the generate_stream endpoint");
        }
        boolean streaming = streamEndpoint && stream.orElse(true);
        String id = Serving.newId("triton-");
        response.header(AccessLogFilter.REQUEST_ID, id);
        int[] prompt = serving.tokenizer().encode(text, true);
        Submission submission = Submission.submit(serving.llm(), id, List.of(prompt), params, streaming, 0,
                Optional.empty());
        Telemetry telemetry = new Telemetry(serving.metrics(), start);
        if (streaming) {
            StreamLoop.run(submission, new SseStream(response), new Chunks(model, params), params.beamSearch(),
                    telemetry, serving.metrics(), serving.responses());
            return;
        }
        RequestOutput result = submission.results().getFirst();
        telemetry.finished(result, false);
        CompletionOutput output = result.outputs().getFirst();
        ObjectNode answer = answer(model, excludeInput ? output.text() : text + output.text());
        if (params.logprobs().isPresent()) {
            logprobs(answer, output);
        }
        if (streamEndpoint) {
            SseStream sse = new SseStream(response);
            sse.send(serving.responses().bytes(answer));
            sse.close();
        } else {
            serving.responses().json(response, 200, answer);
        }
    }

    /** The {@code parameters} object's keys, overridden by the same keys at the top level. */
    private ObjectNode merged(ObjectNode body) {
        Optional<ObjectNode> parameters = Fields.of(body).object("parameters");
        if (parameters.isEmpty()) {
            return body;
        }
        ObjectNode merged = parameters.get().deepCopy();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (!field.getKey().equals("parameters")) {
                merged.set(field.getKey(), field.getValue());
            }
        }
        return merged;
    }

    private String modelName(ServerRequest request) {
        String name = request.path().pathParameters().get("name");
        if (!Set.of(serving.config().servedModelName(), ENSEMBLE).contains(name)) {
            throw ApiException.modelNotFound(name, serving.config().servedModelName());
        }
        return name;
    }

    private ObjectNode answer(String model, String textOutput) {
        ObjectNode answer = serving.responses().json().createObjectNode();
        answer.put("model_name", model);
        answer.put("model_version", MODEL_VERSION);
        answer.put("text_output", textOutput);
        return answer;
    }

    /** TensorRT-LLM's return_log_probs outputs: the sample's cumulative logprob and one logprob per token. */
    private static void logprobs(ObjectNode answer, CompletionOutput output) {
        answer.put("cum_log_probs", output.cumulativeLogprob());
        ArrayNode values = answer.putArray("output_log_probs");
        for (TokenLogprobs position : output.logprobs()) {
            values.add(Math.max(position.token().logprob(), -9999f));
        }
    }

    /** One answer object per new piece of text; the stream simply ends (no [DONE] in Triton's protocol). */
    private final class Chunks implements ChunkFormat {
        private final String model;
        private final SamplingParams params;

        Chunks(String model, SamplingParams params) {
            this.model = model;
            this.params = params;
        }

        @Override
        public List<JsonNode> opening() {
            return List.of();
        }

        @Override
        public Optional<JsonNode> delta(int prompt, CompletionOutput output) {
            if (output.text().isEmpty() && !output.finished()) {
                return Optional.empty();
            }
            ObjectNode chunk = answer(model, output.text());
            if (params.logprobs().isPresent()) {
                logprobs(chunk, output);
            }
            output.finishReason().ifPresent(reason -> chunk.put("finish_reason", reason.apiName()));
            return Optional.of(chunk);
        }

        @Override
        public Optional<JsonNode> closing(Usage usage) {
            return Optional.empty();
        }

        @Override
        public boolean endsWithDone() {
            return false;
        }
    }
}
