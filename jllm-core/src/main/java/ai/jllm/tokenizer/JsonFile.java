package ai.jllm.tokenizer;

import ai.jllm.JllmException;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** A parsed JSON file and typed access to its fields, with errors that name the file and the field. */
final class JsonFile {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path path;
    private final JsonNode root;

    private JsonFile(Path path, JsonNode root) {
        this.path = path;
        this.root = root;
    }

    static JsonFile read(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new JllmException("no such file: " + path);
        }
        try {
            JsonNode root = MAPPER.readTree(path.toFile());
            if (root == null || !root.isObject()) {
                throw new JllmException(path + ": expected a JSON object");
            }
            return new JsonFile(path, root);
        } catch (JacksonException e) {
            throw new JllmException(path + ": malformed JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")", e);
        } catch (NoSuchFileException e) {
            throw new JllmException("no such file: " + path, e);
        } catch (IOException e) {
            throw new JllmException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    JsonNode root() {
        return root;
    }

    JllmException error(String message) {
        return new JllmException(path + ": " + message);
    }

    /** A required string field. */
    String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw error(where + "." + field + " must be a string");
        }
        return value.asText();
    }

    /** A string field that may be missing or null. */
    Optional<String> optionalText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw error(where + "." + field + " must be a string or null");
        }
        return Optional.of(value.asText());
    }

    boolean flag(JsonNode node, String field, boolean defaultValue, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.isBoolean()) {
            throw error(where + "." + field + " must be true or false");
        }
        return value.asBoolean();
    }

    int count(JsonNode node, String field, int defaultValue, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0) {
            throw error(where + "." + field + " must be a non-negative integer");
        }
        return value.asInt();
    }

    /** A required array or object field. */
    JsonNode container(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isContainerNode()) {
            throw error(where + "." + field + " must be an array or object");
        }
        return value;
    }

    /** The {@code type} of a component, for dispatch. */
    String type(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw error(where + " must be an object");
        }
        return text(node, "type", where);
    }
}
