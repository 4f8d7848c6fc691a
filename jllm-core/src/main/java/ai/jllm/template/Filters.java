package ai.jllm.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jinja2's built-in filters on strings and numbers, with Hugging Face's {@code tojson}; the filters on
 * sequences are in {@link SequenceFilters}. Names are resolved once, when the template is parsed.
 */
final class Filters {

    /** One filter: the piped value plus the call's arguments. */
    @FunctionalInterface
    interface Filter {
        Object apply(Object value, List<Object> positional, Map<String, Object> keywords);
    }

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    private static final Map<String, Filter> FILTERS = Map.ofEntries(
            Map.entry("abs", Filters::abs),
            Map.entry("attr", Filters::attr),
            Map.entry("capitalize", (v, p, k) -> stringFilter("capitalize", v, p, k, StringMethods::capitalize)),
            Map.entry("center", Filters::center),
            Map.entry("count", Filters::length),
            Map.entry("d", Filters::defaultValue),
            Map.entry("default", Filters::defaultValue),
            Map.entry("e", Filters::escape),
            Map.entry("escape", Filters::escape),
            Map.entry("float", Filters::toFloat),
            Map.entry("format", Filters::format),
            Map.entry("indent", Filters::indent),
            Map.entry("int", Filters::toInt),
            Map.entry("length", Filters::length),
            Map.entry("lower", (v, p, k) -> stringFilter("lower", v, p, k, s -> s.toLowerCase(Locale.ROOT))),
            Map.entry("replace", Filters::replace),
            Map.entry("round", Filters::round),
            Map.entry("safe", (v, p, k) -> v instanceof Markup ? v : new Markup(PyStrings.str(v))),
            Map.entry("string", (v, p, k) -> v instanceof Markup ? v : PyStrings.str(v)),
            Map.entry("title", (v, p, k) -> stringFilter("title", v, p, k, Filters::title)),
            Map.entry("tojson", (v, p, k) -> Json.toJson(v, p, k)),
            Map.entry("trim", Filters::trim),
            Map.entry("truncate", Filters::truncate),
            Map.entry("upper", (v, p, k) -> stringFilter("upper", v, p, k, s -> s.toUpperCase(Locale.ROOT))),
            Map.entry("wordcount", (v, p, k) -> stringFilter("wordcount", v, p, k, Filters::wordCount)),
            Map.entry("batch", SequenceFilters::batch),
            Map.entry("dictsort", SequenceFilters::dictSort),
            Map.entry("first", SequenceFilters::first),
            Map.entry("items", SequenceFilters::items),
            Map.entry("join", SequenceFilters::join),
            Map.entry("last", SequenceFilters::last),
            Map.entry("list", SequenceFilters::list),
            Map.entry("map", SequenceFilters::map),
            Map.entry("max", (v, p, k) -> SequenceFilters.minOrMax(v, p, k, true)),
            Map.entry("min", (v, p, k) -> SequenceFilters.minOrMax(v, p, k, false)),
            Map.entry("reject", (v, p, k) -> SequenceFilters.selectOrReject(v, p, k, false, false)),
            Map.entry("rejectattr", (v, p, k) -> SequenceFilters.selectOrReject(v, p, k, false, true)),
            Map.entry("reverse", SequenceFilters::reverse),
            Map.entry("select", (v, p, k) -> SequenceFilters.selectOrReject(v, p, k, true, false)),
            Map.entry("selectattr", (v, p, k) -> SequenceFilters.selectOrReject(v, p, k, true, true)),
            Map.entry("slice", SequenceFilters::slice),
            Map.entry("sort", SequenceFilters::sort),
            Map.entry("sum", SequenceFilters::sum),
            Map.entry("unique", SequenceFilters::unique));

    private Filters() {}

    static Optional<Filter> lookup(String name) {
        return Optional.ofNullable(FILTERS.get(name));
    }

    /** jinja2's soft_str: the value's str(), but a safe string stays itself. */
    private static Object stringFilter(String name, Object value, List<Object> positional, Map<String, Object> keywords,
                                       Function<String, Object> function) {
        Args.bind(name, positional, keywords, 0);
        return function.apply(PyStrings.str(value));
    }

    private static Object abs(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args.bind("abs", positional, keywords, 0);
        if (!PyValues.isNumber(value)) {
            throw TemplateError.of("bad operand type for abs(): '" + PyValues.typeName(value) + "'");
        }
        return Numbers.abs(value);
    }

    private static Object attr(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("attr", positional, keywords, 1, "name");
        String name = PyStrings.str(args.get(0));
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        Optional<Attributes.Member> member = Attributes.attribute(value, name);
        return member.isPresent() ? member.get().value() : Undefined.member(value, name);
    }

