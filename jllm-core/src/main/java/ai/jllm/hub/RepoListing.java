package ai.jllm.hub;

import ai.jllm.hub.HubException.Reason;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A repository at one commit, as {@code GET /api/models/{repo}/revision/{revision}} lists it.
 *
 * @param commit the 40-digit commit the revision resolved to
 * @param files every file's path in the repository, {@code /}-separated
 */
record RepoListing(String commit, List<String> files) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    RepoListing {
        files = List.copyOf(files);
    }

    /** Parses the hub's answer; file names that could escape the snapshot folder are refused. */
    static RepoListing parse(byte[] body, URI source, RequestSubject subject) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw bad("is not JSON", source, subject);
        }
        String commit = root.path("sha").asText("");
        if (!Revision.isCommitHash(commit)) {
            throw bad("has no commit hash in 'sha'", source, subject);
        }
        JsonNode siblings = root.path("siblings");
        if (!siblings.isArray()) {
            throw bad("has no 'siblings' list", source, subject);
        }
        List<String> files = new ArrayList<>(siblings.size());
        for (JsonNode sibling : siblings) {
            String path = sibling.path("rfilename").asText("");
            if (!isSafeRelativePath(path)) {
                throw bad("lists an unusable file name '" + path + "'", source, subject);
            }
            files.add(path);
        }
        return new RepoListing(commit, files);
    }

    /** A relative path with no empty, {@code .} or {@code ..} parts and no backslashes. */
    static boolean isSafeRelativePath(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.indexOf('\0') >= 0) {
            return false;
        }
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static HubException bad(String problem, URI source, RequestSubject subject) {
        return new HubException(Reason.BAD_RESPONSE,
                "the listing of " + subject.describe() + " from " + source + " " + problem);
    }
}
