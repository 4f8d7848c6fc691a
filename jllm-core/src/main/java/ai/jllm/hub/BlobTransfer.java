package ai.jllm.hub;

import ai.jllm.hub.HubException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches one blob into the cache: into {@code blobs/{etag}.incomplete}, resumed with a {@code Range}
 * request from whatever an earlier attempt left there, checked against the announced size, then moved
 * into place atomically. A connection that breaks mid-file is resumed at once, as long as attempts keep
 * bringing bytes. A lock file keeps two jllm processes from writing the same blob.
 */
final class BlobTransfer {

    /** Consecutive attempts that bring no new byte before the download is given up. */
    static final int MAX_ATTEMPTS_WITHOUT_PROGRESS = 3;

    private static final int BUFFER_BYTES = 1 << 20;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final HubHttp http;
    private final Duration retryDelay;

    BlobTransfer(HubHttp http, Duration retryDelay) {
        this.http = http;
        this.retryDelay = retryDelay;
    }

    /** Brings the blob described by {@code metadata} into the cache; false when it was there already. */
    boolean fetch(HubCache cache, FileMetadata metadata, RequestSubject subject, String file, DownloadListener listener)
            throws IOException {
        Path blob = cache.blob(metadata.etag());
        Path lockFile = cache.lockFile(metadata.etag());
        Files.createDirectories(lockFile.getParent());
        Files.createDirectories(blob.getParent());
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            lockChannel.lock(); // held until the channel closes
            if (Files.exists(blob)) {
                return false;
            }
            Path incomplete = cache.incompleteBlob(metadata.etag());
            try (FileChannel out = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                if (out.size() > metadata.size()) {
                    out.truncate(0);
                }
                listener.started(file, metadata.size());
                if (out.size() > 0) {
                    listener.advanced(file, out.size());
                }
                transfer(out, metadata, subject, file, listener);
            }
            Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
    }

    private void transfer(FileChannel out, FileMetadata metadata, RequestSubject subject, String file,
                          DownloadListener listener) throws IOException {
        int attemptsWithoutProgress = 0;
        while (out.size() < metadata.size()) {
            long before = out.size();
            try {
                transferOnce(out, metadata, subject, file, listener);
                if (out.size() < metadata.size()) {
                    throw new HubException(Reason.INCOMPLETE_DOWNLOAD, "download of " + subject.describe() + " from "
                            + metadata.location() + " stopped at " + out.size() + " of " + metadata.size()
                            + " bytes; run again to resume");
                }
            } catch (IOException | HubException e) {
                if (e instanceof HubException hubError && hubError.reason() != Reason.NETWORK) {
                    throw hubError;
                }
                attemptsWithoutProgress = out.size() > before ? 1 : attemptsWithoutProgress + 1;
                if (attemptsWithoutProgress >= MAX_ATTEMPTS_WITHOUT_PROGRESS) {
                    throw brokenOff(e, out.size(), metadata, subject);
                }
                pause(attemptsWithoutProgress, subject);
            }
        }
    }

    /** One GET from where the partial file ends; returns when the body ends. */
    private void transferOnce(FileChannel out, FileMetadata metadata, RequestSubject subject, String file,
                              DownloadListener listener) throws IOException {
        long have = out.size();
        OptionalLong range = have > 0 ? OptionalLong.of(have) : OptionalLong.empty();
        HttpResponse<InputStream> response = http.send("GET", metadata.location(), range, HubHttp.Redirects.ANYWHERE,
                subject);
        try (InputStream body = response.body()) {
            if (response.statusCode() == HubHttp.RANGE_NOT_SATISFIABLE) {
                // The server holds less than the partial file: that partial cannot be trusted, start over.
                out.truncate(0);
                throw new IOException("the server cannot resume at byte " + have);
            }
            checkAnnouncedSize(response, have, metadata, subject);
            if (response.statusCode() != 206 && have > 0) {
                // The server ignored the range and sends the whole file: skip what we already have.
                body.skipNBytes(have);
            }
            out.position(have);
            byte[] buffer = new byte[BUFFER_BYTES];
            ByteBuffer view = ByteBuffer.wrap(buffer);
            int read;
            while ((read = body.read(buffer)) >= 0) {
                if (have + read > metadata.size()) {
                    out.truncate(0);
                    throw new HubException(Reason.INCOMPLETE_DOWNLOAD, subject.describe() + " from " + metadata.location()
                            + " is larger than the " + metadata.size() + " bytes the hub announced");
                }
                view.clear().limit(read);
                while (view.hasRemaining()) {
                    out.write(view);
                }
                have += read;
                listener.advanced(file, read);
            }
        }
    }

    /** Rejects, before reading the body, a server that announces another file than the hub described. */
    private static void checkAnnouncedSize(HttpResponse<?> response, long have, FileMetadata metadata,
                                           RequestSubject subject) {
        if (response.statusCode() == 206) {
            String contentRange = response.headers().firstValue("Content-Range").orElse("");
            Matcher matcher = CONTENT_RANGE.matcher(contentRange);
            boolean consistent = matcher.matches() && Long.parseLong(matcher.group(1)) == have
                    && (matcher.group(3).equals("*") || Long.parseLong(matcher.group(3)) == metadata.size());
            if (!consistent) {
                throw new HubException(Reason.BAD_RESPONSE, "asked " + metadata.location() + " for bytes " + have
                        + "- of " + subject.describe() + " but got Content-Range '" + contentRange + "'");
            }
            return;
        }
        OptionalLong length = response.headers().firstValueAsLong("Content-Length");
        if (length.isPresent() && length.getAsLong() != metadata.size()) {
            throw new HubException(Reason.INCOMPLETE_DOWNLOAD, metadata.location() + " serves " + length.getAsLong()
                    + " bytes for " + subject.describe() + " but the hub announced " + metadata.size());
        }
    }

    private static HubException brokenOff(Exception cause, long have, FileMetadata metadata, RequestSubject subject) {
        // A HubException from the transport already names the URL; its cause says what went wrong.
        Throwable root = cause instanceof HubException && cause.getCause() != null ? cause.getCause() : cause;
        return new HubException(Reason.NETWORK, "download of " + subject.describe() + " from " + metadata.location()
                + " failed at byte " + have + " of " + metadata.size() + " (" + HubErrors.describe(root)
                + "); run again to resume", cause);
    }

    private void pause(int attempt, RequestSubject subject) {
        try {
            Thread.sleep(retryDelay.multipliedBy(attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(Reason.NETWORK, "interrupted while fetching " + subject.describe(), e);
        }
    }
}
