package ai.jllm.template;

import ai.jllm.template.Token.Kind;
import java.util.List;

/** A cursor over the lexer's tokens with the look-ahead and expectation helpers both parsers share. */
final class TokenStream {

    private final String templateName;
    private final List<Token> tokens;
    private int index;

    TokenStream(String templateName, List<Token> tokens) {
        this.templateName = templateName;
        this.tokens = tokens;
    }

    String templateName() {
        return templateName;
    }

    Token current() {
        return tokens.get(index);
    }

    Token look() {
        return tokens.get(Math.min(index + 1, tokens.size() - 1));
    }

    Token next() {
        Token token = tokens.get(index);
        if (index < tokens.size() - 1) {
            index++;
        }
        return token;
    }

    boolean is(Kind kind) {
        return current().kind() == kind;
    }

    boolean isName(String name) {
        return current().isName(name);
    }

    boolean isOperator(String operator) {
        return current().isOperator(operator);
    }

    boolean skipName(String name) {
        if (isName(name)) {
            next();
            return true;
        }
        return false;
    }

    boolean skipOperator(String operator) {
        if (isOperator(operator)) {
            next();
            return true;
        }
        return false;
    }

    Token expect(Kind kind, String description) {
        if (!is(kind)) {
            throw unexpected(description);
        }
        return next();
    }

    void expectName(String name) {
        if (!isName(name)) {
            throw unexpected(name);
        }
        next();
    }

    void expectOperator(String operator) {
        if (!isOperator(operator)) {
            throw unexpected(operator);
        }
        next();
    }

    TemplateError unexpected(String expected) {
        if (is(Kind.EOF)) {
            return fail("unexpected end of template, expected '" + expected + "'.");
        }
        return fail("expected token '" + expected + "', got '" + current().describe() + "'");
    }

    TemplateError fail(String message) {
        return TemplateError.syntax(templateName, current().line(), message);
    }

    TemplateError fail(String message, int line) {
        return TemplateError.syntax(templateName, line, message);
    }
}
