package ai.jllm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Event framing as the WHATWG server-sent-events specification defines it. */
class SseReaderTest {

    private static List<String> events(String stream) throws IOException {
        List<String> events = new ArrayList<>();
        SseReader.read(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), events::add);
        return events;
    }

    @Test
    void openAiStyleEvents() throws IOException {
        assertThat(events("data: {\"a\":1}\n\ndata: {\"b\":\"x y\"}\n\ndata: [DONE]\n\n"))
                .containsExactly("{\"a\":1}", "{\"b\":\"x y\"}", "[DONE]");
    }

    @Test
    void dataLinesJoinWithNewlinesAndOnlyOneSpaceIsDropped() throws IOException {
        assertThat(events("data: first\ndata:second\ndata:  indented\n\n")).containsExactly("first\nsecond\n indented");
    }

    @Test
    void crlfAndCrLineEndings() throws IOException {
        assertThat(events("data: one\r\n\r\ndata: two\r\rdata: three\n\n")).containsExactly("one", "two", "three");
    }

    @Test
    void commentsOtherFieldsAndEmptyEventsAreSkipped() throws IOException {
        assertThat(events(": keep-alive\n\nevent: message\nid: 7\nretry: 10\ndata: payload\n\n\n\n"))
                .containsExactly("payload");
    }

    @Test
    void anEventCutOffByTheEndOfTheStreamIsDropped() throws IOException {
        assertThat(events("data: whole\n\ndata: cut")).containsExactly("whole");
    }

    @Test
    void aFieldWithoutColonIsAnEmptyValue() throws IOException {
        assertThat(events("data\n\n")).containsExactly("");
    }

    @Test
    void theListenerStopsTheReading() throws IOException {
        List<String> seen = new ArrayList<>();
        SseReader.read(new ByteArrayInputStream("data: 1\n\ndata: 2\n\n".getBytes(StandardCharsets.UTF_8)),
                data -> seen.add(data) && false);
        assertThat(seen).containsExactly("1");
    }
}
