package ai.jllm.template;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/** jinja2's tests, used as {@code value is name(args)} and by the select/reject filters. */
final class Tests {

    @FunctionalInterface
    interface Test {
        boolean test(Object value, List<Object> positional, Map<String, Object> keywords);
    }

    private static final Map<String, Test> TESTS = Map.ofEntries(
            Map.entry("boolean", unary(v -> v instanceof Boolean)),
            Map.entry("callable", unary(v -> v instanceof PyCallable || v instanceof Undefined)),
            Map.entry("defined", unary(v -> !(v instanceof Undefined))),
            Map.entry("divisibleby", binary((v, n) -> PyValues.equal(modulo(v, n), 0L))),
            Map.entry("escaped", unary(v -> v instanceof Markup)),
            Map.entry("even", unary(v -> PyValues.equal(modulo(v, 2L), 0L))),
            Map.entry("false", unary(v -> Boolean.FALSE.equals(v))),
            Map.entry("filter", unary(v -> v instanceof String s && Filters.lookup(s).isPresent())),
            Map.entry("float", unary(v -> v instanceof Double)),
            Map.entry("in", binary((v, container) -> PyValues.contains(container, v))),
            Map.entry("integer", unary(v -> v instanceof Long || v instanceof BigInteger)),
            Map.entry("iterable", unary(PyValues::isIterable)),
            Map.entry("lower", unary(v -> isLower(PyStrings.str(v)))),
            Map.entry("mapping", unary(v -> v instanceof Map<?, ?>)),
            Map.entry("none", unary(v -> v == null)),
            Map.entry("number", unary(PyValues::isNumber)),
            Map.entry("odd", unary(v -> PyValues.equal(modulo(v, 2L), 1L))),
            Map.entry("sameas", binary(Tests::sameAs)),
            Map.entry("sequence", unary(Tests::isSequence)),
            Map.entry("string", unary(PyValues::isString)),
            Map.entry("test", unary(v -> v instanceof String s && Tests.TESTS.containsKey(s))),
            Map.entry("true", unary(v -> Boolean.TRUE.equals(v))),
            Map.entry("undefined", unary(v -> v instanceof Undefined)),
            Map.entry("upper", unary(v -> isUpper(PyStrings.str(v)))),
            Map.entry("==", binary(PyValues::equal)),
            Map.entry("eq", binary(PyValues::equal)),
            Map.entry("equalto", binary(PyValues::equal)),
            Map.entry("!=", binary((a, b) -> !PyValues.equal(a, b))),
            Map.entry("ne", binary((a, b) -> !PyValues.equal(a, b))),
            Map.entry(">", binary((a, b) -> Operators.order(Expr.CompareOp.GT, a, b))),
            Map.entry("gt", binary((a, b) -> Operators.order(Expr.CompareOp.GT, a, b))),
            Map.entry("greaterthan", binary((a, b) -> Operators.order(Expr.CompareOp.GT, a, b))),
            Map.entry(">=", binary((a, b) -> Operators.order(Expr.CompareOp.GE, a, b))),
            Map.entry("ge", binary((a, b) -> Operators.order(Expr.CompareOp.GE, a, b))),
            Map.entry("<", binary((a, b) -> Operators.order(Expr.CompareOp.LT, a, b))),
            Map.entry("lt", binary((a, b) -> Operators.order(Expr.CompareOp.LT, a, b))),
            Map.entry("lessthan", binary((a, b) -> Operators.order(Expr.CompareOp.LT, a, b))),
            Map.entry("<=", binary((a, b) -> Operators.order(Expr.CompareOp.LE, a, b))),
            Map.entry("le", binary((a, b) -> Operators.order(Expr.CompareOp.LE, a, b))));

    private Tests() {}

    static Optional<Test> lookup(String name) {
        return Optional.ofNullable(TESTS.get(name));
    }

    private static Test unary(Predicate<Object> predicate) {
        return (value, positional, keywords) -> {
            if (!positional.isEmpty() || !keywords.isEmpty()) {
                throw TemplateError.of("test takes 1 positional argument but " + (1 + positional.size() + keywords.size())
                        + " were given");
            }
            return predicate.test(value);
        };
    }

    private static Test binary(BiPredicate<Object, Object> predicate) {
        return (value, positional, keywords) -> {
            Object other;
            if (positional.size() == 1 && keywords.isEmpty()) {
                other = positional.getFirst();
            } else if (positional.isEmpty() && keywords.size() == 1) {
                other = keywords.values().iterator().next();
            } else {
                throw TemplateError.of("test takes 2 positional arguments but " + (1 + positional.size() + keywords.size())
                        + " were given");
            }
            return predicate.test(value, other);
        };
    }

    /** {@code value % divisor} exactly as Python evaluates it (so a string formats, and fails, like Python's). */
    private static Object modulo(Object value, Object divisor) {
        return Operators.binary(Expr.BinaryOp.MODULO, value, divisor);
    }

    /** Python's {@code is}: None, booleans and small ints are singletons; anything else must be the same object. */
    private static boolean sameAs(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a instanceof Long x && b instanceof Long y) {
            return x.equals(y) && x >= -5 && x <= 256;
        }
        return a instanceof Boolean && a.equals(b);
    }

    /** jinja2's sequence test: has len() and item access; true for strings, lists, tuples, dicts and Undefined. */
    private static boolean isSequence(Object value) {
        return value instanceof String || value instanceof Markup || value instanceof List<?> || value instanceof PyTuple
                || value instanceof Map<?, ?> || value instanceof PyRange || value instanceof Undefined;
    }

    private static boolean isLower(String s) {
        return s.codePoints().anyMatch(PyChars::isCased)
                && s.codePoints().noneMatch(cp -> Character.isUpperCase(cp) || Character.isTitleCase(cp));
    }

    private static boolean isUpper(String s) {
        return s.codePoints().anyMatch(PyChars::isCased)
                && s.codePoints().noneMatch(cp -> Character.isLowerCase(cp) || Character.isTitleCase(cp));
    }
}
