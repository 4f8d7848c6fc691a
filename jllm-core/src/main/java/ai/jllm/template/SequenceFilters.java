package ai.jllm.template;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * jinja2's filters over sequences: selection, mapping, sorting, joining. Like jinja2, {@code select},
 * {@code map}, {@code unique}, {@code items} and {@code reverse} return one-shot generators, so
 * {@code x|select(...)|length} fails here exactly where it fails in Python; {@code |list} materializes.
 */
final class SequenceFilters {

    private SequenceFilters() {}

    /** jinja2's make_attrgetter: a dotted path of items ("a.b.0"), optionally lower-casing strings. */
    private static Function<Object, Object> attributeGetter(Object attribute, boolean ignoreCase, Object fallback) {
        List<Object> parts = new ArrayList<>();
        if (attribute instanceof String path) {
            for (String part : path.split("\\.", -1)) {
                parts.add(!part.isEmpty() && part.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(part) : part);
            }
        } else if (attribute != null) {
            parts.add(attribute);
        }
        return item -> {
            Object value = item;
            for (Object part : parts) {
                value = Attributes.getItem(value, part);
                if (fallback != null && value instanceof Undefined) {
                    value = fallback;
                }
            }
            return ignoreCase ? lowerCase(value) : value;
        };
    }

    private static Object lowerCase(Object value) {
        return value instanceof String s ? s.toLowerCase(Locale.ROOT) : value;
    }

    private static Comparator<Object> pythonOrder() {
        return (a, b) -> PyValues.compare(a, b, "<");
    }

