package ai.jllm.server;

import ai.jllm.server.metrics.PrometheusText;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * {@code /health}, {@code /v2/health/ready}, {@code /v2/health/live}, {@code /version} and Prometheus
 * {@code /metrics}. The server only starts once the model is loaded, so it is ready until a shutdown begins.
 */
final class OperationsEndpoints {

    private final Serving serving;
    private final BooleanSupplier ready;

    OperationsEndpoints(Serving serving, BooleanSupplier ready) {
        this.serving = serving;
        this.ready = ready;
    }

    void health(ServerRequest request, ServerResponse response) {
        if (!ready.getAsBoolean()) {
            serving.responses().error(response, shuttingDown());
            return;
        }
        response.status(Status.OK_200).send();
    }

    void live(ServerRequest request, ServerResponse response) {
        response.status(Status.OK_200).send();
    }

    void version(ServerRequest request, ServerResponse response) {
        ObjectNode body = serving.responses().json().createObjectNode();
        body.put("version", serving.config().version());
        serving.responses().json(response, 200, body);
    }

    void metrics(ServerRequest request, ServerResponse response) {
        response.header(HeaderNames.CONTENT_TYPE, PrometheusText.CONTENT_TYPE);
        response.send(serving.metrics().render(serving.llm().executor()).getBytes(StandardCharsets.UTF_8));
    }

    static ApiException shuttingDown() {
        return new ApiException(503, "server_error", Optional.empty(), Optional.of("shutting_down"),
                "the server is shutting down");
    }
}
