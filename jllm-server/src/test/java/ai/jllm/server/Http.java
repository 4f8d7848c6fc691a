package ai.jllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Raw HTTP for the tests that check bytes on the wire: java.net.http, no OpenAI client in between. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private Http() {}

    static HttpResponse<String> get(URI uri, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static HttpResponse<String> post(URI uri, String json, String... headers) throws IOException, InterruptedException {
        return post(uri, json.getBytes(StandardCharsets.UTF_8), headers);
    }

    static HttpResponse<String> post(URI uri, byte[] body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** The data payloads of an SSE body, checking the framing: every event is exactly {@code data: …\n\n}. */
    static List<String> events(String body) {
        List<String> events = new ArrayList<>();
        int at = 0;
        while (at < body.length()) {
            if (!body.startsWith("data: ", at)) {
                throw new AssertionError("an event does not start with 'data: ' at offset " + at + ": "
                        + body.substring(at, Math.min(body.length(), at + 80)));
            }
            int end = body.indexOf("\n\n", at);
            if (end < 0) {
                throw new AssertionError("the last event does not end with a blank line: " + body.substring(at));
            }
            String data = body.substring(at + "data: ".length(), end);
            if (data.contains("\n")) {
                throw new AssertionError("an event spans several lines: " + data);
            }
            events.add(data);
            at = end + 2;
        }
        return events;
    }
}
