package ai.jllm.server;

import ai.jllm.JllmException;
import java.util.Optional;

/**
 * An error answered to the client in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with
 * its HTTP status.
 *
 * @see ErrorBodies
 */
public final class ApiException extends JllmException {

    private final int status;
    private final String type;
    private final Optional<String> param;
    private final Optional<String> code;

    public ApiException(int status, String type, Optional<String> param, Optional<String> code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is wrong; {@code param} names the field at fault. */
    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", Optional.ofNullable(param), Optional.empty(), message);
    }

    /** 400 for a parameter this server does not implement (yet): never silently ignored. */
    public static ApiException unsupported(String param, String message) {
        return new ApiException(400, "invalid_request_error", Optional.of(param), Optional.of("unsupported_parameter"),
                message);
    }

    public static ApiException modelNotFound(String model, String served) {
        return new ApiException(404, "invalid_request_error", Optional.of("model"), Optional.of("model_not_found"),
                "the model " + quote(model) + " does not exist; this server serves " + quote(served));
    }

    /**
     * A client-supplied value as an error message shows it: quoted, control characters escaped (messages stay
     * one line), and cut after 80 characters.
     */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), 80) + 4).append('\'');
        for (int i = 0; i < value.length(); i++) {
            if (i == 80) {
                out.append("…");
                break;
            }
            char c = value.charAt(i);
            if (c < ' ' || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('\'').toString();
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public Optional<String> param() {
        return param;
    }

    public Optional<String> code() {
        return code;
    }
}
