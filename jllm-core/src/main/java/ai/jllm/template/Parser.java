package ai.jllm.template;

import ai.jllm.template.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Parses a template into statements, following jinja2's parser: the tags of the core language plus the
 * {@code loopcontrols} extension (break, continue) and Hugging Face's {@code generation} tag.
 */
final class Parser {

    private static final Set<String> UNSUPPORTED_TAGS =
            Set.of("block", "extends", "include", "import", "from", "autoescape");

    private final TokenStream stream;
    private final ExpressionParser expressions;
    /** Open tags, innermost last, for "the innermost block that needs to be closed" in errors. */
    private final Deque<String> openTags = new ArrayDeque<>();
    private final Deque<List<String>> endTokenStack = new ArrayDeque<>();
    /** Names read inside each macro body being parsed, innermost first. */
    private final Deque<Set<String>> macroNames = new ArrayDeque<>();
    private int loopDepth;

    private Parser(String templateName, String source) {
        this.stream = new TokenStream(templateName, Lexer.tokenize(templateName, source));
        this.expressions = new ExpressionParser(stream, name -> {
            if (!macroNames.isEmpty()) {
                macroNames.peek().add(name);
            }
        });
    }

    static List<Stmt> parse(String templateName, String source) {
        Parser parser = new Parser(templateName, source);
        return parser.subparse(List.of());
    }

    private List<Stmt> subparse(List<String> endTokens) {
        List<Stmt> body = new ArrayList<>();
        if (!endTokens.isEmpty()) {
            endTokenStack.push(endTokens);
        }
        try {
            while (!stream.is(Kind.EOF)) {
                Token token = stream.current();
                switch (token.kind()) {
                    case DATA -> {
                        stream.next();
                        body.add(new Stmt.Text(token.text(), token.line()));
                    }
                    case VARIABLE_BEGIN -> {
                        stream.next();
                        body.add(new Stmt.Print(expressions.parseTuple(), token.line()));
                        stream.expect(Kind.VARIABLE_END, "end of print statement");
                    }
                    case BLOCK_BEGIN -> {
                        stream.next();
                        if (stream.is(Kind.NAME) && endTokens.contains(stream.current().text())) {
                            return body;
                        }
                        body.addAll(parseStatement());
                        stream.expect(Kind.BLOCK_END, "end of statement block");
                    }
                    default -> throw stream.fail("unexpected '" + token.describe() + "'");
                }
            }
            return body;
        } finally {
            if (!endTokens.isEmpty()) {
                endTokenStack.pop();
            }
        }
    }

    private List<Stmt> parseStatement() {
        Token token = stream.current();
        if (token.kind() != Kind.NAME) {
            throw stream.fail("tag name expected");
        }
        String tag = token.text();
        if (UNSUPPORTED_TAGS.contains(tag)) {
            throw stream.fail("the '" + tag + "' tag is not supported in chat templates");
        }
        openTags.push(tag);
        boolean known = true;
        try {
            return switch (tag) {
                case "for" -> List.of(parseFor());
                case "if" -> List.of(parseIf());
                case "set" -> List.of(parseSet());
                case "macro" -> List.of(parseMacro());
                case "call" -> List.of(parseCallBlock());
                case "filter" -> List.of(parseFilterBlock());
                case "with" -> List.of(parseWith());
                case "print" -> parsePrint();
                case "break", "continue" -> List.of(parseLoopControl());
                case "generation" -> List.of(parseGeneration());
                default -> {
                    known = false;
                    openTags.pop();
                    throw unknownTag(tag, token.line());
                }
            };
        } finally {
            if (known) {
                openTags.pop();
            }
        }
    }

