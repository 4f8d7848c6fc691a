package ai.jllm.hub;

import ai.jllm.JllmException;
import ai.jllm.hub.HubException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * Downloads model repositories from the Hugging Face hub into the shared HF cache, the way
 * {@code huggingface_hub.snapshot_download} does: list the repository at a revision, then fetch each
 * selected file that the snapshot does not already hold (HEAD for its ETag and size, then GET from the
 * CDN), link it into {@code snapshots/{commit}/}, and record the revision's commit under {@code refs/}.
 * Files are fetched one after the other. Two processes may download into one cache (a lock file per blob
 * keeps them apart); within one JVM, do not download the same repository from two threads at once.
 */
public final class HubClient implements AutoCloseable {

    private static final Duration RETRY_DELAY = Duration.ofSeconds(1);

    private final HubConfig config;
    private final HubUrls urls;
    private final HubHttp http;
    private final BlobTransfer transfer;

    public HubClient(HubConfig config) {
        this(config, RETRY_DELAY);
    }

    /** With another pause between attempts of a broken download (tests use a short one). */
    HubClient(HubConfig config, Duration retryDelay) {
        this.config = config;
        this.urls = new HubUrls(config.endpoint());
        this.http = new HubHttp(config);
        this.transfer = new BlobTransfer(http, retryDelay);
    }

    /**
     * Brings {@code repoId} at {@code revision} into the cache and returns its snapshot directory.
     * Offline, returns the cached snapshot as it is, or fails if there is none.
     *
     * @param repoId {@code org/name}
     * @param revision a branch, tag or commit hash ({@code main} for the default branch)
     * @param includeGlobs the files to fetch, as patterns in the manner of huggingface_hub's
     *     {@code allow_patterns} ({@code *} also matches {@code /}); empty selects what inference needs:
     *     {@code *.json *.safetensors *.model *.txt *.jinja tokenizer*}
     */
    public Path download(String repoId, String revision, List<String> includeGlobs, DownloadListener listener) {
        RepoId repo = RepoId.parse(repoId);
        Revision rev = new Revision(revision);
        HubCache cache = new HubCache(config.cacheDir(), repo);
        RequestSubject subject = RequestSubject.of(repo, rev.name());
        if (config.offline()) {
            return cache.snapshot(rev).orElseThrow(() -> new HubException(Reason.NOT_CACHED, "HF_HUB_OFFLINE is set and "
                    + subject.describe() + " is not in the hub cache " + config.cacheDir()));
        }
        FileSelection selection = FileSelection.of(includeGlobs);
        RepoListing listing = list(repo, rev, cache, subject);
        List<String> files = selection.select(listing.files());
        if (files.isEmpty()) {
            throw new JllmException("no file of " + subject.describe() + " matches " + selection.describe());
        }
        try {
            cache.tagCacheDir();
            for (String file : files) {
                fetch(cache, repo, listing.commit(), file, subject.withFile(file), listener);
            }
            cache.writeRef(rev, listing.commit());
        } catch (IOException e) {
            throw new JllmException("cannot write to the hub cache " + config.cacheDir() + ": " + e.getMessage(), e);
        }
        return cache.snapshotDir(listing.commit());
    }

    @Override
    public void close() {
        http.close();
    }

    private RepoListing list(RepoId repo, Revision revision, HubCache cache, RequestSubject subject) {
        URI url = urls.modelInfo(repo, revision);
        try {
            HttpResponse<InputStream> response = http.send("GET", url, OptionalLong.empty(),
                    HubHttp.Redirects.ANYWHERE, subject);
            try (InputStream body = response.body()) {
                return RepoListing.parse(body.readAllBytes(), response.uri(), subject);
            }
        } catch (HubException e) {
            if (e.reason() == Reason.NETWORK && cache.snapshot(revision).isPresent()) {
                throw new HubException(Reason.NETWORK, e.getMessage()
                        + "; a snapshot is cached: set HF_HUB_OFFLINE=1 to use it", e);
            }
            throw e;
        } catch (IOException e) {
            throw HubErrors.forNetwork(e, url, subject);
        }
    }

    /** Fetches one file unless the snapshot already holds it; a snapshot's files never change. */
    private void fetch(HubCache cache, RepoId repo, String commit, String file, RequestSubject subject,
                       DownloadListener listener) throws IOException {
        if (Files.exists(cache.pointer(commit, file))) {
            return;
        }
        HttpResponse<InputStream> head = http.send("HEAD", urls.resolve(repo, commit, file), OptionalLong.empty(),
                HubHttp.Redirects.WITHIN_HUB, subject);
        head.body().close();
        FileMetadata metadata = FileMetadata.from(head, subject);
        if (metadata.commit().filter(served -> !served.equals(commit)).isPresent()) {
            throw new HubException(Reason.BAD_RESPONSE, "the hub served " + subject.describe() + " from commit "
                    + metadata.commit().orElseThrow() + " instead of " + commit);
        }
        boolean downloaded = transfer.fetch(cache, metadata, subject, file, listener);
        cache.link(commit, file, metadata.etag());
        if (downloaded) {
            listener.finished(file);
        }
    }
}
