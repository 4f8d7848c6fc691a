package ai.jllm.template;

import ai.jllm.template.Expr.BinaryOp;
import ai.jllm.template.Expr.CompareOp;
import java.util.ArrayList;
import java.util.List;

/** The operators of template expressions with Python's semantics on every value type. */
final class Operators {

    private Operators() {}

    static Object binary(BinaryOp op, Object left, Object right) {
        if (left instanceof Undefined u) {
            throw u.fail();
        }
        if (op == BinaryOp.MODULO && PyValues.isString(left)) {
            // str.__mod__ accepts any right operand, Undefined included (it prints as "").
            String formatted = PyFormat.percent(PyStrings.str(left), right);
            return left instanceof Markup ? new Markup(formatted) : formatted;
        }
        if (right instanceof Undefined u) {
            throw u.fail();
        }
        if (PyValues.isNumber(left) && PyValues.isNumber(right)) {
            return switch (op) {
                case ADD -> Numbers.add(left, right);
                case SUBTRACT -> Numbers.subtract(left, right);
                case MULTIPLY -> Numbers.multiply(left, right);
                case DIVIDE -> Numbers.trueDivide(left, right);
                case FLOOR_DIVIDE -> Numbers.floorDivide(left, right);
                case MODULO -> Numbers.modulo(left, right);
                case POWER -> Numbers.power(left, right);
            };
        }
        return switch (op) {
            case ADD -> add(left, right);
            case MULTIPLY -> multiply(left, right);
            default -> throw unsupported(op.symbol, left, right);
        };
    }

    private static Object add(Object left, Object right) {
        if (left instanceof Markup m && PyValues.isString(right)) {
            return new Markup(m.text() + escaped(right));
        }
        if (right instanceof Markup m && left instanceof String s) {
            return new Markup(Markup.escape(s) + m.text());
        }
        if (left instanceof String a && right instanceof String b) {
            return a.concat(b);
        }
        if (left instanceof String) {
            throw TemplateError.of("can only concatenate str (not \"" + PyValues.typeName(right) + "\") to str");
        }
        if (left instanceof List<?> a && right instanceof List<?> b) {
            List<Object> joined = new ArrayList<>(a.size() + b.size());
            joined.addAll(a);
            joined.addAll(b);
            return joined;
        }
        if (left instanceof List<?>) {
            throw TemplateError.of("can only concatenate list (not \"" + PyValues.typeName(right) + "\") to list");
        }
        if (left instanceof PyTuple a && right instanceof PyTuple b) {
            List<Object> joined = new ArrayList<>(a.items());
            joined.addAll(b.items());
            return new PyTuple(joined);
        }
        if (left instanceof PyTuple) {
            throw TemplateError.of("can only concatenate tuple (not \"" + PyValues.typeName(right) + "\") to tuple");
        }
        throw unsupported("+", left, right);
    }

    private static String escaped(Object value) {
        return value instanceof Markup m ? m.text() : Markup.escape(PyStrings.str(value));
    }

    private static Object multiply(Object left, Object right) {
        if (PyValues.isInteger(right) && !PyValues.isNumber(left)) {
            return repeat(left, Args.toInteger(right, "count"), right);
        }
        if (PyValues.isInteger(left) && !PyValues.isNumber(right)) {
            return repeat(right, Args.toInteger(left, "count"), left);
        }
        if (isSequence(left) || isSequence(right)) {
            Object other = isSequence(left) ? right : left;
            throw TemplateError.of("can't multiply sequence by non-int of type '" + PyValues.typeName(other) + "'");
        }
        throw unsupported("*", left, right);
    }

    private static boolean isSequence(Object value) {
        return PyValues.isString(value) || value instanceof List<?> || value instanceof PyTuple;
    }

    private static Object repeat(Object sequence, long times, Object count) {
        int n = (int) Math.max(0, times);
        return switch (sequence) {
            case String s -> s.repeat(n);
            case Markup m -> new Markup(m.text().repeat(n));
            case List<?> list -> {
                List<Object> out = new ArrayList<>(list.size() * n);
                for (int i = 0; i < n; i++) {
                    out.addAll(list);
                }
                yield out;
            }
            case PyTuple tuple -> {
                List<Object> out = new ArrayList<>(tuple.items().size() * n);
                for (int i = 0; i < n; i++) {
                    out.addAll(tuple.items());
                }
                yield new PyTuple(out);
            }
            default -> throw unsupported("*", sequence, count);
        };
    }

    private static TemplateError unsupported(String symbol, Object left, Object right) {
        return TemplateError.of("unsupported operand type(s) for " + symbol + ": '" + PyValues.typeName(left) + "' and '"
                + PyValues.typeName(right) + "'");
    }

    static Object negate(Object value) {
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        if (!PyValues.isNumber(value)) {
            throw TemplateError.of("bad operand type for unary -: '" + PyValues.typeName(value) + "'");
        }
        return Numbers.negate(value);
    }

    static Object plus(Object value) {
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        if (!PyValues.isNumber(value)) {
            throw TemplateError.of("bad operand type for unary +: '" + PyValues.typeName(value) + "'");
        }
        return Numbers.plus(value);
    }

    static boolean compare(CompareOp op, Object left, Object right) {
        return switch (op) {
            case EQ -> PyValues.equal(left, right);
            case NE -> !PyValues.equal(left, right);
            case IN -> PyValues.contains(right, left);
            case NOT_IN -> !PyValues.contains(right, left);
            default -> order(op, left, right);
        };
    }

    /** {@code < <= > >=}; any comparison with a float NaN is false, as in Python. */
    static boolean order(CompareOp op, Object left, Object right) {
        int order = PyValues.compare(left, right, op.symbol);
        if (Numbers.isNaN(left) || Numbers.isNaN(right)) {
            return false;
        }
        return switch (op) {
            case LT -> order < 0;
            case LE -> order <= 0;
            case GT -> order > 0;
            case GE -> order >= 0;
            default -> throw new IllegalArgumentException(op.name());
        };
    }
}
