package ai.jllm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executors;

/**
 * Streams one benchmark request at a time through an OpenAI-compatible server's {@code /v1/completions} or
 * {@code /v1/chat/completions} and times its chunks. Thread-safe: load-generator workers share one client (and its
 * connection pool).
 */
public final class OpenAiClient {

    /** Which OpenAI endpoint the requests go to. */
    public enum Endpoint {
        COMPLETIONS("/v1/completions"), CHAT("/v1/chat/completions");

        private final String path;

        Endpoint(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }
    }

    private final HttpClient http;
    private final URI base;
    private final Endpoint endpoint;
    private final String model;
    private final Optional<String> apiKey;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param base  the server's root, e.g. {@code http://127.0.0.1:8000} (a trailing {@code /v1} is accepted)
     * @param model the model name the requests carry
     */
    public OpenAiClient(URI base, Endpoint endpoint, String model, Optional<String> apiKey, Duration timeout) {
        String root = base.toString().replaceAll("/+$", "").replaceAll("/v1$", "");
        this.base = URI.create(root);
        this.endpoint = endpoint;
        this.model = model;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /** The first model {@code GET /v1/models} lists, for runs that name none. */
    public static String firstModel(URI base, Optional<String> apiKey) throws IOException, InterruptedException {
        String root = base.toString().replaceAll("/+$", "").replaceAll("/v1$", "");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(root + "/v1/models"))
                .timeout(Duration.ofSeconds(30)).GET();
        apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET /v1/models answered " + response.statusCode() + ": "
                        + oneLine(response.body()));
            }
            JsonNode data = new ObjectMapper().readTree(response.body()).path("data");
            if (!data.isArray() || data.isEmpty() || !data.get(0).path("id").isTextual()) {
                throw new IOException("GET /v1/models lists no model");
            }
            return data.get(0).get("id").asText();
        }
    }

    /** Sends one request, streaming, and returns its timing; failures are recorded in the timing, never thrown. */
    public RequestTiming send(BenchRequest request) {
        int knownPromptTokens = request.promptLength().orElse(0);
        long start = System.nanoTime();
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + endpoint.path)).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body(request).toString(), StandardCharsets.UTF_8));
            apiKey.ifPresent(key -> builder.header("Authorization", "Bearer " + key));
            HttpResponse<InputStream> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream stream = response.body()) {
                if (response.statusCode() != 200) {
                    String text = new String(stream.readNBytes(4096), StandardCharsets.UTF_8);
                    return RequestTiming.failed(start, System.nanoTime(), knownPromptTokens,
                            "HTTP " + response.statusCode() + ": " + errorMessage(text));
                }
                return readStream(stream, start, knownPromptTokens);
            }
        } catch (IOException e) {
            return RequestTiming.failed(start, System.nanoTime(), knownPromptTokens,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RequestTiming.failed(start, System.nanoTime(), knownPromptTokens, "interrupted");
        }
    }

    private RequestTiming readStream(InputStream stream, long start, int knownPromptTokens) throws IOException {
        StreamState state = new StreamState();
        SseReader.read(stream, data -> {
            if (data.equals("[DONE]")) {
                state.done = true;
                return false;
            }
            long now = System.nanoTime();
            JsonNode chunk;
            try {
                chunk = json.readTree(data);
            } catch (IOException e) {
                state.error = Optional.of("malformed stream event: " + oneLine(data));
                return false;
            }
            if (chunk.has("error")) {
                state.error = Optional.of("stream error: " + chunk.get("error").path("message").asText());
                return false;
            }
            JsonNode usage = chunk.path("usage");
            if (usage.isObject()) {
                state.usagePrompt = Optional.of(usage.path("prompt_tokens").asInt());
                state.usageCompletion = Optional.of(usage.path("completion_tokens").asInt());
            }
            for (JsonNode choice : chunk.path("choices")) {
                String text = endpoint == Endpoint.CHAT ? choice.path("delta").path("content").asText("")
                        : choice.path("text").asText("");
                if (!text.isEmpty()) {
                    state.chunk(now);
                }
            }
            return true;
        });
        long end = System.nanoTime();
        if (state.error.isEmpty() && !state.done) {
            state.error = Optional.of("the stream ended without [DONE]");
        }
        if (state.error.isPresent()) {
            return RequestTiming.failed(start, end, knownPromptTokens, state.error.get());
        }
        long[] chunks = Arrays.copyOf(state.chunks, state.count);
        int outputTokens = state.usageCompletion.orElse(state.count);
        return new RequestTiming(start, chunks, chunks.length > 0 ? chunks[chunks.length - 1] : end,
                state.usagePrompt.orElse(knownPromptTokens), outputTokens, Optional.empty());
    }

    private ObjectNode body(BenchRequest request) {
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        if (endpoint == Endpoint.CHAT) {
            ArrayNode messages = body.putArray("messages");
            messages.addObject().put("role", "user").put("content", request.promptText().orElseThrow(() ->
                    new IllegalArgumentException("chat requests need text prompts (give --tokenizer)")));
            body.put("max_completion_tokens", request.outputTokens());
        } else if (request.promptTokenIds().isPresent()) {
            ArrayNode ids = body.putArray("prompt");
            for (int id : request.promptTokenIds().get()) {
                ids.add(id);
            }
        } else {
            body.put("prompt", request.promptText().orElseThrow());
        }
        body.put("max_tokens", request.outputTokens());
        body.put("ignore_eos", true);
        body.put("temperature", 0.0);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        return body;
    }

    private String errorMessage(String body) {
        try {
            JsonNode message = json.readTree(body).path("error").path("message");
            if (message.isTextual()) {
                return message.asText();
            }
        } catch (IOException e) {
            // not JSON: the body itself says what went wrong
        }
        return oneLine(body);
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    /** What a stream has delivered so far. */
    private static final class StreamState {
        long[] chunks = new long[64];
        int count;
        boolean done;
        Optional<String> error = Optional.empty();
        Optional<Integer> usagePrompt = Optional.empty();
        Optional<Integer> usageCompletion = Optional.empty();

        void chunk(long nanos) {
            if (count == chunks.length) {
                chunks = Arrays.copyOf(chunks, count * 2);
            }
            chunks[count++] = nanos;
        }
    }
}
