package ai.jllm.hub;

import ai.jllm.hub.HubException.Reason;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * What the hub says about one file before it is fetched (the answer to a HEAD on its resolve URL).
 *
 * @param etag the blob's name in the cache: the SHA-256 of an LFS file, the git blob id of a small one
 * @param size the file's size in bytes
 * @param location where the bytes are: the CDN for LFS files, else the (possibly redirected) resolve URL
 * @param commit the commit the hub resolved the revision to ({@code X-Repo-Commit})
 */
record FileMetadata(String etag, long size, URI location, Optional<String> commit) {

    private static final Pattern SAFE_ETAG = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}");

    /**
     * Reads the hub's headers. On an LFS file the hub answers with a redirect to the CDN and describes the
     * linked file in {@code X-Linked-Etag} / {@code X-Linked-Size}; otherwise {@code ETag} and
     * {@code Content-Length} describe the file itself.
     */
    static FileMetadata from(HttpResponse<?> head, RequestSubject subject) {
        boolean redirected = HubHttp.isRedirect(head.statusCode());
        String etag = head.headers().firstValue("X-Linked-Etag").or(() -> head.headers().firstValue("ETag"))
                .map(FileMetadata::normalizeEtag)
                .orElseThrow(() -> missing("ETag", head, subject));
        if (!SAFE_ETAG.matcher(etag).matches()) {
            throw new HubException(Reason.BAD_RESPONSE,
                    "unusable ETag '" + etag + "' from " + head.uri() + " for " + subject.describe());
        }
        OptionalLong size = parseSize(head.headers().firstValue("X-Linked-Size")
                .or(() -> redirected ? Optional.empty() : head.headers().firstValue("Content-Length")));
        if (size.isEmpty()) {
            throw missing("file size", head, subject);
        }
        URI location = redirected ? HubHttp.location(head, head.uri(), subject) : head.uri();
        return new FileMetadata(etag, size.getAsLong(), location, head.headers().firstValue("X-Repo-Commit"));
    }

    /** {@code W/"abc"} and {@code "abc"} both name the blob {@code abc}. */
    static String normalizeEtag(String header) {
        String etag = header.strip();
        if (etag.startsWith("W/")) {
            etag = etag.substring(2);
        }
        if (etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")) {
            etag = etag.substring(1, etag.length() - 1);
        }
        return etag;
    }

    private static OptionalLong parseSize(Optional<String> header) {
        try {
            return header.map(value -> OptionalLong.of(Long.parseLong(value.strip())))
                    .filter(value -> value.getAsLong() >= 0).orElse(OptionalLong.empty());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static HubException missing(String what, HttpResponse<?> head, RequestSubject subject) {
        return new HubException(Reason.BAD_RESPONSE, "the answer from " + head.uri() + " for " + subject.describe()
                + " has no " + what + " (is HF_ENDPOINT a Hugging Face hub?)");
    }
}
