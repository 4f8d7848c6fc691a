package ai.jllm.template;

import ai.jllm.template.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
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
    private final Frame root = Frame.root();
    /** The frame whose code is being parsed: where the names read and assigned now are recorded. */
    private Frame frame = root;
    /** Set while an assignment target is parsed: its names are stores, recorded after the assigned value. */
    private boolean parsingTarget;
    private int loopDepth;

    private Parser(String templateName, String source) {
        this.stream = new TokenStream(templateName, Lexer.tokenize(templateName, source));
        this.expressions = new ExpressionParser(stream, name -> {
            if (parsingTarget) {
                return;
            }
            frame.load(name);
            if (!macroNames.isEmpty()) {
                macroNames.peek().add(name);
            }
        });
    }

    static Program parse(String templateName, String source) {
        Parser parser = new Parser(templateName, source);
        List<Stmt> body = parser.subparse(List.of());
        parser.root.resolve();
        return new Program(body, parser.root);
    }

    private <T> T inFrame(Frame inner, Supplier<T> parse) {
        Frame outer = frame;
        frame = inner;
        try {
            return parse.get();
        } finally {
            frame = outer;
        }
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
        Frame filterFrame = frame.child();
        targetNames(target, filterFrame::parameter);
        Optional<Expr> filter = stream.skipName("if")
                ? Optional.of(inFrame(filterFrame, expressions::parseExpression)) : Optional.empty();
        boolean recursive = stream.skipName("recursive");
        Frame bodyFrame = frame.child();
        targetNames(target, bodyFrame::parameter);
        bodyFrame.parameter("loop");
        loopDepth++;
        List<Stmt> body;
        try {
            body = inFrame(bodyFrame, () -> parseStatements(List.of("endfor", "else"), false));
        } finally {
            loopDepth--;
        }
        Frame elseFrame = frame.child();
        List<Stmt> orElse = stream.next().isName("endfor") ? List.of()
                : inFrame(elseFrame, () -> parseStatements(List.of("endfor"), true));
        return new Stmt.For(target, iterable, filter, recursive, body, orElse,
                new Stmt.LoopFrames(bodyFrame, elseFrame, filterFrame), line);
    }

    private Stmt parseIf() {
        int line = stream.next().line();
        List<Stmt.Branch> branches = new ArrayList<>();
        Expr test = expressions.parseTuple(false, false, Set.of(), false, false);
        // Everything after the first test runs conditionally; jinja2 also analyses elif tests as branch code.
        frame.enterBranch();
        try {
            while (true) {
                List<Stmt> body = parseStatements(List.of("elif", "else", "endif"), false);
                branches.add(new Stmt.Branch(test, body));
                Token end = stream.next();
                if (end.isName("elif")) {
                    test = expressions.parseTuple(false, false, Set.of(), false, false);
                    continue;
                }
                List<Stmt> orElse = end.isName("else") ? parseStatements(List.of("endif"), true) : List.of();
                return new Stmt.If(List.copyOf(branches), orElse, line);
            }
        } finally {
            frame.exitBranch();
        }
    }

    private Stmt parseSet() {
        int line = stream.next().line();
        Expr target = parseAssignTarget(Set.of(), true);
        if (stream.skipOperator("=")) {
            Expr value = expressions.parseTuple();
            recordStores(target);
            return new Stmt.Set(target, value, line);
        }
        recordStores(target);
        List<Expr.FilterCall> filters = expressions.parseFilterChain(false);
        Frame bodyFrame = frame.child();
        List<Stmt> body = inFrame(bodyFrame, () -> parseStatements(List.of("endset"), true));
        return new Stmt.SetBlock(target, filters, body, bodyFrame, line);
    }

    /** Records an assignment in the current frame, after its value (which jinja2 analyses first). */
    private void recordStores(Expr target) {
        switch (target) {
            case Expr.Name name -> frame.store(name.name());
            case Expr.NamespaceRef ref -> frame.load(ref.name());
            case Expr.TupleLiteral tuple -> tuple.items().forEach(this::recordStores);
            default -> { }
        }
    }

    private static void targetNames(Expr target, Consumer<String> names) {
        switch (target) {
            case Expr.Name name -> names.accept(name.name());
            case Expr.TupleLiteral tuple -> tuple.items().forEach(item -> targetNames(item, names));
            default -> { }
        }
    }

    private Expr parseAssignTarget(Set<String> extraEnd, boolean withNamespace) {
        Token start = stream.current();
        parsingTarget = true;
        Expr target;
        try {
            target = expressions.parseTuple(true, true, extraEnd, false, withNamespace);
        } finally {
            parsingTarget = false;
        }
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
        frame.store(name);
        Frame macroFrame = frame.child();
        Set<String> names = new HashSet<>();
        int outerLoopDepth = loopDepth;
        loopDepth = 0;
        try {
            SignatureBuilder signature = withMacroNames(names, () -> inFrame(macroFrame, this::parseSignature));
            List<Stmt> body = withMacroNames(names, () -> inFrame(macroFrame,
                    () -> parseStatements(List.of("endmacro"), true)));
            return new Stmt.Macro(name, signature.build(names), body, macroFrame, line);
        } finally {
            loopDepth = outerLoopDepth;
        }
    }

    private Stmt parseCallBlock() {
        int line = stream.next().line();
        Frame callerFrame = frame.child();
        Set<String> names = new HashSet<>();
        SignatureBuilder signature = stream.isOperator("(")
                ? withMacroNames(names, () -> inFrame(callerFrame, this::parseSignature)) : new SignatureBuilder();
        if (!(expressions.parseExpression() instanceof Expr.Call call)) {
            throw stream.fail("expected call", line);
        }
        List<Stmt> body = withMacroNames(names, () -> inFrame(callerFrame, () -> parseStatements(List.of("endcall"), true)));
        return new Stmt.CallBlock(call, signature.build(names), body, callerFrame, line);
    }

    /** Parses macro or caller code, collecting the names it reads into {@code names} and the enclosing macros'. */
    private <T> T withMacroNames(Set<String> names, Supplier<T> parse) {
        macroNames.push(names);
        try {
            return parse.get();
        } finally {
            macroNames.pop();
            if (!macroNames.isEmpty()) {
                macroNames.peek().addAll(names);
            }
        }
    }

    private SignatureBuilder parseSignature() {
        SignatureBuilder signature = new SignatureBuilder();
        stream.expectOperator("(");
        while (!stream.isOperator(")")) {
            if (!signature.names.isEmpty()) {
                stream.expectOperator(",");
            }
            String name = stream.expect(Kind.NAME, "name").text();
            frame.parameter(name);
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
        Frame bodyFrame = frame.child();
        List<Stmt> body = inFrame(bodyFrame, () -> parseStatements(List.of("endfilter"), true));
        return new Stmt.FilterBlock(filters, body, bodyFrame, line);
    }

    private Stmt parseWith() {
        int line = stream.next().line();
        List<Expr> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        Frame bodyFrame = frame.child();
        while (!stream.is(Kind.BLOCK_END)) {
            if (!targets.isEmpty()) {
                stream.expectOperator(",");
            }
            Expr target = parseAssignTarget(Set.of(), false);
            targetNames(target, bodyFrame::parameter);
            targets.add(target);
            stream.expectOperator("=");
            values.add(expressions.parseExpression());
        }
        List<Stmt> body = inFrame(bodyFrame, () -> parseStatements(List.of("endwith"), true));
        return new Stmt.With(List.copyOf(targets), List.copyOf(values), body, bodyFrame, line);
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
        Frame bodyFrame = frame.child();
        return new Stmt.Scoped(inFrame(bodyFrame, () -> parseStatements(List.of("endgeneration"), true)), bodyFrame, line);
    }
}