    private TemplateError unknownTag(String tag, int line) {
        StringBuilder message = new StringBuilder("Encountered unknown tag '").append(tag).append("'.");
        if (!endTokenStack.isEmpty()) {
            String lookingFor = endTokenStack.peek().stream().map(t -> "'" + t + "'")
                    .collect(Collectors.joining(" or "));
            boolean expectedElsewhere = endTokenStack.stream().anyMatch(tokens -> tokens.contains(tag));
            message.append(expectedElsewhere
                    ? " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for "
                    : " Jinja was looking for the following tags: ").append(lookingFor).append('.');
        }
        if (!openTags.isEmpty()) {
            message.append(" The innermost block that needs to be closed is '").append(openTags.peek()).append("'.");
        }
        return stream.fail(message.toString(), line);
    }

    /** The body up to one of {@code endTokens}, leaving that end tag current unless {@code dropNeedle}. */
    private List<Stmt> parseStatements(List<String> endTokens, boolean dropNeedle) {
        stream.skipOperator(":");
        stream.expect(Kind.BLOCK_END, "end of statement block");
        List<Stmt> body = subparse(endTokens);
        if (stream.is(Kind.EOF)) {
            String expected = endTokens.stream().map(t -> "'" + t + "'").collect(Collectors.joining(" or "));
            throw stream.fail("Unexpected end of template. Jinja was looking for the following tags: " + expected
                    + ". The innermost block that needs to be closed is '" + openTags.peek() + "'.");
        }
        if (dropNeedle) {
            stream.next();
        }
        return body;
    }

    private Stmt parseFor() {
        int line = stream.next().line();
        Expr target = parseAssignTarget(Set.of("in"), false);
        stream.expectName("in");
        Expr iterable = expressions.parseTuple(false, false, Set.of("recursive"), false, false);
        Optional<Expr> filter = stream.skipName("if") ? Optional.of(expressions.parseExpression()) : Optional.empty();
        boolean recursive = stream.skipName("recursive");
        loopDepth++;
        List<Stmt> body;
        try {
            body = parseStatements(List.of("endfor", "else"), false);
        } finally {
            loopDepth--;
        }
        List<Stmt> orElse = stream.next().isName("endfor") ? List.of() : parseStatements(List.of("endfor"), true);
        return new Stmt.For(target, iterable, filter, recursive, body, orElse, line);
    }

    private Stmt parseIf() {
        int line = stream.next().line();
        List<Stmt.Branch> branches = new ArrayList<>();
        while (true) {
            Expr test = expressions.parseTuple(false, false, Set.of(), false, false);
            List<Stmt> body = parseStatements(List.of("elif", "else", "endif"), false);
            branches.add(new Stmt.Branch(test, body));
            Token end = stream.next();
            if (end.isName("elif")) {
                continue;
            }
            List<Stmt> orElse = end.isName("else") ? parseStatements(List.of("endif"), true) : List.of();
            return new Stmt.If(List.copyOf(branches), orElse, line);
        }
    }

    private Stmt parseSet() {
        int line = stream.next().line();
        Expr target = parseAssignTarget(Set.of(), true);
        if (stream.skipOperator("=")) {
            return new Stmt.Set(target, expressions.parseTuple(), line);
        }
        List<Expr.FilterCall> filters = expressions.parseFilterChain(false);
        return new Stmt.SetBlock(target, filters, parseStatements(List.of("endset"), true), line);
    }

    private Expr parseAssignTarget(Set<String> extraEnd, boolean withNamespace) {
        Token start = stream.current();
        Expr target = expressions.parseTuple(true, true, extraEnd, false, withNamespace);
        if (!canAssign(target)) {
            String kind = switch (target) {
                case Expr.Const ignored -> "const";
                case Expr.TupleLiteral ignored -> "tuple";
                case Expr.ListLiteral ignored -> "list";
                case Expr.DictLiteral ignored -> "dict";
                default -> "expression";
            };
            throw stream.fail("can't assign to '" + kind + "'", start.line());
        }
        return target;
    }

    private static boolean canAssign(Expr target) {
        return switch (target) {
            case Expr.Name ignored -> true;
            case Expr.NamespaceRef ignored -> true;
            case Expr.TupleLiteral tuple -> tuple.items().stream().allMatch(Parser::canAssign);
            default -> false;
        };
    }

