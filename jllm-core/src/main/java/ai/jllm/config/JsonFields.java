package ai.jllm.config;

import ai.jllm.JllmException;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Typed, null-aware access to the fields of one JSON object from a Hugging Face config file. Every error names the
 * source file and the full field path, so a user can find the line to fix. A field set to JSON {@code null} counts as
 * absent, as it does for transformers.
 */
final class JsonFields {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final JsonNode node;
    private final String source;
    private final String path;

    private JsonFields(JsonNode node, String source, String path) {
        this.node = node;
        this.source = source;
        this.path = path;
    }

    /** Reads and parses a JSON file of the model directory {@code modelDir}. */
    static JsonFields load(Path file, Path modelDir) {
        String json;
        try {
            json = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new JllmException("no " + file.getFileName() + " in " + modelDir, e);
        } catch (IOException e) {
            throw new JllmException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(json, file.toString());
    }

    /** Parses {@code json}, which must hold one JSON object; {@code source} names it in errors. */
    static JsonFields parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new JllmException(source + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                            + ", column " + e.getLocation().getColumnNr() + ")"), e);
        }
        if (root == null || !root.isObject()) {
            throw new JllmException(source + " must hold a JSON object");
        }
        return new JsonFields(root, source, "");
    }

    String source() {
        return source;
    }

    /** Whether the object has no keys at all. */
    boolean isEmpty() {
        return node.isEmpty();
    }

    /** Whether the key is written at all, even as {@code null}: transformers treats absent and null differently in places. */
    boolean hasKey(String field) {
        return node.has(field);
    }

    /** Whether the field is present with a non-null value. */
    boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    int requiredInt(String field) {
        return optionalInt(field).orElseThrow(() -> missing(field));
    }

    OptionalInt optionalInt(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return OptionalInt.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw wrongType(field, "a 32-bit integer", value);
        }
        return OptionalInt.of(value.intValue());
    }

    int intOr(String field, int fallback) {
        return optionalInt(field).orElse(fallback);
    }

    double requiredDouble(String field) {
        return optionalDouble(field).orElseThrow(() -> missing(field));
    }

    OptionalDouble optionalDouble(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw wrongType(field, "a number", value);
        }
        return OptionalDouble.of(value.doubleValue());
    }

    double doubleOr(String field, double fallback) {
        return optionalDouble(field).orElse(fallback);
    }

    Optional<Boolean> optionalBoolean(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isBoolean()) {
            throw wrongType(field, "true or false", value);
        }
        return Optional.of(value.booleanValue());
    }

    boolean booleanOr(String field, boolean fallback) {
        return optionalBoolean(field).orElse(fallback);
    }

    Optional<String> optionalString(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw wrongType(field, "a string", value);
        }
        return Optional.of(value.textValue());
    }

    Optional<JsonFields> optionalObject(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isObject()) {
            throw wrongType(field, "an object", value);
        }
        return Optional.of(new JsonFields(value, source, path + field + "."));
    }

    /** A list of strings; absent or null is an empty list. */
    List<String> stringList(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw wrongType(field, "a list of strings", value);
        }
        List<String> items = new ArrayList<>(value.size());
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw wrongType(field, "a list of strings", value);
            }
            items.add(item.textValue());
        }
        return List.copyOf(items);
    }

    /** An integer or a list of integers (as {@code eos_token_id} may be); absent or null is an empty list. */
    List<Integer> intOrIntList(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            return List.of(requiredInt(field));
        }
        List<Integer> items = new ArrayList<>(value.size());
        for (JsonNode item : value) {
            if (!item.isIntegralNumber() || !item.canConvertToInt()) {
                throw wrongType(field, "an integer or a list of integers", value);
            }
            items.add(item.intValue());
        }
        return List.copyOf(items);
    }

    /** An error about {@code field}, worded as {@code "<source>: field '<path>' <problem>"}. */
    JllmException invalid(String field, String problem) {
        return new JllmException(source + ": field '" + path + field + "' " + problem);
    }

    private JllmException missing(String field) {
        return invalid(field, "is required but missing");
    }

    private JllmException wrongType(String field, String expected, JsonNode actual) {
        String shown = actual.toString();
        if (shown.length() > 60) {
            shown = shown.substring(0, 57) + "...";
        }
        return invalid(field, "must be " + expected + ", got " + shown);
    }
}
