package ai.jllm.server;

/** Where the server's access log lines go: one logfmt line per HTTP request. */
@FunctionalInterface
public interface AccessLog {

    AccessLog NONE = line -> {};

    void write(String line);
}
