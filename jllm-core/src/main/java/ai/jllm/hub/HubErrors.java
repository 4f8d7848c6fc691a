package ai.jllm.hub;

import ai.jllm.hub.HubException.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Turns the hub's failures into one-line messages that say what to do. The hub names the failure in
 * its {@code X-Error-Code} header (also on HEAD answers, which have no body); the status code is the
 * fallback. For an anonymous caller it answers 401 for a repository that does not exist, so that
 * private repositories do not leak.
 */
final class HubErrors {

    private HubErrors() {}

    static HubException forResponse(HttpResponse<?> response, RequestSubject subject, URI endpoint, boolean tokenSent) {
        URI hubPage = new HubUrls(endpoint).modelPage(subject.repo());
        int status = response.statusCode();
        String code = response.headers().firstValue("X-Error-Code").orElse("");
        String url = response.uri().toString();
        String detail = response.headers().firstValue("X-Error-Message").map(HubErrors::oneLine)
                .map(message -> " (" + message + ")").orElse("");
        if (code.equals("GatedRepo")) {
            return new HubException(Reason.GATED, tokenSent
                    ? "model " + subject.repo() + " is gated and the account of your HF_TOKEN has no access yet:"
                            + " accept its licence at " + hubPage
                    : "model " + subject.repo() + " is gated: accept its licence at " + hubPage
                            + " and set HF_TOKEN to a token of that account");
        }
        if (code.equals("RepoNotFound") || (status == 401 && code.isEmpty())) {
            return new HubException(Reason.REPOSITORY_NOT_FOUND, tokenSent
                    ? "repository " + subject.repo() + " not found on " + endpoint
                            + " (or the account of your HF_TOKEN cannot see it)"
                    : "repository " + subject.repo() + " not found on " + endpoint
                            + " (if it is private, set HF_TOKEN)");
        }
        if (code.equals("RevisionNotFound")) {
            return new HubException(Reason.REVISION_NOT_FOUND,
                    "revision " + subject.revision() + " not found in repository " + subject.repo());
        }
        if (code.equals("EntryNotFound")) {
            return new HubException(Reason.FILE_NOT_FOUND, "file " + subject.file().orElse(url)
                    + " not found in repository " + subject.repo() + " at revision " + subject.revision());
        }
        if (status == 401 || status == 403) {
            return new HubException(Reason.ACCESS_DENIED, "access denied (HTTP " + status + ") to " + url + detail
                    + (tokenSent ? "; check the permissions of your HF_TOKEN" : "; set HF_TOKEN"));
        }
        if (status == 429) {
            return new HubException(Reason.HTTP_ERROR, "the hub is rate-limiting requests (HTTP 429) to " + url
                    + (tokenSent ? "; try again later" : "; try again later or set HF_TOKEN"));
        }
        return new HubException(Reason.HTTP_ERROR, "HTTP " + status + " from " + url + detail
                + " while fetching " + subject.describe());
    }

    static HubException forNetwork(IOException error, URI url, RequestSubject subject) {
        return new HubException(Reason.NETWORK,
                "cannot download " + subject.describe() + " from " + url + ": " + describe(error), error);
    }

    /** A short cause; the JDK's connection errors often carry no message of their own. */
    static String describe(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                // The JDK's HTTP client says just "closed" when the peer drops the connection.
                return cause.getMessage().equals("closed") ? "connection closed by the server" : oneLine(cause.getMessage());
            }
        }
        return switch (error) {
            case HttpTimeoutException timeout -> "timed out";
            case ConnectException connect -> "connection refused";
            default -> error.getClass().getSimpleName();
        };
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