    private static Object center(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("center", positional, keywords, 0, "width");
        return StringMethods.pad(PyStrings.str(value), "center", Collections.singletonList(args.get(0, 80L)));
    }

    static Object length(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args.bind("length", positional, keywords, 0);
        return (long) PyValues.length(value);
    }

    private static Object defaultValue(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("default", positional, keywords, 0, "default_value", "boolean");
        if (value instanceof Undefined || (args.flag(1, false) && !PyValues.truthy(value))) {
            return args.get(0, "");
        }
        return value;
    }

    private static Object escape(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args.bind("escape", positional, keywords, 0);
        return value instanceof Markup ? value : new Markup(Markup.escape(PyStrings.str(value)));
    }

    private static Object toFloat(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("float", positional, keywords, 0, "default");
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        return parseFloat(value).map(Object.class::cast).orElseGet(() -> args.get(0, 0.0));
    }

    /** Python's float(): numbers, and strings holding a decimal literal, inf or nan (surrounding spaces allowed). */
    private static Optional<Double> parseFloat(Object value) {
        if (PyValues.isNumber(value)) {
            return Optional.of(Numbers.toDouble(value));
        }
        if (!PyValues.isString(value)) {
            return Optional.empty();
        }
        String text = StringMethods.strip(PyStrings.str(value), null, true, true).replace("_", "").toLowerCase(Locale.ROOT);
        String unsigned = text.startsWith("-") || text.startsWith("+") ? text.substring(1) : text;
        double sign = text.startsWith("-") ? -1 : 1;
        if (unsigned.equals("inf") || unsigned.equals("infinity")) {
            return Optional.of(sign * Double.POSITIVE_INFINITY);
        }
        if (unsigned.equals("nan")) {
            return Optional.of(Double.NaN);
        }
        if (!unsigned.matches("(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
            return Optional.empty();
        }
        return Optional.of(Double.parseDouble(text));
    }

    private static Object toInt(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("int", positional, keywords, 0, "default", "base");
        Object fallback = args.get(0, 0L);
        long base = args.integer(1, 10, "base");
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        if (PyValues.isString(value)) {
            String text = StringMethods.strip(PyStrings.str(value), null, true, true).replace("_", "");
            try {
                String digits = text.startsWith("+") ? text.substring(1) : text;
                boolean negative = digits.startsWith("-");
                String unsigned = negative ? digits.substring(1) : digits;
                if (base == 16 && unsigned.toLowerCase(Locale.ROOT).startsWith("0x")
                        || base == 8 && unsigned.toLowerCase(Locale.ROOT).startsWith("0o")
                        || base == 2 && unsigned.toLowerCase(Locale.ROOT).startsWith("0b")) {
                    unsigned = unsigned.substring(2);
                }
                return PyValues.normalizeInteger(new java.math.BigInteger((negative ? "-" : "") + unsigned, (int) base));
            } catch (NumberFormatException e) {
                return parseFloat(value).filter(d -> !d.isNaN() && !d.isInfinite())
                        .map(d -> PyValues.normalizeInteger(new BigDecimal(d).toBigInteger())).orElse(fallback);
            }
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? fallback : PyValues.normalizeInteger(new BigDecimal(d).toBigInteger());
        }
        if (PyValues.isInteger(value)) {
            return value instanceof Boolean b ? (Object) (b ? 1L : 0L) : value;
        }
        return fallback;
    }

    private static Object format(Object value, List<Object> positional, Map<String, Object> keywords) {
        if (!positional.isEmpty() && !keywords.isEmpty()) {
            throw TemplateError.of("can't handle positional and keyword arguments at the same time");
        }
        Object arguments = keywords.isEmpty() ? new PyTuple(positional) : new java.util.LinkedHashMap<Object, Object>(keywords);
        return PyFormat.percent(PyStrings.str(value), arguments);
    }

    private static Object indent(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("indent", positional, keywords, 0, "width", "first", "blank");
        requireAppendableString(value);
        Object width = args.get(0, 4L);
        String indentation = PyValues.isString(width) ? PyStrings.str(width) : " ".repeat((int) Math.max(0, Args.toInteger(width, "width")));
        boolean first = args.flag(1, false);
        boolean blank = args.flag(2, false);
        // jinja2 appends a newline before splitlines(), so an empty value still has one (empty) line.
        List<Object> lines = StringMethods.splitLines(PyStrings.str(value) + "\n", false);
        StringBuilder out = new StringBuilder();
        if (first) {
            out.append(indentation);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = (String) lines.get(i);
            if (i > 0) {
                out.append('\n');
                if (blank || !line.isEmpty()) {
                    out.append(indentation);
                }
            }
            out.append(line);
        }
        return value instanceof Markup ? new Markup(out.toString()) : out.toString();
    }

    /** jinja2's indent starts with {@code s += "\n"}, which only strings survive; these are Python's errors. */
    private static void requireAppendableString(Object value) {
        switch (value) {
            case String ignored -> { }
            case Markup ignored -> { }
            case Undefined u -> throw u.fail();
            case List<?> ignored -> throw TemplateError.of("'list' object has no attribute 'splitlines'");
            case PyTuple ignored -> throw TemplateError.of("can only concatenate tuple (not \"str\") to tuple");
            case null, default -> throw TemplateError.of("unsupported operand type(s) for +=: '" + PyValues.typeName(value)
                    + "' and 'str'");
        }
    }

    private static Object replace(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("replace", positional, keywords, 2, "old", "new", "count");
        long count = args.get(2, null) == null ? -1 : args.integer(2, -1, "count");
        return StringMethods.replace(PyStrings.str(value), PyStrings.str(args.get(0)), PyStrings.str(args.get(1)), count);
    }

    private static Object round(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("round", positional, keywords, 0, "precision", "method");
        long precision = args.integer(0, 0, "precision");
        String method = PyStrings.str(args.get(1, "common"));
        if (!method.equals("common") && !method.equals("ceil") && !method.equals("floor")) {
            throw TemplateError.of("method must be common, ceil or floor");
        }
        if (!PyValues.isNumber(value)) {
            throw TemplateError.of("type " + PyValues.typeName(value) + " doesn't define __round__ method");
        }
        if (method.equals("common")) {
            if (PyValues.isInteger(value)) {
                return Numbers.plus(value);
            }
            double d = Numbers.toDouble(value);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return d;
            }
            double rounded = new BigDecimal(d).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
            return rounded == 0 ? Math.copySign(0.0, d) : rounded;
        }
        double scale = Math.pow(10, precision);
        double scaled = Numbers.toDouble(value) * scale;
        return (method.equals("ceil") ? Math.ceil(scaled) : Math.floor(scaled)) / scale;
    }

