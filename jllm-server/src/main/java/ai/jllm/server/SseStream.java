package ai.jllm.server;

import io.helidon.common.socket.SocketWriterException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-events response, framed as OpenAI frames it: {@code data: <json>\n\n} per event, each flushed at
 * once. A write that fails means the client has gone: {@link #send} then returns false so the caller can cancel the
 * generation and free its KV blocks.
 */
final class SseStream {

    private static final byte[] PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private boolean open = true;

    SseStream(ServerResponse response) {
        response.status(Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        // Reverse proxies (nginx) would otherwise buffer the stream and defeat it.
        response.header("X-Accel-Buffering", "no");
        this.out = response.outputStream();
    }

    /** Sends one event whose data is {@code json}; false when the client is gone. */
    boolean send(byte[] json) {
        byte[] event = new byte[PREFIX.length + json.length + 2];
        System.arraycopy(PREFIX, 0, event, 0, PREFIX.length);
        System.arraycopy(json, 0, event, PREFIX.length, json.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        return write(event);
    }

    /** The OpenAI end-of-stream event. */
    boolean done() {
        return write(DONE);
    }

    boolean open() {
        return open;
    }

    /** Ends the response; a client that already left is not an error. */
    void close() {
        if (!open) {
            return;
        }
        try {
            out.close();
        } catch (IOException | UncheckedIOException | CloseConnectionException | SocketWriterException e) {
            open = false;
        }
    }

    private boolean write(byte[] bytes) {
        if (!open) {
            return false;
        }
        try {
            out.write(bytes);
            out.flush();
            return true;
        } catch (IOException | UncheckedIOException | CloseConnectionException | SocketWriterException e) {
            open = false;
            return false;
        }
    }
}
