package ai.jllm.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** Writes JSON answers and OpenAI-shaped errors. */
final class Responses {

    static final String JSON_TYPE = "application/json";

    private final ObjectMapper json;

    Responses(ObjectMapper json) {
        this.json = json;
    }

    ObjectMapper json() {
        return json;
    }

    void json(ServerResponse response, int status, JsonNode body) {
        response.status(Status.create(status));
        response.header(HeaderNames.CONTENT_TYPE, JSON_TYPE);
        response.send(bytes(body));
    }

    void error(ServerResponse response, ApiException error) {
        if (error.status() == 429) {
            response.header(HeaderNames.RETRY_AFTER, "1");
        }
        json(response, error.status(), ErrorBodies.body(json, error));
    }

    byte[] bytes(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
