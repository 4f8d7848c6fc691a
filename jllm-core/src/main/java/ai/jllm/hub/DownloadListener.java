package ai.jllm.hub;

/**
 * Hears how a hub download goes, one file at a time, so a front end can draw progress without core
 * depending on a progress-bar library. Files that are already in the cache produce no events.
 * Calls come from the downloading thread, in order: {@code started}, any number of {@code advanced},
 * then {@code finished} once the file is in the cache (a failed download stops without it).
 */
public interface DownloadListener {

    /** Hears nothing. */
    DownloadListener NONE = new DownloadListener() {
        @Override
        public void started(String file, long totalBytes) {}

        @Override
        public void advanced(String file, long bytes) {}

        @Override
        public void finished(String file) {}
    };

    /** {@code file} (its path in the repository) is about to be fetched; it has {@code totalBytes} in all. */
    void started(String file, long totalBytes);

    /**
     * {@code bytes} more bytes of {@code file} are on disk; the first call after {@code started} reports the
     * bytes kept from an earlier, interrupted download, so the sum always reaches {@code totalBytes}.
     */
    void advanced(String file, long bytes);

    /** {@code file} is complete and in the cache. */
    void finished(String file);
}
