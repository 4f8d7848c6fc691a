package ai.jllm.hub;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/** The hub's URLs for one endpoint, percent-encoded the way the hub expects. */
final class HubUrls {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String base;

    HubUrls(URI endpoint) {
        this.base = endpoint.toString();
    }

    /** The repository listing at a revision: JSON with {@code sha} and {@code siblings[].rfilename}. */
    URI modelInfo(RepoId repo, Revision revision) {
        return URI.create(base + "/api/models/" + repo + "/revision/" + encode(revision.name(), false));
    }

    /** One file of the repository at a revision; the revision is one path segment ({@code refs/pr/1} included). */
    URI resolve(RepoId repo, String revision, String file) {
        return URI.create(base + "/" + repo + "/resolve/" + encode(revision, false) + "/" + encode(file, true));
    }

    /** The repository's page, where users accept a gated model's licence. */
    URI modelPage(RepoId repo) {
        return URI.create(base + "/" + repo);
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters (and {@code /} when {@code keepSlashes}). */
    static String encode(String text, boolean keepSlashes) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            boolean unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlashes && c == '/');
            if (unreserved) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }
}
