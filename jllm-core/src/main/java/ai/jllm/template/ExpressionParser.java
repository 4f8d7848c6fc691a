package ai.jllm.template;

import ai.jllm.template.Expr.Arguments;
import ai.jllm.template.Expr.BinaryOp;
import ai.jllm.template.Expr.CompareOp;
import ai.jllm.template.Expr.FilterCall;
import ai.jllm.template.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Parses expressions with jinja2's grammar and precedence, loosest first: conditional, or, and, not,
 * comparisons (incl. in / not in), + and -, ~, * / // %, ** (left-associative, as jinja2 has it), unary
 * minus, then postfix access, calls, filters and tests.
 */
final class ExpressionParser {

    private static final Set<String> TEST_ARGUMENT_STARTS = Set.of("(", "[", "{");

    private final TokenStream stream;
    /** Told about every variable name read, so macros know whether they use varargs, kwargs or caller. */
    private final Consumer<String> nameListener;

    ExpressionParser(TokenStream stream, Consumer<String> nameListener) {
        this.stream = stream;
        this.nameListener = nameListener;
    }

    Expr parseExpression() {
        return parseConditional();
    }

    Expr parseExpression(boolean withConditional) {
        return withConditional ? parseConditional() : parseOr();
    }

    /**
     * A comma-separated sequence becomes a tuple; a single expression stays itself. {@code simplified}
     * admits only names and literals (assignment targets); {@code extraEnd} names words that end the tuple.
     */
    Expr parseTuple(boolean simplified, boolean withConditional, Set<String> extraEnd, boolean explicitParens,
                    boolean withNamespace) {
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) {
                stream.expectOperator(",");
            }
            if (isTupleEnd(extraEnd)) {
                break;
            }
            items.add(simplified ? parsePrimary(withNamespace) : parseExpression(withConditional));
            if (stream.isOperator(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!items.isEmpty()) {
                return items.getFirst();
            }
            if (!explicitParens) {
                throw stream.fail("Expected an expression, got '" + stream.current().describe() + "'");
            }
        }
        return new Expr.TupleLiteral(List.copyOf(items));
    }

    Expr parseTuple() {
        return parseTuple(false, true, Set.of(), false, false);
    }

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token current = stream.current();
        if (current.kind() == Kind.VARIABLE_END || current.kind() == Kind.BLOCK_END || current.isOperator(")")) {
            return true;
        }
        return current.kind() == Kind.NAME && extraEnd.contains(current.text());
    }

    private Expr parseConditional() {
        Expr expr = parseOr();
        while (stream.isName("if")) {
            int line = stream.next().line();
            Expr test = parseOr();
            Optional<Expr> otherwise = stream.skipName("else") ? Optional.of(parseConditional()) : Optional.empty();
            expr = new Expr.Conditional(test, expr, otherwise, line);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (stream.skipName("or")) {
            left = new Expr.Or(left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (stream.skipName("and")) {
            left = new Expr.And(left, parseNot());
        }
        return left;
    }

    private Expr parseNot() {
        if (stream.skipName("not")) {
            return new Expr.Unary(Expr.UnaryOp.NOT, parseNot());
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        Expr first = parseMath1();
        List<Expr.Operand> operands = new ArrayList<>();
        while (true) {
            Optional<CompareOp> symbol = compareOperator(stream.current());
            CompareOp op;
            if (symbol.isPresent()) {
                op = symbol.get();
                stream.next();
            } else if (stream.skipName("in")) {
                op = CompareOp.IN;
            } else if (stream.isName("not") && stream.look().isName("in")) {
                stream.next();
                stream.next();
                op = CompareOp.NOT_IN;
            } else {
                break;
            }
            operands.add(new Expr.Operand(op, parseMath1()));
        }
        return operands.isEmpty() ? first : new Expr.Compare(first, List.copyOf(operands));
    }

    private static Optional<CompareOp> compareOperator(Token token) {
        if (token.kind() != Kind.OPERATOR) {
            return Optional.empty();
        }
        return switch (token.text()) {
            case "==" -> Optional.of(CompareOp.EQ);
            case "!=" -> Optional.of(CompareOp.NE);
            case "<" -> Optional.of(CompareOp.LT);
            case "<=" -> Optional.of(CompareOp.LE);
            case ">" -> Optional.of(CompareOp.GT);
            case ">=" -> Optional.of(CompareOp.GE);
            default -> Optional.empty();
        };
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (stream.isOperator("+") || stream.isOperator("-")) {
            BinaryOp op = stream.next().text().equals("+") ? BinaryOp.ADD : BinaryOp.SUBTRACT;
            left = new Expr.Binary(op, left, parseConcat());
        }
        return left;
    }

    private Expr parseConcat() {
        List<Expr> parts = new ArrayList<>();
        parts.add(parseMath2());
        while (stream.skipOperator("~")) {
            parts.add(parseMath2());
        }
        return parts.size() == 1 ? parts.getFirst() : new Expr.Concat(List.copyOf(parts));
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (true) {
            BinaryOp op;
            if (stream.isOperator("*")) {
                op = BinaryOp.MULTIPLY;
            } else if (stream.isOperator("/")) {
                op = BinaryOp.DIVIDE;
            } else if (stream.isOperator("//")) {
                op = BinaryOp.FLOOR_DIVIDE;
            } else if (stream.isOperator("%")) {
                op = BinaryOp.MODULO;
            } else {
                return left;
            }
            stream.next();
            left = new Expr.Binary(op, left, parsePow());
        }
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (stream.skipOperator("**")) {
            left = new Expr.Binary(BinaryOp.POWER, left, parseUnary(true));
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Expr node;
        if (stream.skipOperator("-")) {
            node = new Expr.Unary(Expr.UnaryOp.NEGATE, parseUnary(false));
        } else if (stream.skipOperator("+")) {
            node = new Expr.Unary(Expr.UnaryOp.PLUS, parseUnary(false));
        } else {
            node = parsePrimary(false);
        }
        node = parsePostfix(node);
        return withFilter ? parseFilterExpression(node) : node;
    }

    Expr parsePrimary(boolean withNamespace) {
        Token token = stream.current();
        switch (token.kind()) {
            case NAME -> {
                stream.next();
                String name = token.text();
                switch (name) {
                    case "true", "True" -> {
                        return new Expr.Const(Boolean.TRUE);
                    }
                    case "false", "False" -> {
                        return new Expr.Const(Boolean.FALSE);
                    }
                    case "none", "None" -> {
                        return new Expr.Const(null);
                    }
                    default -> {
                        if (withNamespace && stream.skipOperator(".")) {
                            return new Expr.NamespaceRef(name, stream.expect(Kind.NAME, "name").text());
                        }
                        nameListener.accept(name);
                        return new Expr.Name(name);
                    }
                }
            }
            case STRING -> {
                StringBuilder text = new StringBuilder();
                while (stream.is(Kind.STRING)) {
                    text.append(stream.next().text());
                }
                return new Expr.Const(text.toString());
            }
            case INTEGER, FLOAT -> {
                stream.next();
                return new Expr.Const(token.value());
            }
            case OPERATOR -> {
                switch (token.text()) {
                    case "(" -> {
                        stream.next();
                        Expr inner = parseTuple(false, true, Set.of(), true, false);
                        stream.expectOperator(")");
                        return inner;
                    }
                    case "[" -> {
                        return parseList();
                    }
                    case "{" -> {
                        return parseDict();
                    }
                    default -> throw stream.fail("unexpected '" + token.describe() + "'");
                }
            }
            default -> throw stream.fail("unexpected '" + token.describe() + "'");
        }
    }

    private Expr parseList() {
        stream.expectOperator("[");
        List<Expr> items = new ArrayList<>();
        while (!stream.isOperator("]")) {
            if (!items.isEmpty()) {
                stream.expectOperator(",");
            }
            if (stream.isOperator("]")) {
                break;
            }
            items.add(parseExpression());
        }
        stream.expectOperator("]");
        return new Expr.ListLiteral(List.copyOf(items));
    }

    private Expr parseDict() {
        stream.expectOperator("{");
        List<Expr.Pair> pairs = new ArrayList<>();
        while (!stream.isOperator("}")) {
            if (!pairs.isEmpty()) {
                stream.expectOperator(",");
            }
            if (stream.isOperator("}")) {
                break;
            }
            Expr key = parseExpression();
            stream.expectOperator(":");
            pairs.add(new Expr.Pair(key, parseExpression()));
        }
        stream.expectOperator("}");
        return new Expr.DictLiteral(List.copyOf(pairs));
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (stream.isOperator(".") || stream.isOperator("[")) {
                node = parseSubscript(node);
            } else if (stream.isOperator("(")) {
                node = new Expr.Call(node, parseCallArguments());
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpression(Expr node) {
        while (true) {
            if (stream.isOperator("|")) {
                for (FilterCall call : parseFilterChain(false)) {
                    node = new Expr.Filter(node, call);
                }
            } else if (stream.isName("is")) {
                node = parseTest(node);
            } else if (stream.isOperator("(")) {
                node = new Expr.Call(node, parseCallArguments());
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token token = stream.next();
        if (token.isOperator(".")) {
            Token attribute = stream.next();
            if (attribute.kind() == Kind.NAME) {
                return new Expr.GetAttr(node, attribute.text());
            }
            if (attribute.kind() != Kind.INTEGER) {
                throw stream.fail("expected name or number", attribute.line());
            }
            return new Expr.GetItem(node, new Expr.Const(attribute.value()));
        }
        List<Expr> keys = new ArrayList<>();
        while (!stream.isOperator("]")) {
            if (!keys.isEmpty()) {
                stream.expectOperator(",");
            }
            keys.add(parseSubscribed());
        }
        stream.expectOperator("]");
        return new Expr.GetItem(node, keys.size() == 1 ? keys.getFirst() : new Expr.TupleLiteral(List.copyOf(keys)));
    }

    private Expr parseSubscribed() {
        Optional<Expr> start;
        if (stream.skipOperator(":")) {
            start = Optional.empty();
        } else {
            Expr expr = parseExpression();
            if (!stream.skipOperator(":")) {
                return expr;
            }
            start = Optional.of(expr);
        }
        Optional<Expr> stop = Optional.empty();
        if (!stream.isOperator(":") && !stream.isOperator("]") && !stream.isOperator(",")) {
            stop = Optional.of(parseExpression());
        }
        Optional<Expr> step = Optional.empty();
        if (stream.skipOperator(":") && !stream.isOperator("]") && !stream.isOperator(",")) {
            step = Optional.of(parseExpression());
        }
        return new Expr.Slice(start, stop, step);
    }

    Arguments parseCallArguments() {
        Token open = stream.current();
        stream.expectOperator("(");
        List<Expr> positional = new ArrayList<>();
        List<Expr.Keyword> keywords = new ArrayList<>();
        Optional<Expr> varargs = Optional.empty();
        Optional<Expr> kwargs = Optional.empty();
        boolean requireComma = false;
        while (!stream.isOperator(")")) {
            if (requireComma) {
                stream.expectOperator(",");
                if (stream.isOperator(")")) {
                    break;
                }
            }
            if (stream.skipOperator("*")) {
                ensure(varargs.isEmpty() && kwargs.isEmpty(), open);
                varargs = Optional.of(parseExpression());
            } else if (stream.skipOperator("**")) {
                ensure(kwargs.isEmpty(), open);
                kwargs = Optional.of(parseExpression());
            } else if (stream.is(Kind.NAME) && stream.look().isOperator("=")) {
                ensure(kwargs.isEmpty(), open);
                String name = stream.next().text();
                stream.next();
                keywords.add(new Expr.Keyword(name, parseExpression()));
            } else {
                ensure(varargs.isEmpty() && kwargs.isEmpty() && keywords.isEmpty(), open);
                positional.add(parseExpression());
            }
            requireComma = true;
        }
        stream.expectOperator(")");
        return new Arguments(List.copyOf(positional), List.copyOf(keywords), varargs, kwargs);
    }

    private void ensure(boolean condition, Token open) {
        if (!condition) {
            throw stream.fail("invalid syntax for function call expression", open.line());
        }
    }

    /** {@code |a|b(x)}, or with {@code startInline} the {@code a|b(x)} of a filter block or block set. */
    List<FilterCall> parseFilterChain(boolean startInline) {
        List<FilterCall> calls = new ArrayList<>();
        while (stream.isOperator("|") || startInline) {
            if (!startInline) {
                stream.next();
            }
            startInline = false;
            Token nameToken = stream.expect(Kind.NAME, "name");
            String name = dottedName(nameToken.text());
            Filters.Filter filter = Filters.lookup(name)
                    .orElseThrow(() -> stream.fail("No filter named '" + name + "'.", nameToken.line()));
            Arguments arguments = stream.isOperator("(") ? parseCallArguments() : Arguments.NONE;
            calls.add(new FilterCall(name, filter, arguments));
        }
        return calls;
    }

    private Expr parseTest(Expr node) {
        Token is = stream.next();
        boolean negated = stream.skipName("not");
        String name = dottedName(stream.expect(Kind.NAME, "name").text());
        Tests.Test test = Tests.lookup(name).orElseThrow(() -> stream.fail("No test named '" + name + "'.", is.line()));
        Arguments arguments;
        Token current = stream.current();
        if (current.isOperator("(")) {
            arguments = parseCallArguments();
        } else if (startsTestArgument(current)) {
            if (current.isName("is")) {
                throw stream.fail("You cannot chain multiple tests with is");
            }
            Expr argument = parsePostfix(parsePrimary(false));
            arguments = new Arguments(List.of(argument), List.of(), Optional.empty(), Optional.empty());
        } else {
            arguments = Arguments.NONE;
        }
        Expr result = new Expr.Test(node, name, test, arguments);
        return negated ? new Expr.Unary(Expr.UnaryOp.NOT, result) : result;
    }

    private static boolean startsTestArgument(Token token) {
        return switch (token.kind()) {
            case NAME -> !token.isName("else") && !token.isName("or") && !token.isName("and");
            case STRING, INTEGER, FLOAT -> true;
            case OPERATOR -> TEST_ARGUMENT_STARTS.contains(token.text());
            default -> false;
        };
    }

    private String dottedName(String first) {
        StringBuilder name = new StringBuilder(first);
        while (stream.skipOperator(".")) {
            name.append('.').append(stream.expect(Kind.NAME, "name").text());
        }
        return name.toString();
    }
}
