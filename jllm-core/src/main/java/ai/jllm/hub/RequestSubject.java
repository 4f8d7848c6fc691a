package ai.jllm.hub;

import java.util.Optional;

/** What a hub request is about, so an error can name the repository, revision and file at fault. */
record RequestSubject(RepoId repo, String revision, Optional<String> file) {

    static RequestSubject of(RepoId repo, String revision) {
        return new RequestSubject(repo, revision, Optional.empty());
    }

    RequestSubject withFile(String path) {
        return new RequestSubject(repo, revision, Optional.of(path));
    }

    /** {@code org/name@revision} or {@code org/name@revision:file}, for messages. */
    String describe() {
        return repo + "@" + revision + file.map(path -> ":" + path).orElse("");
    }
}
