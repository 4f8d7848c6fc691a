package ai.jllm.weights;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated header of a safetensors file. The format: an unsigned 64-bit little-endian header length
 * N, then N bytes of UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the data region that follows the header) plus an optional {@code "__metadata__"} string map.
 *
 * <p>Everything a reader later relies on is checked here, so a broken file fails with a message instead of reading
 * garbage or out of bounds: the header fits the file, every tensor's byte range matches its shape and dtype, lies
 * inside the file, and overlaps no other tensor. Gaps between tensors are tolerated.
 *
 * @param dataStart the file offset of the data region ({@code 8 + N})
 * @param tensors the tensors in header order, offsets relative to {@code dataStart}
 */
record SafetensorsHeader(long dataStart, List<Entry> tensors, Map<String, String> metadata) {

    /** The header length the reference implementation accepts at most; larger means a corrupt or foreign file. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";
    static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int LENGTH_PREFIX_BYTES = 8;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** One tensor's header entry. */
    record Entry(TensorSpec spec, long begin, long end) {}

    /** Reads and validates the header of {@code file}, whose whole content is {@code contents}. */
    static SafetensorsHeader read(MemorySegment contents, Path file) {
        long fileSize = contents.byteSize();
        if (fileSize < LENGTH_PREFIX_BYTES) {
            throw new JllmException("file " + file + " is too short to be safetensors: " + fileSize
                    + " bytes, less than the 8-byte header length");
        }
        long headerLength = contents.get(U64_LE, 0);
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new JllmException("file " + file + " is not safetensors: its header length "
                    + Long.toUnsignedString(headerLength) + " exceeds the format's limit of " + MAX_HEADER_BYTES);
        }
        long dataStart = LENGTH_PREFIX_BYTES + headerLength;
        if (dataStart > fileSize) {
            throw new JllmException("file " + file + " is truncated: its header ends at byte " + dataStart
                    + " but the file has " + fileSize + " bytes");
        }
        byte[] json = contents.asSlice(LENGTH_PREFIX_BYTES, headerLength).toArray(ValueLayout.JAVA_BYTE);
        if (json.length == 0 || json[0] != '{') {
            throw new JllmException("file " + file + " is not safetensors: its header does not start with '{'");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new JllmException("file " + file + " has a malformed header: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new JllmException("file " + file + " has a malformed header: " + e.getMessage(), e);
        }
        Map<String, String> metadata = Map.of();
        List<Entry> tensors = new ArrayList<>(root.size());
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = metadata(field.getValue(), file);
            } else {
                tensors.add(entry(field.getKey(), field.getValue(), file));
            }
        }
        long dataSize = fileSize - dataStart;
        for (Entry tensor : tensors) {
            if (tensor.end() > dataSize) {
                throw new JllmException("file " + file + " is truncated: tensor " + tensor.spec().name()
                        + " ends at byte " + (dataStart + tensor.end()) + " but the file has " + fileSize + " bytes");
            }
        }
        checkNoOverlap(tensors, file);
        return new SafetensorsHeader(dataStart, List.copyOf(tensors), metadata);
    }

    private static Map<String, String> metadata(JsonNode node, Path file) {
        if (!node.isObject()) {
            throw new JllmException("file " + file + ": " + METADATA_KEY + " must be an object of strings");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new JllmException("file " + file + ": " + METADATA_KEY + " entry '" + field.getKey()
                        + "' must be a string, got " + field.getValue());
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Entry entry(String name, JsonNode node, Path file) {
        String where = "file " + file + ": tensor " + name;
        if (!node.isObject()) {
            throw new JllmException(where + " must be described by an object, got " + abbreviate(node));
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new JllmException(where + " has no dtype string");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dtypeNode.textValue());
        } catch (JllmException e) {
            throw new JllmException(where + ": " + e.getMessage(), e);
        }
        long[] shape = nonNegativeLongs(node.get("shape"), "shape", where);
        long[] offsets = nonNegativeLongs(node.get("data_offsets"), "data_offsets", where);
        if (offsets.length != 2) {
            throw new JllmException(where + " has data_offsets " + Arrays.toString(offsets) + "; expected [begin, end]");
        }
        if (offsets[0] > offsets[1]) {
            throw new JllmException(where + " has data_offsets " + Arrays.toString(offsets) + " that begin after they end");
        }
        TensorSpec spec = new TensorSpec(name, dtype, shape);
        long expectedBytes;
        try {
            expectedBytes = spec.byteSize();
        } catch (ArithmeticException e) {
            throw new JllmException(where + " has shape " + Arrays.toString(shape) + ", too large to address", e);
        }
        if (offsets[1] - offsets[0] != expectedBytes) {
            throw new JllmException(where + " has " + (offsets[1] - offsets[0]) + " bytes in data_offsets "
                    + Arrays.toString(offsets) + ", but shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + expectedBytes);
        }
        return new Entry(spec, offsets[0], offsets[1]);
    }

    private static long[] nonNegativeLongs(JsonNode node, String field, String where) {
        if (node == null || !node.isArray()) {
            throw new JllmException(where + " has no " + field + " list");
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode item = node.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToLong() || item.longValue() < 0) {
                throw new JllmException(where + " has " + field + " " + abbreviate(node)
                        + "; expected non-negative integers");
            }
            values[i] = item.longValue();
        }
        return values;
    }

    private static void checkNoOverlap(List<Entry> tensors, Path file) {
        List<Entry> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry previous = byOffset.get(i - 1);
            Entry current = byOffset.get(i);
            if (current.begin() < previous.end()) {
                throw new JllmException("file " + file + ": tensors " + previous.spec().name() + " (bytes "
                        + previous.begin() + ".." + previous.end() + ") and " + current.spec().name() + " (bytes "
                        + current.begin() + ".." + current.end() + ") overlap");
            }
        }
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
