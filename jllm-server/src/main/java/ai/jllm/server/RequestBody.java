package ai.jllm.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads a request body as a JSON object, strictly: at most the configured number of bytes, valid UTF-8, one JSON
 * object and nothing after it. Every violation is a 400 that says what was wrong.
 */
final class RequestBody {

    private RequestBody() {}

    static ObjectNode readObject(ServerRequest request, long maxBytes, ObjectMapper json) {
        OptionalLong declared = request.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxBytes) {
            throw tooLarge(maxBytes);
        }
        byte[] bytes = readAtMost(request, maxBytes);
        String text = decodeUtf8(bytes);
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw ApiException.badRequest(null, "the request body is not valid JSON" + where + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (node == null || node.isMissingNode()) {
            throw ApiException.badRequest(null, "the request body is empty; send a JSON object");
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest(null, "the request body must be a JSON object, got " + Fields.kind(node));
        }
        return object;
    }

    /** Whether the request declares a JSON (or no) content type; form posts and the like are refused. */
    static void requireJsonContentType(ServerRequest request) {
        request.headers().first(HeaderNames.CONTENT_TYPE).ifPresent(type -> {
            String media = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!media.equals("application/json") && !media.endsWith("+json")) {
                throw ApiException.badRequest(null, "the request body must be application/json, got Content-Type "
                        + type);
            }
        });
    }

    private static byte[] readAtMost(ServerRequest request, long maxBytes) {
        if (!request.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = request.content().inputStream()) {
            byte[] buffer = new byte[8192];
            int length = 0;
            int read;
            while ((read = in.read(buffer, length, buffer.length - length)) != -1) {
                length += read;
                if (length > maxBytes) {
                    throw tooLarge(maxBytes);
                }
                if (length == buffer.length) {
                    buffer = Arrays.copyOf(buffer, (int) Math.min(Math.max(2L * buffer.length, 1), maxBytes + 1));
                }
            }
            return Arrays.copyOf(buffer, length);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body failed", e);
        }
    }

    private static String decodeUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw ApiException.badRequest(null, "the request body is not valid UTF-8 (byte offset " + in.position()
                    + ")");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    private static ApiException tooLarge(long maxBytes) {
        return new ApiException(400, "invalid_request_error", Optional.empty(), Optional.of("request_too_large"),
                "the request body exceeds the limit of " + maxBytes + " bytes (--max-request-bytes)");
    }
}
