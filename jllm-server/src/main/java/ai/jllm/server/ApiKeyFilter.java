package ai.jllm.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Requires {@code Authorization: Bearer <key>} on the API paths ({@code /v1/…} and the Triton model endpoints);
 * health, version and metrics stay open for probes and scrapers. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, whose time depends on neither the key's content nor its length.
 */
final class ApiKeyFilter implements Filter {

    private static final String BEARER = "bearer ";

    private final byte[] expectedDigest;
    private final Responses responses;

    ApiKeyFilter(String apiKey, Responses responses) {
        this.expectedDigest = sha256(apiKey);
        this.responses = responses;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        if (!protectedPath(request.path().rawPath())) {
            chain.proceed();
            return;
        }
        Optional<String> header = request.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty() || !header.get().regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            reject(response, "missing API key: send it as 'Authorization: Bearer <key>'");
            return;
        }
        String given = header.get().substring(BEARER.length()).strip();
        if (!MessageDigest.isEqual(sha256(given), expectedDigest)) {
            reject(response, "incorrect API key");
            return;
        }
        chain.proceed();
    }

    private void reject(RoutingResponse response, String message) {
        response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        responses.error(response, new ApiException(401, "invalid_request_error", Optional.empty(),
                Optional.of("invalid_api_key"), message));
    }

    private static boolean protectedPath(String path) {
        return path.startsWith("/v1/") || path.equals("/v1") || path.startsWith("/v2/models");
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
