package ai.jllm.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Member access as jinja2's ImmutableSandboxedEnvironment does it. {@code a.b} tries the attribute (a method
 * of str, dict or list) and then the item; {@code a[b]} tries the item and then the attribute. Whatever is
 * missing becomes Undefined; methods that would mutate a list or dict are refused.
 */
final class Attributes {

    private Attributes() {}

    /** A found attribute; its value may itself be None or Undefined. */
    record Member(Object value) {}

    static Object getAttr(Object owner, String name) {
        if (owner instanceof Undefined undefined) {
            throw undefined.fail();
        }
        Optional<Member> attribute = attribute(owner, name);
        if (attribute.isPresent()) {
            return attribute.get().value();
        }
        return switch (owner) {
            case Map<?, ?> map when PyValues.mapContains(map, name) -> PyValues.mapGet(map, name);
            case null, default -> Undefined.member(owner, name);
        };
    }

    static Object getItem(Object owner, Object key) {
        if (owner instanceof Undefined undefined) {
            throw undefined.fail();
        }
        switch (owner) {
            case Map<?, ?> map -> {
                if (PyValues.mapContains(map, key)) {
                    return PyValues.mapGet(map, key);
                }
            }
            case List<?> list when isIndex(key) -> {
                return index(PyValues.castList(list), key, owner);
            }
            case PyTuple tuple when isIndex(key) -> {
                return index(tuple.items(), key, owner);
            }
            case PyRange range when isIndex(key) -> {
                return index(range.asList(), key, owner);
            }
            case String s when isIndex(key) -> {
                return index(PyValues.characters(s), key, owner);
            }
            case Markup m when isIndex(key) -> {
                Object character = index(PyValues.characters(m.text()), key, owner);
                return character instanceof String c ? new Markup(c) : character;
            }
            case null, default -> { }
        }
        if (key instanceof String name) {
            Optional<Member> attribute = attribute(owner, name);
            if (attribute.isPresent()) {
                return attribute.get().value();
            }
        }
        return Undefined.member(owner, key);
    }

    private static boolean isIndex(Object key) {
        return key instanceof Long || key instanceof Boolean;
    }

    private static Object index(List<Object> items, Object key, Object owner) {
        long index = Args.toInteger(key, "index");
        long position = index < 0 ? index + items.size() : index;
        if (position < 0 || position >= items.size()) {
            return Undefined.member(owner, key);
        }
        return items.get((int) position);
    }

    /** The attribute {@code name} of {@code owner} in Python's sense, without the item fallback. */
    static Optional<Member> attribute(Object owner, String name) {
        if (name.startsWith("__") && name.endsWith("__") && owner != null) {
            return found(Undefined.unsafe(owner, name));
        }
        return switch (owner) {
            case Map<?, ?> ignored -> Methods.isDictMethod(name) ? found(new BoundMethod(owner, name))
                    : Methods.isMutatingDictMethod(name) ? found(Undefined.unsafe(owner, name)) : Optional.empty();
            case List<?> ignored -> Methods.isListMethod(name) ? found(new BoundMethod(owner, name))
                    : Methods.isMutatingListMethod(name) ? found(Undefined.unsafe(owner, name)) : Optional.empty();
            case PyTuple ignored -> Methods.isTupleMethod(name) ? found(new BoundMethod(owner, name)) : Optional.empty();
            case String ignored -> StringMethods.has(name) ? found(new BoundMethod(owner, name)) : Optional.empty();
            case Markup ignored -> StringMethods.has(name) ? found(new BoundMethod(owner, name)) : Optional.empty();
            case Namespace ns -> ns.has(name) ? found(ns.get(name)) : Optional.empty();
            case LoopState loop -> loop.attribute(name);
            case null, default -> Optional.empty();
        };
    }

    private static Optional<Member> found(Object value) {
        return Optional.of(new Member(value));
    }

    /** {@code owner[start:stop:step]} for lists, tuples, strings and ranges. */
    static Object slice(Object owner, Object start, Object stop, Object step) {
        if (owner instanceof Undefined undefined) {
            throw undefined.fail();
        }
        return switch (owner) {
            case List<?> list -> pick(PyValues.castList(list), start, stop, step);
            case PyTuple tuple -> new PyTuple(pick(tuple.items(), start, stop, step));
            case PyRange range -> pick(range.asList(), start, stop, step);
            case String s -> joinCharacters(pick(PyValues.characters(s), start, stop, step));
            case Markup m -> new Markup(joinCharacters(pick(PyValues.characters(m.text()), start, stop, step)));
            case null, default -> Undefined.member(owner, "slice(" + PyStrings.repr(start) + ", " + PyStrings.repr(stop) + ", "
                    + PyStrings.repr(step) + ")");
        };
    }

    private static String joinCharacters(List<Object> characters) {
        StringBuilder out = new StringBuilder();
        characters.forEach(c -> out.append((String) c));
        return out.toString();
    }

    /** Python's slice.indices(): clamp the bounds to the sequence, defaults depending on the step's sign. */
    private static List<Object> pick(List<Object> items, Object startValue, Object stopValue, Object stepValue) {
        long length = items.size();
        long step = stepValue == null ? 1 : sliceIndex(stepValue);
        if (step == 0) {
            throw TemplateError.of("slice step cannot be zero");
        }
        long lower = step > 0 ? 0 : -1;
        long upper = step > 0 ? length : length - 1;
        long start = startValue == null ? (step > 0 ? lower : upper) : clamp(sliceIndex(startValue), length, lower, upper);
        long stop = stopValue == null ? (step > 0 ? upper : lower) : clamp(sliceIndex(stopValue), length, lower, upper);
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(items.get((int) i));
        }
        return out;
    }

    private static long clamp(long index, long length, long lower, long upper) {
        long position = index < 0 ? index + length : index;
        return Math.max(lower, Math.min(upper, position));
    }

    private static long sliceIndex(Object value) {
        if (value instanceof Undefined undefined) {
            throw undefined.fail();
        }
        if (!(value instanceof Long || value instanceof Boolean)) {
            throw TemplateError.of("slice indices must be integers or None or have an __index__ method");
        }
        return Args.toInteger(value, "slice index");
    }

    static Object call(Object callee, List<Object> positional, Map<String, Object> keywords) {
        return switch (callee) {
            case PyCallable callable -> callable.call(positional, keywords);
            case Undefined undefined -> throw undefined.fail();
            case null, default -> throw TemplateError.of("'" + PyValues.typeName(callee) + "' object is not callable");
        };
    }
}
