package ai.jllm.template;

import java.util.List;
import java.util.Optional;

/** The expression tree: what appears inside {@code {{ }}} and in statement headers. */
sealed interface Expr {

    record Const(Object value) implements Expr {}

    record Name(String name) implements Expr {}

    /** {@code target.name}: attribute first, then item, as jinja2's sandbox looks it up. */
    record GetAttr(Expr target, String name) implements Expr {}

    /** {@code target[key]}: item first, then attribute. */
    record GetItem(Expr target, Expr key) implements Expr {}

    record Slice(Optional<Expr> start, Optional<Expr> stop, Optional<Expr> step) implements Expr {}

    record Call(Expr target, Arguments arguments) implements Expr {}

    record Filter(Expr target, FilterCall filter) implements Expr {}

    record Test(Expr target, String name, Tests.Test test, Arguments arguments) implements Expr {}

    record Unary(UnaryOp op, Expr operand) implements Expr {}

    record Binary(BinaryOp op, Expr left, Expr right) implements Expr {}

    record And(Expr left, Expr right) implements Expr {}

    record Or(Expr left, Expr right) implements Expr {}

    /** A chained comparison {@code a < b <= c}, evaluated pairwise and short-circuited as in Python. */
    record Compare(Expr first, List<Operand> operands) implements Expr {}

    record Operand(CompareOp op, Expr expr) {}

    /** {@code a ~ b ~ c}: string concatenation of each operand's str(). */
    record Concat(List<Expr> parts) implements Expr {}

    /** {@code then if test else otherwise}; without an else part a false test yields Undefined. */
    record Conditional(Expr test, Expr then, Optional<Expr> otherwise, int line) implements Expr {}

    record ListLiteral(List<Expr> items) implements Expr {}

    record TupleLiteral(List<Expr> items) implements Expr {}

    record DictLiteral(List<Pair> pairs) implements Expr {}

    record Pair(Expr key, Expr value) {}

    /** {@code ns.attr} on the left of a set: assigns into a namespace() object. */
    record NamespaceRef(String name, String attribute) implements Expr {}

    /** Call arguments as written: positional, keyword, {@code *args} and {@code **kwargs}. */
    record Arguments(List<Expr> positional, List<Keyword> keywords, Optional<Expr> varargs, Optional<Expr> kwargs) {
        static final Arguments NONE = new Arguments(List.of(), List.of(), Optional.empty(), Optional.empty());
    }

    record Keyword(String name, Expr value) {}

    /** One {@code |name(args)} in a filter chain, resolved to its implementation at parse time. */
    record FilterCall(String name, Filters.Filter filter, Arguments arguments) {}

    enum UnaryOp { NEGATE, PLUS, NOT }

    enum BinaryOp {
        ADD("+"), SUBTRACT("-"), MULTIPLY("*"), DIVIDE("/"), FLOOR_DIVIDE("//"), MODULO("%"), POWER("**");

        final String symbol;

        BinaryOp(String symbol) {
            this.symbol = symbol;
        }
    }

    enum CompareOp {
        EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="), IN("in"), NOT_IN("not in");

        final String symbol;

        CompareOp(String symbol) {
            this.symbol = symbol;
        }
    }
}
