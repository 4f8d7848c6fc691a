package ai.jllm.template;

/**
 * One lexical token of a template. {@code value} holds the decoded literal for strings (String),
 * integers (Long or BigInteger) and floats (Double); for every other kind it is the source text.
 */
record Token(Kind kind, Object value, int line) {

    enum Kind {
        DATA, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF
    }

    String text() {
        return value.toString();
    }

    boolean isName(String name) {
        return kind == Kind.NAME && value.equals(name);
    }

    boolean isOperator(String operator) {
        return kind == Kind.OPERATOR && value.equals(operator);
    }

    /** How jinja2 names a token in its error messages, so ours read the same. */
    String describe() {
        return switch (kind) {
            case DATA -> "template data / text";
            case VARIABLE_BEGIN -> "begin of print statement";
            case VARIABLE_END -> "end of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case BLOCK_END -> "end of statement block";
            case EOF -> "end of template";
            case NAME, OPERATOR -> text();
            case STRING -> "string";
            case INTEGER -> "integer";
            case FLOAT -> "float";
        };
    }
}
