package ai.jllm.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * One repository's folder in the Hugging Face cache, laid out as {@code huggingface_hub} lays it out so
 * either tool reuses the other's downloads:
 * <pre>
 * {cacheDir}/models--{org}--{name}/
 *     blobs/{etag}                      file contents, named by ETag (SHA-256 for LFS files)
 *     blobs/{etag}.incomplete           a download in progress, resumed from its length
 *     snapshots/{commit}/{path}         relative symlink to ../../blobs/{etag} (one more ../ per folder in path)
 *     refs/{revision}                   the commit a branch or tag pointed to when last fetched
 * {cacheDir}/.locks/models--{org}--{name}/{etag}.lock
 * </pre>
 */
final class HubCache {

    /** The Cache Directory Tagging Standard's signature, so backup tools skip the cache. */
    private static final String CACHEDIR_TAG = """
            Signature: 8a477f597d28d172789f06886806bc55
            # This file is a cache directory tag created by huggingface_hub-compatible tooling (jllm).
            # For information about cache directory tags, see https://bford.info/cachedir/
            """;

    private final Path cacheDir;
    private final Path repoDir;
    private final RepoId repo;

    HubCache(Path cacheDir, RepoId repo) {
        this.cacheDir = cacheDir;
        this.repo = repo;
        this.repoDir = cacheDir.resolve(repo.cacheFolderName());
    }

    Path cacheDir() {
        return cacheDir;
    }

    Path blob(String etag) {
        return repoDir.resolve("blobs").resolve(etag);
    }

    Path incompleteBlob(String etag) {
        return repoDir.resolve("blobs").resolve(etag + ".incomplete");
    }

    Path lockFile(String etag) {
        return cacheDir.resolve(".locks").resolve(repo.cacheFolderName()).resolve(etag + ".lock");
    }

    Path snapshotDir(String commit) {
        return repoDir.resolve("snapshots").resolve(commit);
    }

    /** Where {@code file} of {@code commit} appears; {@code file} was checked by {@link RepoListing}. */
    Path pointer(String commit, String file) {
        return snapshotDir(commit).resolve(file);
    }

    /** The commit {@code revision} stands for: itself when it is a commit hash, else what {@code refs/} recorded. */
    Optional<String> commitOf(Revision revision) {
        if (revision.isCommitHash()) {
            return Optional.of(revision.name());
        }
        Path ref = repoDir.resolve("refs").resolve(revision.name());
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(ref, StandardCharsets.UTF_8).strip()).filter(Revision::isCommitHash);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The snapshot folder of {@code revision}, if the cache has one (complete or not). */
    Optional<Path> snapshot(Revision revision) {
        return commitOf(revision).map(this::snapshotDir).filter(Files::isDirectory);
    }

    /** Records that {@code revision} (a branch or tag) now points to {@code commit}; written whole, never half. */
    void writeRef(Revision revision, String commit) throws IOException {
        if (revision.name().equals(commit)) {
            return;
        }
        if (commitOf(revision).filter(commit::equals).isPresent()) {
            return;
        }
        Path ref = repoDir.resolve("refs").resolve(revision.name());
        Files.createDirectories(ref.getParent());
        Path temporary = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
        Files.writeString(temporary, commit, StandardCharsets.UTF_8);
        Files.move(temporary, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Makes {@code file} of {@code commit} point at the blob {@code etag} with a relative symlink. */
    void link(String commit, String file, String etag) throws IOException {
        Path pointer = pointer(commit, file);
        Path blob = blob(etag);
        Files.createDirectories(pointer.getParent());
        Files.deleteIfExists(pointer);
        try {
            Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            // Without symlinks (Windows without developer mode) the snapshot holds a copy, as huggingface_hub does.
            Files.copy(blob, pointer);
        }
    }

    /** Tags the cache root for backup tools, once. */
    void tagCacheDir() throws IOException {
        Path tag = cacheDir.resolve("CACHEDIR.TAG");
        if (!Files.exists(tag)) {
            Files.createDirectories(cacheDir);
            Files.writeString(tag, CACHEDIR_TAG, StandardCharsets.UTF_8);
        }
    }
}