    private Stmt parseMacro() {
        int line = stream.next().line();
        String name = stream.expect(Kind.NAME, "name").text();
        SignatureBuilder signature = parseSignature();
        macroNames.push(new HashSet<>());
        int outerLoopDepth = loopDepth;
        loopDepth = 0;
        List<Stmt> body;
        Set<String> names;
        try {
            body = parseStatements(List.of("endmacro"), true);
        } finally {
            loopDepth = outerLoopDepth;
            names = macroNames.pop();
            if (!macroNames.isEmpty()) {
                macroNames.peek().addAll(names);
            }
        }
        return new Stmt.Macro(name, signature.build(names), body, line);
    }

    private Stmt parseCallBlock() {
        int line = stream.next().line();
        SignatureBuilder signature = stream.isOperator("(") ? parseSignature() : new SignatureBuilder();
        Expr call = expressions.parseExpression();
        if (!(call instanceof Expr.Call callExpr)) {
            throw stream.fail("expected call", line);
        }
        macroNames.push(new HashSet<>());
        List<Stmt> body;
        Set<String> names;
        try {
            body = parseStatements(List.of("endcall"), true);
        } finally {
            names = macroNames.pop();
            if (!macroNames.isEmpty()) {
                macroNames.peek().addAll(names);
            }
        }
        return new Stmt.CallBlock(callExpr, signature.build(names), body, line);
    }

    private SignatureBuilder parseSignature() {
        SignatureBuilder signature = new SignatureBuilder();
        stream.expectOperator("(");
        while (!stream.isOperator(")")) {
            if (!signature.names.isEmpty()) {
                stream.expectOperator(",");
            }
            String name = stream.expect(Kind.NAME, "name").text();
            if (stream.skipOperator("=")) {
                signature.defaults.add(expressions.parseExpression());
            } else if (!signature.defaults.isEmpty()) {
                throw stream.fail("non-default argument follows default argument");
            }
            signature.names.add(name);
        }
        stream.expectOperator(")");
        return signature;
    }

    private static final class SignatureBuilder {
        final List<String> names = new ArrayList<>();
        final List<Expr> defaults = new ArrayList<>();

        Stmt.Signature build(Set<String> bodyNames) {
            return new Stmt.Signature(List.copyOf(names), List.copyOf(defaults), bodyNames.contains("varargs"),
                    bodyNames.contains("kwargs"), bodyNames.contains("caller"));
        }
    }

    private Stmt parseFilterBlock() {
        int line = stream.next().line();
        List<Expr.FilterCall> filters = expressions.parseFilterChain(true);
        return new Stmt.FilterBlock(filters, parseStatements(List.of("endfilter"), true), line);
    }

    private Stmt parseWith() {
        int line = stream.next().line();
        List<Expr> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!stream.is(Kind.BLOCK_END)) {
            if (!targets.isEmpty()) {
                stream.expectOperator(",");
            }
            targets.add(parseAssignTarget(Set.of(), false));
            stream.expectOperator("=");
            values.add(expressions.parseExpression());
        }
        return new Stmt.With(List.copyOf(targets), List.copyOf(values), parseStatements(List.of("endwith"), true), line);
    }

    private List<Stmt> parsePrint() {
        int line = stream.next().line();
        List<Stmt> prints = new ArrayList<>();
        while (!stream.is(Kind.BLOCK_END)) {
            if (!prints.isEmpty()) {
                stream.expectOperator(",");
            }
            prints.add(new Stmt.Print(expressions.parseExpression(), line));
        }
        return prints;
    }

    private Stmt parseLoopControl() {
        Token token = stream.next();
        if (loopDepth == 0) {
            throw stream.fail("'" + token.text() + "' outside of a loop", token.line());
        }
        return token.isName("break") ? new Stmt.Break(token.line()) : new Stmt.Continue(token.line());
    }

    private Stmt parseGeneration() {
        int line = stream.next().line();
        return new Stmt.Scoped(parseStatements(List.of("endgeneration"), true), line);
    }
}
