package ai.jllm.server;

import ai.jllm.template.ChatTemplate;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the server listens and what it accepts.
 *
 * @param host            the address to bind (127.0.0.1 serves this machine only; 0.0.0.0 every interface)
 * @param port            the TCP port; 0 picks a free one
 * @param servedModelName the model name clients send and {@code /v1/models} lists
 * @param apiKey          when present, {@code /v1/*} and the Triton model endpoints require
 *                        {@code Authorization: Bearer <key>}
 * @param chatTemplate    replaces the model's own chat template when present
 * @param maxRequestBytes larger request bodies are refused
 * @param maxN            the most samples ({@code n}) or prompts one request may ask for
 * @param maxStopStrings  the most stop strings one request may give
 * @param shutdownGrace   how long a graceful shutdown lets running requests finish before cancelling them
 * @param accessLog       receives one line per HTTP request (logfmt)
 * @param version         what {@code /version} reports
 */
public record ServerConfig(String host, int port, String servedModelName, Optional<String> apiKey,
                           Optional<ChatTemplate> chatTemplate, long maxRequestBytes, int maxN, int maxStopStrings,
                           Duration shutdownGrace, AccessLog accessLog, String version) {

    public static final long DEFAULT_MAX_REQUEST_BYTES = 8L << 20;

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(servedModelName, "servedModelName");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (servedModelName.isBlank()) {
            throw new IllegalArgumentException("the served model name must not be blank");
        }
        if (apiKey.isPresent() && apiKey.get().isEmpty()) {
            throw new IllegalArgumentException("the API key must not be empty");
        }
        if (maxRequestBytes < 1 || maxN < 1 || maxStopStrings < 0) {
            throw new IllegalArgumentException("limits must be positive: max_request_bytes " + maxRequestBytes
                    + ", max_n " + maxN + ", max_stop_strings " + maxStopStrings);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("the shutdown grace must not be negative, got " + shutdownGrace);
        }
    }

    public static Builder builder(String servedModelName) {
        return new Builder(servedModelName);
    }

    /** Starts from: 127.0.0.1:8000, no API key, the model's chat template, 8 MiB bodies, n ≤ 16, 16 stop strings. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8000;
        private final String servedModelName;
        private Optional<String> apiKey = Optional.empty();
        private Optional<ChatTemplate> chatTemplate = Optional.empty();
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int maxN = 16;
        private int maxStopStrings = 16;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private AccessLog accessLog = AccessLog.NONE;
        private String version = "development build";

        private Builder(String servedModelName) {
            this.servedModelName = servedModelName;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder apiKey(Optional<String> apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder chatTemplate(Optional<ChatTemplate> chatTemplate) {
            this.chatTemplate = chatTemplate;
            return this;
        }

        public Builder maxRequestBytes(long maxRequestBytes) {
            this.maxRequestBytes = maxRequestBytes;
            return this;
        }

        public Builder maxN(int maxN) {
            this.maxN = maxN;
            return this;
        }

        public Builder maxStopStrings(int maxStopStrings) {
            this.maxStopStrings = maxStopStrings;
            return this;
        }

        public Builder shutdownGrace(Duration shutdownGrace) {
            this.shutdownGrace = shutdownGrace;
            return this;
        }

        public Builder accessLog(AccessLog accessLog) {
            this.accessLog = accessLog;
            return this;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(host, port, servedModelName, apiKey, chatTemplate, maxRequestBytes, maxN,
                    maxStopStrings, shutdownGrace, accessLog, version);
        }
    }
}
