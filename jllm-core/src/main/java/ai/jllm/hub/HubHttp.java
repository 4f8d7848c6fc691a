package ai.jllm.hub;

import ai.jllm.hub.HubException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The hub's HTTP conversation: sends the token only to the hub's own origin (a CDN gets pre-signed URLs
 * and rejects or leaks a second credential), follows redirects by hand so that rule holds on every hop
 * (relative {@code Location}s included), and turns failures into {@link HubException}s.
 */
final class HubHttp implements AutoCloseable {

    /** Which redirects to follow. */
    enum Redirects {
        /** Only those that stay on the hub (renamed repositories); a hop to the CDN is returned as is, for its headers. */
        WITHIN_HUB,
        /** All of them, up to the CDN that serves the bytes. */
        ANYWHERE
    }

    static final int RANGE_NOT_SATISFIABLE = 416;

    private static final int MAX_REDIRECTS = 10;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(30);

    private final HubConfig config;
    private final HttpClient client;
    private final String userAgent;

    HubHttp(HubConfig config) {
        this.config = config;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
        String version = Objects.requireNonNullElse(HubHttp.class.getPackage().getImplementationVersion(), "dev");
        this.userAgent = "jllm/" + version + "; java/" + Runtime.version().feature();
    }

    /**
     * Sends {@code method} to {@code url} and returns the answer once it is a success (2xx), a 416 to a
     * range request, or, with {@link Redirects#WITHIN_HUB}, a redirect off the hub. The caller closes the body.
     *
     * @param rangeStart the first byte wanted, when resuming a download
     */
    HttpResponse<InputStream> send(String method, URI url, OptionalLong rangeStart, Redirects redirects,
                                   RequestSubject subject) {
        URI current = url;
        for (int hop = 0; ; hop++) {
            boolean withToken = config.token().isPresent() && isHub(current);
            HttpResponse<InputStream> response = exchange(request(method, current, rangeStart, withToken), subject);
            int status = response.statusCode();
            // A resume past the end of what the server holds is the caller's to handle: it restarts the file.
            if (status / 100 == 2 || (status == RANGE_NOT_SATISFIABLE && rangeStart.isPresent())) {
                return response;
            }
            discardBody(response);
            if (!isRedirect(status)) {
                throw HubErrors.forResponse(response, subject, config.endpoint(), withToken);
            }
            URI target = location(response, current, subject);
            if (redirects == Redirects.WITHIN_HUB && !isHub(target)) {
                return response;
            }
            if (hop == MAX_REDIRECTS) {
                throw new HubException(Reason.BAD_RESPONSE,
                        "more than " + MAX_REDIRECTS + " redirects from " + url + " while fetching " + subject.describe());
            }
            current = target;
        }
    }

    /** The absolute target of a redirect; relative {@code Location}s are resolved against the URL that sent them. */
    static URI location(HttpResponse<?> response, URI from, RequestSubject subject) {
        String location = response.headers().firstValue("Location").orElseThrow(() -> new HubException(
                Reason.BAD_RESPONSE, "redirect without a Location from " + from + " while fetching " + subject.describe()));
        try {
            return from.resolve(URI.create(location));
        } catch (IllegalArgumentException e) {
            throw new HubException(Reason.BAD_RESPONSE, "unusable redirect Location '" + location + "' from " + from);
        }
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    @Override
    public void close() {
        client.close();
    }

    private HttpRequest request(String method, URI url, OptionalLong rangeStart, boolean withToken) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(HEADERS_TIMEOUT)
                .header("User-Agent", userAgent)
                // Sizes are checked against Content-Length, so the bytes must arrive as stored.
                .header("Accept-Encoding", "identity");
        if (withToken) {
            builder.header("Authorization", "Bearer " + config.token().orElseThrow());
        }
        rangeStart.ifPresent(start -> builder.header("Range", "bytes=" + start + "-"));
        return builder.build();
    }

    private HttpResponse<InputStream> exchange(HttpRequest request, RequestSubject subject) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw HubErrors.forNetwork(e, request.uri(), subject);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(Reason.NETWORK, "interrupted while fetching " + subject.describe(), e);
        }
    }

    private boolean isHub(URI url) {
        URI hub = config.endpoint();
        return scheme(url).equals(scheme(hub))
                && url.getHost() != null && url.getHost().equalsIgnoreCase(hub.getHost())
                && port(url) == port(hub);
    }

    private static String scheme(URI url) {
        return url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    }

    private static int port(URI url) {
        if (url.getPort() >= 0) {
            return url.getPort();
        }
        return scheme(url).equals("https") ? 443 : 80;
    }

    private static void discardBody(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException e) {
            // An unwanted body that does not close cleanly costs its connection, nothing more.
        }
    }
}
