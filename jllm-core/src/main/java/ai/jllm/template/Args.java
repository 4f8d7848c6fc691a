package ai.jllm.template;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds call arguments to a Python-style parameter list ({@code indent(width=4, first=False)}): positional
 * first, then keywords by name, reporting surplus, unknown and missing arguments as Python does.
 */
final class Args {

    private final Object[] values;
    private final boolean[] present;

    private Args(int size) {
        this.values = new Object[size];
        this.present = new boolean[size];
    }

    /** The first {@code required} names must be given; the others may be left out. */
    static Args bind(String function, List<Object> positional, Map<String, Object> keywords, int required,
                     String... names) {
        if (positional.size() > names.length) {
            throw TemplateError.of(function + "() takes at most " + names.length + " argument"
                    + (names.length == 1 ? "" : "s") + " (" + positional.size() + " given)");
        }
        Args args = new Args(names.length);
        for (int i = 0; i < positional.size(); i++) {
            args.values[i] = positional.get(i);
            args.present[i] = true;
        }
        for (Map.Entry<String, Object> keyword : keywords.entrySet()) {
            int index = List.of(names).indexOf(keyword.getKey());
            if (index < 0) {
                throw TemplateError.of(function + "() got an unexpected keyword argument '" + keyword.getKey() + "'");
            }
            if (args.present[index]) {
                throw TemplateError.of(function + "() got multiple values for argument '" + keyword.getKey() + "'");
            }
            args.values[index] = keyword.getValue();
            args.present[index] = true;
        }
        for (int i = 0; i < required; i++) {
            if (!args.present[i]) {
                throw TemplateError.of(function + "() missing required argument '" + names[i] + "'");
            }
        }
        return args;
    }

    boolean has(int index) {
        return present[index];
    }

    Object get(int index) {
        return values[index];
    }

    Object get(int index, Object fallback) {
        return present[index] ? values[index] : fallback;
    }

    /** An argument Python reads as a bool (any value, by truthiness). */
    boolean flag(int index, boolean fallback) {
        return present[index] ? PyValues.truthy(values[index]) : fallback;
    }

    /** An argument that must be an integer (bools count); {@code what} names it in the error. */
    long integer(int index, long fallback, String what) {
        if (!present[index]) {
            return fallback;
        }
        return toInteger(values[index], what);
    }

    static long toInteger(Object value, String what) {
        return switch (value) {
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            case Undefined u -> throw u.fail();
            case null, default -> throw TemplateError.of(what + " must be an integer, not '" + PyValues.typeName(value) + "'");
        };
    }

    /** An optional string argument; None reads as absent, as Python's {@code chars=None} defaults do. */
    Optional<String> optionalString(int index, String what) {
        Object value = get(index, null);
        if (value == null) {
            return Optional.empty();
        }
        if (!PyValues.isString(value)) {
            throw TemplateError.of("must be str or None, not " + PyValues.typeName(value));
        }
        return Optional.of(PyStrings.str(value));
    }
}
