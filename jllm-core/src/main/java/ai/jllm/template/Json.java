package ai.jllm.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as Hugging Face defines it: Python's
 * {@code json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)},
 * byte for byte (separators, indentation, float repr, escaping).
 */
final class Json {

    private final boolean ensureAscii;
    private final String indent;
    private final boolean indented;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    private Json(boolean ensureAscii, String indent, boolean indented, String itemSeparator, String keySeparator,
                 boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.indented = indented;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
    }

    static Object toJson(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("tojson", positional, keywords, 0, "ensure_ascii", "indent", "separators", "sort_keys");
        Object indentArg = args.get(1, null);
        boolean indented = indentArg != null;
        String indent = switch (indentArg) {
            case null -> "";
            case String s -> s;
            case Markup m -> m.text();
            default -> " ".repeat((int) Math.max(0, Args.toInteger(indentArg, "indent")));
        };
        String itemSeparator = indented ? "," : ", ";
        String keySeparator = ": ";
        Object separators = args.get(2, null);
        if (separators != null) {
            List<Object> pair = PyValues.iterate(separators);
            if (pair.size() != 2) {
                throw TemplateError.of("separators must be a pair of strings");
            }
            itemSeparator = PyStrings.str(pair.get(0));
            keySeparator = PyStrings.str(pair.get(1));
        }
        Json json = new Json(args.flag(0, false), indent, indented, itemSeparator, keySeparator, args.flag(3, false));
        StringBuilder out = new StringBuilder();
        json.write(out, value, 0);
        return out.toString();
    }

    private void write(StringBuilder out, Object value, int level) {
        switch (value) {
            case null -> out.append("null");
            case String s -> writeString(out, s);
            case Markup m -> writeString(out, m.text());
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l.longValue());
            case BigInteger b -> out.append(b);
            case Double d -> out.append(floatText(d));
            case List<?> list -> writeArray(out, list, level);
            case PyTuple tuple -> writeArray(out, tuple.items(), level);
            case Map<?, ?> map -> writeObject(out, map, level);
            default -> throw TemplateError.of("Object of type " + PyValues.typeName(value) + " is not JSON serializable");
        }
    }

    private static String floatText(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyStrings.floatRepr(d);
    }

    private void writeArray(StringBuilder out, List<?> items, int level) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < items.size(); i++) {
            separate(out, i == 0, level + 1);
            write(out, items.get(i), level + 1);
        }
        close(out, level);
        out.append(']');
    }

    private void writeObject(StringBuilder out, Map<?, ?> map, int level) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) {
            entries.sort((a, b) -> PyValues.compare(a.getKey(), b.getKey(), "<"));
        }
        out.append('{');
        for (int i = 0; i < entries.size(); i++) {
            separate(out, i == 0, level + 1);
            writeString(out, keyText(entries.get(i).getKey()));
            out.append(keySeparator);
            write(out, entries.get(i).getValue(), level + 1);
        }
        close(out, level);
        out.append('}');
    }

    private static String keyText(Object key) {
        return switch (key) {
            case String s -> s;
            case Markup m -> m.text();
            case Boolean b -> b ? "true" : "false";
            case null -> "null";
            case Long l -> l.toString();
            case BigInteger b -> b.toString();
            case Double d -> floatText(d);
            default -> throw TemplateError.of("keys must be str, int, float, bool or None, not " + PyValues.typeName(key));
        };
    }

    private void separate(StringBuilder out, boolean first, int level) {
        if (!first) {
            out.append(itemSeparator);
        }
        if (indented) {
            out.append('\n');
            out.append(indent.repeat(level));
        }
    }

    private void close(StringBuilder out, int level) {
        if (indented) {
            out.append('\n');
            out.append(indent.repeat(level));
        }
    }

    private void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append("\\u").append(PyStrings.hex(c, 4));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
