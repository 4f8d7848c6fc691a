package ai.jllm.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A streaming request over a bare socket, so a test can read part of the answer and then vanish the way a
 * crashed or impatient client does.
 */
final class RawStream implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final StringBuilder received = new StringBuilder();

    RawStream(int port, String path, String json) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(60_000);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        this.in = socket.getInputStream();
    }

    /** Reads until the answer so far holds {@code count} SSE events (or the stream ends); returns what was read. */
    String readEvents(int count) throws IOException {
        byte[] buffer = new byte[4096];
        while (countEvents() < count) {
            int read = in.read(buffer);
            if (read < 0) {
                break;
            }
            received.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
        }
        return received.toString();
    }

    private int countEvents() {
        int events = 0;
        for (int at = received.indexOf("data: "); at >= 0; at = received.indexOf("data: ", at + 1)) {
            events++;
        }
        return events;
    }

    /** Drops the connection without reading the rest, the way a client that crashed or gave up does. */
    void hangUp() throws IOException {
        socket.close();
    }

    @Override
    public void close() throws IOException {
        hangUp();
    }
}
