package ai.jllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Typed reads of a JSON request object. An absent field and an explicit {@code null} both read as absent (OpenAI
 * clients send either); a value of the wrong type is a 400 naming the field by its path, such as
 * {@code messages[2].content}.
 */
final class Fields {

    private final ObjectNode node;
    private final String path;

    private Fields(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    static Fields of(ObjectNode node) {
        return new Fields(node, "");
    }

    /** The fields of a nested object, whose errors name it as {@code path.field}. */
    static Fields of(ObjectNode node, String path) {
        return new Fields(node, path.isEmpty() ? "" : path + ".");
    }

    ObjectNode node() {
        return node;
    }

    /** The parameter name an error about {@code field} reports. */
    String param(String field) {
        return path + field;
    }

    boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    Optional<JsonNode> value(String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    OptionalInt integer(String field) {
        Optional<JsonNode> value = value(field);
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        OptionalLong wide = integral(field, value.get());
        if (wide.getAsLong() < Integer.MIN_VALUE || wide.getAsLong() > Integer.MAX_VALUE) {
            throw invalid(field, "is out of range: " + value.get());
        }
        return OptionalInt.of((int) wide.getAsLong());
    }

    OptionalLong longInteger(String field) {
        Optional<JsonNode> value = value(field);
        return value.isEmpty() ? OptionalLong.empty() : integral(field, value.get());
    }

    OptionalDouble number(String field) {
        Optional<JsonNode> value = value(field);
        if (value.isEmpty()) {
            return OptionalDouble.empty();
        }
        if (!value.get().isNumber()) {
            throw invalid(field, "must be a number, got " + kind(value.get()));
        }
        double number = value.get().doubleValue();
        if (!Double.isFinite(number)) {
            throw invalid(field, "must be a finite number, got " + value.get());
        }
        return OptionalDouble.of(number);
    }

    Optional<Boolean> bool(String field) {
        Optional<JsonNode> value = value(field);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (!value.get().isBoolean()) {
            throw invalid(field, "must be true or false, got " + kind(value.get()));
        }
        return Optional.of(value.get().booleanValue());
    }

    Optional<String> string(String field) {
        Optional<JsonNode> value = value(field);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (!value.get().isTextual()) {
            throw invalid(field, "must be a string, got " + kind(value.get()));
        }
        return Optional.of(value.get().textValue());
    }

    Optional<ObjectNode> object(String field) {
        Optional<JsonNode> value = value(field);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (!(value.get() instanceof ObjectNode object)) {
            throw invalid(field, "must be an object, got " + kind(value.get()));
        }
        return Optional.of(object);
    }

    Optional<ArrayNode> array(String field) {
        Optional<JsonNode> value = value(field);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (!(value.get() instanceof ArrayNode array)) {
            throw invalid(field, "must be an array, got " + kind(value.get()));
        }
        return Optional.of(array);
    }

    /** A string or an array of strings (OpenAI's {@code stop}); absent reads as empty. */
    List<String> stringOrStrings(String field) {
        Optional<JsonNode> value = value(field);
        if (value.isEmpty()) {
            return List.of();
        }
        if (value.get().isTextual()) {
            return List.of(value.get().textValue());
        }
        if (!value.get().isArray()) {
            throw invalid(field, "must be a string or an array of strings, got " + kind(value.get()));
        }
        List<String> strings = new ArrayList<>(value.get().size());
        for (JsonNode item : value.get()) {
            if (!item.isTextual()) {
                throw invalid(field, "must hold only strings, got " + kind(item));
            }
            strings.add(item.textValue());
        }
        return strings;
    }

    /** An array of integers; absent reads as empty. */
    List<Integer> integers(String field) {
        Optional<ArrayNode> array = array(field);
        if (array.isEmpty()) {
            return List.of();
        }
        List<Integer> values = new ArrayList<>(array.get().size());
        for (JsonNode item : array.get()) {
            values.add(toInt(field, item));
        }
        return values;
    }

    ApiException invalid(String field, String problem) {
        return ApiException.badRequest(param(field), "'" + param(field) + "' " + problem);
    }

    /** An integer array element or value, for callers walking arrays themselves. */
    int toInt(String field, JsonNode item) {
        long value = integral(field, item).getAsLong();
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw invalid(field, "holds a value out of range: " + item);
        }
        return (int) value;
    }

    private OptionalLong integral(String field, JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return OptionalLong.of(value.longValue());
        }
        // Clients serializing through doubles send 16.0 for 16; accept exactly integral values.
        if (value.isFloatingPointNumber()) {
            double number = value.doubleValue();
            if (number == Math.rint(number) && Math.abs(number) < 0x1p53) {
                return OptionalLong.of((long) number);
            }
        }
        if (value.isIntegralNumber()) {
            throw invalid(field, "is out of range: " + value);
        }
        throw invalid(field, "must be an integer, got " + kind(value));
    }

    /** How a JSON value reads in an error message. */
    static String kind(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "the number " + value;
            case BOOLEAN -> value.booleanValue() ? "true" : "false";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> value.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
