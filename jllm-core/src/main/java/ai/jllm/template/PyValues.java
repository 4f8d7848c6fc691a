package ai.jllm.template;

import ai.jllm.JllmException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Python semantics of template values: type names, truthiness, equality, ordering, {@code len()} and
 * iteration. Values are None (null), Boolean, Long or BigInteger (int), Double (float), String, List, Map,
 * plus the runtime types of this package (PyTuple, Undefined, Namespace, ...).
 */
final class PyValues {

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private PyValues() {}

    /** Converts caller data (as Jackson produces it) to template values: ints become Long, floats Double. */
    static Object fromJava(Object value) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case BigInteger b -> normalizeInteger(b);
            case Double d -> d;
            case Float f -> f.doubleValue();
            case BigDecimal d -> d.doubleValue();
            case CharSequence cs -> cs.toString();
            case Map<?, ?> map -> {
                Map<Object, Object> copy = new LinkedHashMap<>(Math.max(4, map.size() * 2));
                map.forEach((key, item) -> copy.put(fromJava(key), fromJava(item)));
                yield copy;
            }
            case Iterable<?> items -> {
                List<Object> copy = new ArrayList<>();
                items.forEach(item -> copy.add(fromJava(item)));
                yield copy;
            }
            case Object[] items -> {
                List<Object> copy = new ArrayList<>(items.length);
                for (Object item : items) {
                    copy.add(fromJava(item));
                }
                yield copy;
            }
            default -> throw new JllmException("chat template input holds a " + value.getClass().getName()
                    + "; only maps, lists, strings, numbers, booleans and null can be passed to a template");
        };
    }

    static Object normalizeInteger(BigInteger value) {
        return value.compareTo(LONG_MIN) >= 0 && value.compareTo(LONG_MAX) <= 0 ? (Object) value.longValue() : value;
    }

    static String typeName(Object value) {
        return switch (value) {
            case null -> "NoneType";
            case Boolean ignored -> "bool";
            case Long ignored -> "int";
            case BigInteger ignored -> "int";
            case Double ignored -> "float";
            case String ignored -> "str";
            case Markup ignored -> "Markup";
            case List<?> ignored -> "list";
            case Map<?, ?> ignored -> "dict";
            case PyTuple ignored -> "tuple";
            case Undefined ignored -> "Undefined";
            case Namespace ignored -> "Namespace";
            case DictView view -> view.kind().typeName;
            case PyRange ignored -> "range";
            case Generator generator -> generator.typeName();
            case LoopState ignored -> "LoopContext";
            case MacroValue ignored -> "Macro";
            default -> "builtin_function_or_method";
        };
    }

    /** jinja2's object_type_repr: how Undefined messages name the owner of a missing member. */
    static String objectTypeRepr(Object value) {
        return switch (value) {
            case null -> "None";
            case Namespace ignored -> "jinja2.utils.Namespace object";
            case LoopState ignored -> "jinja2.runtime.LoopContext object";
            case MacroValue ignored -> "jinja2.runtime.Macro object";
            case Markup ignored -> "markupsafe.Markup object";
            case Undefined ignored -> "jinja2.runtime.Undefined object";
            default -> typeName(value) + " object";
        };
    }

    static boolean isNumber(Object value) {
        return value instanceof Long || value instanceof Double || value instanceof Boolean || value instanceof BigInteger;
    }

    static boolean isInteger(Object value) {
        return value instanceof Long || value instanceof BigInteger || value instanceof Boolean;
    }

    static boolean isString(Object value) {
        return value instanceof String || value instanceof Markup;
    }

    static boolean truthy(Object value) {
        return switch (value) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case BigInteger b -> b.signum() != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case Markup m -> !m.text().isEmpty();
            case List<?> list -> !list.isEmpty();
            case Map<?, ?> map -> !map.isEmpty();
            case PyTuple tuple -> !tuple.items().isEmpty();
            case Undefined ignored -> false;
            case DictView view -> !view.map().isEmpty();
            case PyRange range -> range.size() > 0;
            case LoopState loop -> loop.length() > 0;
            default -> true;
        };
    }

    /** Python's {@code ==}: numbers by value across int/float/bool, containers element-wise, tuples never equal lists. */
    static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            return Numbers.compare(a, b) == 0 && !Numbers.isNaN(a) && !Numbers.isNaN(b);
        }
        if (isString(a) && isString(b)) {
            return PyStrings.str(a).equals(PyStrings.str(b));
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            return sequencesEqual(x, y);
        }
        if (a instanceof PyTuple x && b instanceof PyTuple y) {
            return sequencesEqual(x.items(), y.items());
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> entry : x.entrySet()) {
                if (!y.containsKey(entry.getKey()) || !equal(entry.getValue(), y.get(entry.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        if (a instanceof PyRange x && b instanceof PyRange y) {
            return sequencesEqual(x.asList(), y.asList());
        }
        return false;
    }

    private static boolean sequencesEqual(List<?> x, List<?> y) {
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (!equal(x.get(i), y.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Python's ordering for {@code < <= > >=}: numbers, strings by code point, lists and tuples lexicographically. */
    static int compare(Object a, Object b, String operator) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        if (isNumber(a) && isNumber(b)) {
            return Numbers.compare(a, b);
        }
        if (isString(a) && isString(b)) {
            return compareCodePoints(PyStrings.str(a), PyStrings.str(b));
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            return compareSequences(x, y, operator);
        }
        if (a instanceof PyTuple x && b instanceof PyTuple y) {
            return compareSequences(x.items(), y.items(), operator);
        }
        throw TemplateError.of("'" + operator + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    private static int compareSequences(List<?> x, List<?> y, String operator) {
        int common = Math.min(x.size(), y.size());
        for (int i = 0; i < common; i++) {
            if (!equal(x.get(i), y.get(i))) {
                return compare(x.get(i), y.get(i), operator);
            }
        }
        return Integer.compare(x.size(), y.size());
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    static int length(Object value) {
        return switch (value) {
            case String s -> s.codePointCount(0, s.length());
            case Markup m -> m.text().codePointCount(0, m.text().length());
            case List<?> list -> list.size();
            case Map<?, ?> map -> map.size();
            case PyTuple tuple -> tuple.items().size();
            case Undefined ignored -> 0;
            case DictView view -> view.map().size();
            case PyRange range -> range.size();
            case Namespace ignored -> throw TemplateError.of("object of type 'Namespace' has no len()");
            case LoopState loop -> loop.length();
            case null, default -> throw TemplateError.of("object of type '" + typeName(value) + "' has no len()");
        };
    }

    /** The items a for loop (or list()) sees: dict keys, string characters, nothing for Undefined. */
    static List<Object> iterate(Object value) {
        return switch (value) {
            case List<?> list -> castList(list);
            case PyTuple tuple -> tuple.items();
            case Map<?, ?> map -> new ArrayList<>(map.keySet());
            case String s -> characters(s);
            case Markup m -> characters(m.text());
            case Undefined ignored -> List.of();
            case DictView view -> view.elements();
            case PyRange range -> range.asList();
            case Generator generator -> generator.consume();
            case null, default -> throw TemplateError.of("'" + typeName(value) + "' object is not iterable");
        };
    }

    static boolean isIterable(Object value) {
        return value instanceof List<?> || value instanceof PyTuple || value instanceof Map<?, ?> || isString(value)
                || value instanceof Undefined || value instanceof DictView || value instanceof PyRange
                || value instanceof Generator || value instanceof LoopState;
    }

    @SuppressWarnings("unchecked")
    static List<Object> castList(List<?> list) {
        return (List<Object>) list;
    }

    static List<Object> characters(String s) {
        List<Object> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            out.add(s.substring(i, next));
            i = next;
        }
        return out;
    }

    /** Python's {@code in}: substring for strings, key for dicts, element (by ==) for everything iterable. */
    static boolean contains(Object container, Object item) {
        switch (container) {
            case String s -> {
                if (!isString(item)) {
                    throw TemplateError.of("'in <string>' requires string as left operand, not " + typeName(item));
                }
                return s.contains(PyStrings.str(item));
            }
            case Markup m -> {
                return contains(m.text(), item);
            }
            case Map<?, ?> map -> {
                if (item instanceof List<?> || item instanceof Map<?, ?>) {
                    throw TemplateError.of("unhashable type: '" + typeName(item) + "'");
                }
                return mapContains(map, item);
            }
            case DictView view when view.kind() == DictView.Kind.KEYS -> {
                return mapContains(view.map(), item);
            }
            case null -> throw TemplateError.of("argument of type 'NoneType' is not iterable");
            default -> {
                if (!isIterable(container)) {
                    throw TemplateError.of("argument of type '" + typeName(container) + "' is not iterable");
                }
                for (Object element : iterate(container)) {
                    if (equal(element, item)) {
                        return true;
                    }
                }
                return false;
            }
        }
    }

    /** Whether a Python dict would find {@code key}: 1, 1.0 and True are the same key. */
    static boolean mapContains(Map<?, ?> map, Object key) {
        if (map.containsKey(key)) {
            return true;
        }
        if (isNumber(key)) {
            for (Object existing : map.keySet()) {
                if (isNumber(existing) && equal(existing, key)) {
                    return true;
                }
            }
        }
        return false;
    }

    static Object mapGet(Map<?, ?> map, Object key) {
        Object value = map.get(key);
        if (value != null || map.containsKey(key) || !isNumber(key)) {
            return value;
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (isNumber(entry.getKey()) && equal(entry.getKey(), key)) {
                return entry.getValue();
            }
        }
        return null;
    }
}