    private static Object trim(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("trim", positional, keywords, 0, "chars");
        return StringMethods.strip(PyStrings.str(value), args.optionalString(0, "chars").orElse(null), true, true);
    }

    private static Object truncate(Object value, List<Object> positional, Map<String, Object> keywords) {
        Args args = Args.bind("truncate", positional, keywords, 0, "length", "killwords", "end", "leeway");
        long length = args.integer(0, 255, "length");
        boolean killWords = args.flag(1, false);
        String end = PyStrings.str(args.get(2, "..."));
        long leeway = args.get(3, null) == null ? 5 : args.integer(3, 5, "leeway");
        if (length < end.length()) {
            throw TemplateError.of("expected length >= " + end.length() + ", got " + length);
        }
        if (leeway < 0) {
            throw TemplateError.of("expected leeway >= 0, got " + leeway);
        }
        if (PyValues.length(value) <= length + leeway) {
            return value;
        }
        if (!(value instanceof String s)) {
            throw TemplateError.of(killWords ? "can only concatenate " + PyValues.typeName(value) + " (not \"str\") to "
                    + PyValues.typeName(value) : "'" + PyValues.typeName(value) + "' object has no attribute 'rsplit'");
        }
        String head = s.substring(0, s.offsetByCodePoints(0, (int) (length - end.length())));
        if (killWords) {
            return head + end;
        }
        int space = head.lastIndexOf(' ');
        return (space < 0 ? head : head.substring(0, space)) + end;
    }

    /** jinja2's title filter: words start after spaces, hyphens and opening brackets (not Python's str.title). */
    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        Matcher matcher = WORD_BEGINNING.matcher(s);
        int last = 0;
        while (matcher.find()) {
            appendTitled(out, s.substring(last, matcher.start()));
            out.append(matcher.group());
            last = matcher.end();
        }
        appendTitled(out, s.substring(last));
        return out.toString();
    }

    private static void appendTitled(StringBuilder out, String word) {
        if (word.isEmpty()) {
            return;
        }
        int first = word.codePointAt(0);
        out.append(Character.toString(first).toUpperCase(Locale.ROOT))
                .append(word.substring(Character.charCount(first)).toLowerCase(Locale.ROOT));
    }

    private static Object wordCount(String s) {
        Matcher matcher = WORD.matcher(s);
        long count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
