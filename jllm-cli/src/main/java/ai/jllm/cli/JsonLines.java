package ai.jllm.cli;

import ai.jllm.JllmException;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The line protocol of {@code tokenize} and {@code detokenize}: one JSON value per input line (UTF-8), one
 * compact JSON value per output line, in order. Output is plain ASCII (non-ASCII characters as {@code \\uXXXX}
 * escapes), so it survives any terminal or locale. The first malformed line stops the run with
 * {@code line N: ...}, after everything before it has been printed.
 */
final class JsonLines {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    private JsonLines() {}

    /** Reads {@code in} line by line, parses each line, converts it and prints the result. */
    static void process(InputStream in, PrintWriter out, Function<JsonNode, Object> convert, String expected) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                JsonNode value = parse(line, lineNumber, expected);
                Object result;
                try {
                    result = convert.apply(value);
                } catch (IllegalArgumentException e) {
                    throw malformed(lineNumber, expected);
                }
                out.println(JSON.writeValueAsString(result));
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            out.flush();
        }
    }

    private static JsonNode parse(String line, int lineNumber, String expected) {
        try {
            return JSON.readTree(line);
        } catch (JacksonException e) {
            throw malformed(lineNumber, expected);
        }
    }

    static JllmException malformed(int lineNumber, String expected) {
        return new JllmException("line " + lineNumber + ": expected " + expected);
    }
}
