package ai.jllm.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads a server-sent-events stream as the WHATWG specification frames it: {@code data:} lines (one optional space
 * after the colon) accumulate, a blank line dispatches the event with its data lines joined by newlines, lines
 * starting with a colon are comments, other fields are ignored, and an event cut off by the end of the stream is
 * dropped.
 */
public final class SseReader {

    /** Receives each event's data; returns false to stop reading. */
    @FunctionalInterface
    public interface Listener {
        boolean onEvent(String data);
    }

    private SseReader() {}

    public static void read(InputStream stream, Listener listener) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        StringBuilder data = new StringBuilder();
        boolean hasData = false;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (hasData) {
                    if (!listener.onEvent(data.toString())) {
                        return;
                    }
                    data.setLength(0);
                    hasData = false;
                }
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            if (!field.equals("data")) {
                continue;
            }
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (hasData) {
                data.append('\n');
            }
            data.append(value);
            hasData = true;
        }
    }
}
