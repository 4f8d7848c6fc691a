package ai.jllm.server;

import ai.jllm.server.metrics.ServerMetrics;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Writes an access-log line and counts the answer in the metrics, for every HTTP request once it is answered:
 * {@code time=… remote=… method=POST path=/v1/completions status=200 bytes=… duration_ms=… request_id=…}.
 */
final class AccessLogFilter implements Filter {

    static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");

    private static final Pattern TRITON_MODEL = Pattern.compile("/v2/models/[^/]+(/.*)?");

    private final AccessLog log;
    private final ServerMetrics metrics;

    AccessLogFilter(AccessLog log, ServerMetrics metrics) {
        this.log = log;
        this.metrics = metrics;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        long start = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            int status = response.status().code();
            String path = request.path().rawPath();
            metrics.httpRequest(endpoint(path), status);
            StringBuilder line = new StringBuilder(160);
            line.append("time=").append(Instant.now())
                    .append(" remote=").append(request.remotePeer().host())
                    .append(" method=").append(request.prologue().method().text())
                    .append(" path=").append(quoted(path))
                    .append(" status=").append(status)
                    .append(" bytes=").append(response.bytesWritten())
                    .append(" duration_ms=").append(String.format(Locale.ROOT, "%.1f",
                            (System.nanoTime() - start) / 1e6));
            response.headers().first(REQUEST_ID).ifPresent(id -> line.append(" request_id=").append(quoted(id)));
            log.write(line.toString());
        }
    }

    /** The metrics label of a path: the route it belongs to, so client-chosen paths cannot grow the label set. */
    static String endpoint(String path) {
        return switch (path) {
            case "/v1/completions", "/v1/chat/completions", "/v1/models", "/health", "/version", "/metrics",
                 "/v2/health/ready", "/v2/health/live" -> path;
            default -> {
                if (path.startsWith("/v1/models/")) {
                    yield "/v1/models/{model}";
                }
                var triton = TRITON_MODEL.matcher(path);
                if (triton.matches()) {
                    String rest = triton.group(1) == null ? "" : triton.group(1);
                    yield switch (rest) {
                        case "", "/ready", "/generate", "/generate_stream" -> "/v2/models/{model}" + rest;
                        default -> "other";
                    };
                }
                yield "other";
            }
        };
    }

    /** logfmt quoting for values a client controls (spaces, quotes, control characters). */
    private static String quoted(String value) {
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
        }
        if (plain) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < ' ' || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
