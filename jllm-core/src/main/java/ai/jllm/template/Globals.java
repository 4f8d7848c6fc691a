package ai.jllm.template;

import ai.jllm.JllmException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The functions every template can call: jinja2's {@code range}, {@code dict} and {@code namespace}, plus the
 * {@code raise_exception} and {@code strftime_now} that Hugging Face adds.
 */
final class Globals {

    private Globals() {}

    static Map<String, Object> create(Clock clock) {
        Map<String, Object> globals = new HashMap<>();
        globals.put("range", (PyCallable) Globals::range);
        globals.put("dict", (PyCallable) (positional, keywords) -> dict("dict", positional, keywords));
        globals.put("namespace", (PyCallable) (positional, keywords) -> {
            Map<String, Object> attributes = new LinkedHashMap<>();
            dict("namespace", positional, keywords).forEach((key, value) -> attributes.put(PyStrings.str(key), value));
            return new Namespace(attributes);
        });
        globals.put("raise_exception", (PyCallable) (positional, keywords) -> {
            Args args = Args.bind("raise_exception", positional, keywords, 1, "message");
            // The template's own message is the whole error: callers show it to users as it is.
            throw new JllmException(PyStrings.str(args.get(0)));
        });
        globals.put("strftime_now", (PyCallable) (positional, keywords) -> {
            Args args = Args.bind("strftime_now", positional, keywords, 1, "format");
            return StrfTime.format(PyStrings.str(args.get(0)), LocalDateTime.now(clock));
        });
        return globals;
    }

    private static Object range(List<Object> positional, Map<String, Object> keywords) {
        if (!keywords.isEmpty()) {
            throw TemplateError.of("range() takes no keyword arguments");
        }
        if (positional.isEmpty() || positional.size() > 3) {
            throw TemplateError.of("range expected at least 1 argument, got " + positional.size());
        }
        long[] bounds = new long[positional.size()];
        for (int i = 0; i < bounds.length; i++) {
            Object value = positional.get(i);
            if (!(value instanceof Long || value instanceof Boolean)) {
                throw TemplateError.of("'" + PyValues.typeName(value) + "' object cannot be interpreted as an integer");
            }
            bounds[i] = Args.toInteger(value, "range bound");
        }
        return switch (bounds.length) {
            case 1 -> new PyRange(0, bounds[0], 1);
            case 2 -> new PyRange(bounds[0], bounds[1], 1);
            default -> new PyRange(bounds[0], bounds[1], bounds[2]);
        };
    }

    /** Python's dict(): from a mapping or a sequence of pairs, then the keyword arguments. */
    private static Map<Object, Object> dict(String function, List<Object> positional, Map<String, Object> keywords) {
        if (positional.size() > 1) {
            throw TemplateError.of(function + " expected at most 1 argument, got " + positional.size());
        }
        Map<Object, Object> result = new LinkedHashMap<>();
        if (!positional.isEmpty()) {
            Object source = positional.getFirst();
            if (source instanceof Map<?, ?> map) {
                result.putAll(map);
            } else {
                for (Object pair : PyValues.iterate(source)) {
                    List<Object> items = PyValues.iterate(pair);
                    if (items.size() != 2) {
                        throw TemplateError.of("dictionary update sequence element has length " + items.size()
                                + "; 2 is required");
                    }
                    result.put(items.get(0), items.get(1));
                }
            }
        }
        result.putAll(keywords);
        return result;
    }
}
