package ai.jllm.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The read-only methods of dicts, lists and tuples a template may call; strings are in {@link StringMethods}. */
final class Methods {

    private static final Set<String> DICT_METHODS = Set.of("items", "keys", "values", "get", "copy");
    private static final Set<String> MUTATING_DICT_METHODS = Set.of("clear", "pop", "popitem", "setdefault", "update");
    private static final Set<String> LIST_METHODS = Set.of("index", "count", "copy");
    private static final Set<String> MUTATING_LIST_METHODS =
            Set.of("append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove");
    private static final Set<String> TUPLE_METHODS = Set.of("index", "count");

    private Methods() {}

    static boolean isDictMethod(String name) {
        return DICT_METHODS.contains(name);
    }

    static boolean isMutatingDictMethod(String name) {
        return MUTATING_DICT_METHODS.contains(name);
    }

    static boolean isListMethod(String name) {
        return LIST_METHODS.contains(name);
    }

    static boolean isMutatingListMethod(String name) {
        return MUTATING_LIST_METHODS.contains(name);
    }

    static boolean isTupleMethod(String name) {
        return TUPLE_METHODS.contains(name);
    }

    static Object invoke(Object receiver, String name, List<Object> positional, Map<String, Object> keywords) {
        return switch (receiver) {
            case String s -> StringMethods.invoke(s, name, positional, keywords);
            case Markup m -> markupMethod(m, name, positional, keywords);
            case Map<?, ?> map -> dictMethod(map, name, positional, keywords);
            case List<?> list -> sequenceMethod(PyValues.castList(list), "list", name, positional, keywords);
            case PyTuple tuple -> sequenceMethod(tuple.items(), "tuple", name, positional, keywords);
            default -> throw new IllegalStateException("no methods on " + PyValues.typeName(receiver));
        };
    }

    /** markupsafe's Markup methods: string results stay Markup, and plain-string arguments are escaped first. */
    private static Object markupMethod(Markup receiver, String name, List<Object> positional, Map<String, Object> keywords) {
        return switch (name) {
            case "split", "rsplit", "splitlines" ->
                    wrapMarkup(StringMethods.invoke(receiver.text(), name, positional, keywords));
            case "join" -> {
                expectCount("join", positional, 1, 1);
                List<Object> escaped = new ArrayList<>();
                PyValues.iterate(positional.getFirst()).forEach(item -> escaped.add(escapeArgument(item)));
                yield wrapMarkup(StringMethods.invoke(receiver.text(), name, List.of(escaped), keywords));
            }
            case "capitalize", "title", "lower", "upper", "replace", "ljust", "rjust", "lstrip", "rstrip", "center", "strip",
                 "swapcase", "zfill", "casefold", "removeprefix", "removesuffix", "partition", "rpartition", "format" -> {
                List<Object> escaped = new ArrayList<>(positional.size());
                positional.forEach(argument -> escaped.add(escapeArgument(argument)));
                yield wrapMarkup(StringMethods.invoke(receiver.text(), name, escaped, keywords));
            }
            default -> StringMethods.invoke(receiver.text(), name, positional, keywords);
        };
    }

    private static Object escapeArgument(Object argument) {
        return switch (argument) {
            case Markup m -> m.text();
            case String s -> Markup.escape(s);
            case null, default -> argument;
        };
    }

    private static Object wrapMarkup(Object result) {
        return switch (result) {
            case String s -> new Markup(s);
            case List<?> list -> {
                List<Object> wrapped = new ArrayList<>(list.size());
                list.forEach(item -> wrapped.add(wrapMarkup(item)));
                yield wrapped;
            }
            case PyTuple tuple -> new PyTuple(PyValues.castList((List<?>) wrapMarkup(tuple.items())));
            case null, default -> result;
        };
    }

    private static Object dictMethod(Map<?, ?> map, String name, List<Object> positional, Map<String, Object> keywords) {
        if (!keywords.isEmpty()) {
            throw TemplateError.of("dict." + name + "() takes no keyword arguments");
        }
        return switch (name) {
            case "items" -> view(map, DictView.Kind.ITEMS, positional);
            case "keys" -> view(map, DictView.Kind.KEYS, positional);
            case "values" -> view(map, DictView.Kind.VALUES, positional);
            case "copy" -> {
                expectCount("dict.copy", positional, 0, 0);
                yield new LinkedHashMap<>(map);
            }
            case "get" -> {
                expectCount("get", positional, 1, 2);
                Object key = positional.getFirst();
                yield PyValues.mapContains(map, key) ? PyValues.mapGet(map, key)
                        : positional.size() > 1 ? positional.get(1) : null;
            }
            default -> throw new IllegalStateException("unknown dict method " + name);
        };
    }

    private static DictView view(Map<?, ?> map, DictView.Kind kind, List<Object> positional) {
        expectCount("dict." + kind.name().toLowerCase(), positional, 0, 0);
        return new DictView(kind, map);
    }

    private static Object sequenceMethod(List<Object> items, String type, String name, List<Object> positional,
                                         Map<String, Object> keywords) {
        if (!keywords.isEmpty()) {
            throw TemplateError.of(type + "." + name + "() takes no keyword arguments");
        }
        return switch (name) {
            case "count" -> {
                expectCount(type + ".count", positional, 1, 1);
                yield items.stream().filter(item -> PyValues.equal(item, positional.getFirst())).count();
            }
            case "index" -> {
                expectCount(type + ".index", positional, 1, 1);
                for (int i = 0; i < items.size(); i++) {
                    if (PyValues.equal(items.get(i), positional.getFirst())) {
                        yield (long) i;
                    }
                }
                throw TemplateError.of(type.equals("list") ? PyStrings.repr(positional.getFirst()) + " is not in list"
                        : "tuple.index(x): x not in tuple");
            }
            case "copy" -> {
                expectCount("list.copy", positional, 0, 0);
                yield new ArrayList<>(items);
            }
            default -> throw new IllegalStateException("unknown " + type + " method " + name);
        };
    }

    static void expectCount(String function, List<Object> positional, int min, int max) {
        int given = positional.size();
        if (given >= min && given <= max) {
            return;
        }
        if (max == 0) {
            throw TemplateError.of(function + "() takes no arguments (" + given + " given)");
        }
        String expected = min == max ? "exactly " + min : given < min ? "at least " + min : "at most " + max;
        throw TemplateError.of(function + "() takes " + expected + " argument" + (min == max && min == 1 ? "" : "s")
                + " (" + given + " given)");
    }
}
