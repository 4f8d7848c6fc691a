package ai.jllm.hub;

import ai.jllm.JllmException;
import ai.jllm.hub.HubException.Reason;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Turns a model argument, as users type it after {@code --model}, into a directory:
 * <ul>
 *   <li>an existing directory (a Hugging Face model folder or a jllm engine) is used as it is;</li>
 *   <li>{@code org/name} or {@code org/name@revision} is a hub model: a complete cached snapshot is used
 *       without asking the network (so it works offline), anything less is downloaded;</li>
 *   <li>anything that looks like a path but does not exist is "no such directory", never a hub lookup.</li>
 * </ul>
 * A cached snapshot is not refreshed when its branch moves on the hub; {@code jllm download} does that.
 */
public final class ModelLocator {

    private static final String EXPECTED = "expected a model directory or a hub model id ORG/NAME[@REVISION]";

    private ModelLocator() {}

    public static Path resolve(String modelArgument, HubConfig config, DownloadListener listener) {
        String argument = modelArgument.strip();
        if (argument.isEmpty()) {
            throw new JllmException("empty model argument: " + EXPECTED);
        }
        Optional<Path> path = asPath(argument);
        if (path.isPresent() && Files.isDirectory(path.get())) {
            return path.get().toAbsolutePath().normalize();
        }
        if (path.isPresent() && Files.exists(path.get())) {
            throw new JllmException("not a directory: " + argument + " (" + EXPECTED + ")");
        }
        int at = argument.indexOf('@');
        String id = at < 0 ? argument : argument.substring(0, at);
        if (looksLikePath(id)) {
            throw new JllmException("no such directory: " + argument);
        }
        if (!id.contains("/")) {
            throw new JllmException("no such directory: " + argument + " (a hub model id looks like ORG/NAME)");
        }
        RepoId repo = RepoId.parse(id);
        Revision revision = at < 0 ? Revision.MAIN : new Revision(argument.substring(at + 1));
        Optional<Path> cached = new HubCache(config.cacheDir(), repo).snapshot(revision);
        Optional<String> missing = cached.flatMap(SnapshotCompleteness::firstMissing);
        if (cached.isPresent() && missing.isEmpty()) {
            return cached.get();
        }
        if (config.offline()) {
            String model = repo + "@" + revision;
            throw new HubException(Reason.NOT_CACHED, cached.isPresent()
                    ? "HF_HUB_OFFLINE is set and the cached snapshot of " + model + " lacks " + missing.orElseThrow()
                            + " (" + cached.get() + ")"
                    : "HF_HUB_OFFLINE is set and " + model + " is not in the hub cache " + config.cacheDir());
        }
        return download(argument, repo, revision, at >= 0, config, listener);
    }

    private static Path download(String argument, RepoId repo, Revision revision, boolean explicitRevision,
                                 HubConfig config, DownloadListener listener) {
        Path snapshot;
        try (HubClient client = new HubClient(config)) {
            snapshot = client.download(repo.toString(), revision.name(), List.of(), listener);
        } catch (HubException e) {
            if (e.reason() == Reason.REPOSITORY_NOT_FOUND && !explicitRevision) {
                // `engines/qwen-int8` may be a mistyped local path as much as a hub id: say both.
                throw new HubException(Reason.REPOSITORY_NOT_FOUND,
                        "no such directory: " + argument + ", and " + e.getMessage(), e);
            }
            throw e;
        }
        SnapshotCompleteness.firstMissing(snapshot).ifPresent(missing -> {
            throw new JllmException(repo + "@" + revision + " has no " + missing
                    + ": is it a model repository with safetensors weights?");
        });
        return snapshot;
    }

    private static Optional<Path> asPath(String argument) {
        try {
            return Optional.of(Path.of(argument));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** Paths start with {@code / . ~}, end with {@code /}, use backslashes or drive letters, or nest deeper than org/name. */
    private static boolean looksLikePath(String id) {
        return id.startsWith("/") || id.startsWith(".") || id.startsWith("~") || id.endsWith("/")
                || id.contains("\\") || id.contains(":") || id.indexOf('/') != id.lastIndexOf('/');
    }
}
