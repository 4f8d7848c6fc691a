package ai.jllm.server;

import ai.jllm.JllmException;
import ai.jllm.engine.QueueFullException;
import ai.jllm.sampling.SamplingParameterException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** Turns failures into OpenAI-shaped error answers. */
final class ErrorBodies {

    private ErrorBodies() {}

    /**
     * A failure of submitting a request: the engine refuses bad requests synchronously with {@link JllmException}
     * (400, naming the parameter when it is a {@link SamplingParameterException}) and a full queue with
     * {@link QueueFullException} (429).
     */
    static ApiException fromSubmit(RuntimeException error) {
        return switch (error) {
            case ApiException api -> api;
            case QueueFullException full -> new ApiException(429, "rate_limit_error", Optional.empty(),
                    Optional.of("queue_full"), full.getMessage());
            case SamplingParameterException bad -> ApiException.badRequest(bad.parameter(), bad.getMessage());
            case JllmException bad -> new ApiException(400, "invalid_request_error", Optional.empty(),
                    Optional.empty(), bad.getMessage());
            default -> internal(error);
        };
    }

    /** A failure that is the server's fault (the engine failed the request, a bug): 500 with a one-line reason. */
    static ApiException internal(Throwable error) {
        if (error instanceof ApiException api) {
            return api;
        }
        String detail = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return new ApiException(500, "server_error", Optional.empty(), Optional.empty(),
                "the server failed the request: " + detail.lines().findFirst().orElse(""));
    }

    static ObjectNode body(ObjectMapper json, ApiException error) {
        ObjectNode body = json.createObjectNode();
        ObjectNode fields = body.putObject("error");
        // One line whatever a template or a client value put in it: logs and terminals show errors as lines.
        fields.put("message", error.getMessage().replaceAll("\\R", " "));
        fields.put("type", error.type());
        fields.put("param", error.param().orElse(null));
        fields.put("code", error.code().orElse(null));
        return body;
    }
}