    static Object batch(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("batch", positional, keywords, 1, "linecount", "fill_with");
        long size = args.integer(0, 1, "linecount");
        if (size <= 0) {
            throw TemplateError.of("batch size must be positive");
        }
        List<Object> batches = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : PyValues.iterate(value)) {
            if (current.size() == size) {
                batches.add(current);
                current = new ArrayList<>();
            }
            current.add(item);
        }
        if (!current.isEmpty()) {
            if (args.get(1, null) != null) {
                while (current.size() < size) {
                    current.add(args.get(1));
                }
            }
            batches.add(current);
        }
        return new Generator("generator", batches);
    }

    static Object dictSort(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("dictsort", positional, keywords, 0, "case_sensitive", "by", "reverse");
        boolean caseSensitive = args.flag(0, false);
        String by = PyStrings.str(args.get(1, "key"));
        if (!by.equals("key") && !by.equals("value")) {
            throw TemplateError.of("You can only sort by either \"key\" or \"value\"");
        }
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw TemplateError.of("'" + PyValues.typeName(value) + "' object has no attribute 'items'");
        }
        int position = by.equals("key") ? 0 : 1;
        List<Object> pairs = new DictView(DictView.Kind.ITEMS, map).elements();
        Comparator<Object> order = Comparator.comparing(pair -> {
            Object part = ((PyTuple) pair).items().get(position);
            return caseSensitive ? part : lowerCase(part);
        }, pythonOrder());
        pairs.sort(args.flag(2, false) ? order.reversed() : order);
        return pairs;
    }

    static Object first(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args.bind("first", positional, keywords, 0);
        List<Object> items = PyValues.iterate(value);
        return items.isEmpty() ? Undefined.withHint("No first item, sequence was empty.") : items.getFirst();
    }

    static Object last(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args.bind("last", positional, keywords, 0);
        boolean reversible = value instanceof List<?> || value instanceof PyTuple || PyValues.isString(value)
                || value instanceof Map<?, ?> || value instanceof PyRange || value instanceof DictView
                || value instanceof Undefined;
        if (!reversible) {
            throw TemplateError.of("'" + PyValues.typeName(value) + "' object is not reversible");
        }
        List<Object> items = PyValues.iterate(value);
        return items.isEmpty() ? Undefined.withHint("No last item, sequence was empty.") : items.getLast();
    }

    static Object items(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args.bind("items", positional, keywords, 0);
        if (value instanceof Undefined) {
            return new Generator("generator", List.of());
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw TemplateError.of("Can only get item pairs from a mapping.");
        }
        return new Generator("generator", new DictView(DictView.Kind.ITEMS, map).elements());
    }

    static Object join(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("join", positional, keywords, 0, "d", "attribute");
        String separator = PyStrings.str(args.get(0, ""));
        Function<Object, Object> getter = attributeGetter(args.get(1, null), false, null);
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : PyValues.iterate(value)) {
            if (!first) {
                out.append(separator);
            }
            first = false;
            out.append(PyStrings.str(getter.apply(item)));
        }
        return out.toString();
    }

    static Object list(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args.bind("list", positional, keywords, 0);
        return new ArrayList<>(PyValues.iterate(value));
    }

    static Object map(Object value, List<Object> positional, Map<String, Object> keywords) {
        List<Object> out = new ArrayList<>();
        if (!PyValues.truthy(value)) {
            return new Generator("generator", out);
        }
        Function<Object, Object> function;
        if (positional.isEmpty() && keywords.containsKey("attribute")) {
            for (String key : keywords.keySet()) {
                if (!key.equals("attribute") && !key.equals("default")) {
                    throw TemplateError.of("Unexpected keyword argument '" + key + "'");
                }
            }
            function = attributeGetter(keywords.get("attribute"), false, keywords.get("default"));
        } else {
            if (positional.isEmpty()) {
                throw TemplateError.of("map requires a filter argument");
            }
            String name = PyStrings.str(positional.getFirst());
            Filters.Filter filter = Filters.lookup(name).orElseThrow(() -> TemplateError.of("No filter named '" + name + "'."));
            List<Object> rest = positional.subList(1, positional.size());
            function = item -> filter.apply(item, rest, keywords);
        }
        for (Object item : PyValues.iterate(value)) {
            out.add(function.apply(item));
        }
        return new Generator("generator", out);
    }

    static Object minOrMax(Object value, List<Object> positional, Map<String, Object> keywords, boolean max) {
        Args args = Args.bind(max ? "max" : "min", positional, keywords, 0, "case_sensitive", "attribute");
        Function<Object, Object> key = attributeGetter(args.get(1, null), !args.flag(0, false), null);
        List<Object> items = PyValues.iterate(value);
        if (items.isEmpty()) {
            return Undefined.withHint("No aggregated item, sequence was empty.");
        }
        Object best = items.getFirst();
        Object bestKey = key.apply(best);
        for (Object item : items.subList(1, items.size())) {
            Object itemKey = key.apply(item);
            int order = PyValues.compare(itemKey, bestKey, max ? ">" : "<");
            if (max ? order > 0 : order < 0) {
                best = item;
                bestKey = itemKey;
            }
        }
        return best;
    }

    static Object selectOrReject(Object value, List<Object> positional, Map<String, Object> keywords, boolean select,
                                 boolean byAttribute) {
        List<Object> out = new ArrayList<>();
        if (!PyValues.truthy(value)) {
            return new Generator("generator", out);
        }
        Function<Object, Object> transform = item -> item;
        int offset = 0;
        if (byAttribute) {
            if (positional.isEmpty()) {
                throw TemplateError.of("Missing parameter for attribute name");
            }
            transform = attributeGetter(positional.getFirst(), false, null);
            offset = 1;
        }
        Predicate<Object> predicate;
        if (positional.size() > offset) {
            String name = PyStrings.str(positional.get(offset));
            Tests.Test test = Tests.lookup(name).orElseThrow(() -> TemplateError.of("No test named '" + name + "'."));
            List<Object> testArgs = positional.subList(offset + 1, positional.size());
            predicate = item -> test.test(item, testArgs, keywords);
        } else {
            predicate = PyValues::truthy;
        }
        for (Object item : PyValues.iterate(value)) {
            if (predicate.test(transform.apply(item)) == select) {
                out.add(item);
            }
        }
        return new Generator("generator", out);
    }

    static Object reverse(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args.bind("reverse", positional, keywords, 0);
        return switch (value) {
            case String s -> new StringBuilder(s).reverse().toString();
            case Markup m -> new StringBuilder(m.text()).reverse().toString();
            case Generator generator -> new ArrayList<>(generator.consume()).reversed();
            case null -> throw TemplateError.of("argument must be iterable");
            default -> {
                if (!PyValues.isIterable(value)) {
                    throw TemplateError.of("argument must be iterable");
                }
                yield new Generator(value instanceof Map<?, ?> ? "dict_reversekeyiterator" : "list_reverseiterator",
                        new ArrayList<>(PyValues.iterate(value)).reversed());
            }
        };
    }

    static Object slice(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("slice", positional, keywords, 1, "slices", "fill_with");
        long slices = args.integer(0, 1, "slices");
        Object fill = args.get(1, null);
        List<Object> items = PyValues.iterate(value);
        int perSlice = (int) (items.size() / slices);
        int withExtra = (int) (items.size() % slices);
        List<Object> out = new ArrayList<>();
        int offset = 0;
        for (int number = 0; number < slices; number++) {
            int start = offset + number * perSlice;
            if (number < withExtra) {
                offset++;
            }
            int end = offset + (number + 1) * perSlice;
            List<Object> part = new ArrayList<>(items.subList(start, end));
            if (fill != null && number >= withExtra) {
                part.add(fill);
            }
            out.add(part);
        }
        return new Generator("generator", out);
    }

    static Object sort(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("sort", positional, keywords, 0, "reverse", "case_sensitive", "attribute");
        boolean ignoreCase = !args.flag(1, false);
        Object attribute = args.get(2, null);
        List<Function<Object, Object>> keys = new ArrayList<>();
        if (attribute instanceof String path) {
            for (String part : path.split(",")) {
                keys.add(attributeGetter(part, ignoreCase, null));
            }
        } else {
            keys.add(attributeGetter(attribute, ignoreCase, null));
        }
        Comparator<Object> order = (a, b) -> {
            for (Function<Object, Object> key : keys) {
                Object x = key.apply(a);
                Object y = key.apply(b);
                if (!PyValues.equal(x, y)) {
                    return PyValues.compare(x, y, "<");
                }
            }
            return 0;
        };
        List<Object> items = new ArrayList<>(PyValues.iterate(value));
        items.sort(args.flag(0, false) ? order.reversed() : order);
        return items;
    }

    static Object sum(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("sum", positional, keywords, 0, "attribute", "start");
        Function<Object, Object> getter = attributeGetter(args.get(0, null), false, null);
        Object total = args.get(1, 0L);
        for (Object item : PyValues.iterate(value)) {
            total = Operators.binary(Expr.BinaryOp.ADD, total, getter.apply(item));
        }
        return total;
    }

    static Object unique(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("unique", positional, keywords, 0, "case_sensitive", "attribute");
        Function<Object, Object> key = attributeGetter(args.get(1, null), !args.flag(0, false), null);
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object item : PyValues.iterate(value)) {
            Object itemKey = key.apply(item);
            if (itemKey instanceof List<?> || itemKey instanceof Map<?, ?>) {
                throw TemplateError.of("unhashable type: '" + PyValues.typeName(itemKey) + "'");
            }
            if (seen.stream().noneMatch(existing -> PyValues.equal(existing, itemKey))) {
                seen.add(itemKey);
                out.add(item);
            }
        }
        return new Generator("generator", out);
    }
}
