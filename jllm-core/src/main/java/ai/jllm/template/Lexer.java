package ai.jllm.template;

import ai.jllm.template.Token.Kind;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalInt;

/**
 * Splits template source into tokens the way jinja2's lexer does with {@code trim_blocks=True,
 * lstrip_blocks=True}: whitespace control ({@code -} and {@code +} on tag delimiters) is applied here,
 * comments are dropped and raw blocks become plain data, so the parser never sees whitespace rules.
 */
final class Lexer {

    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"
    };

    private final String templateName;
    private final String source;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    /** Whether the text consumed last ended with a newline: lstrip_blocks then also strips at the data's start. */
    private boolean lineStarting = true;

    private Lexer(String templateName, String source) {
        this.templateName = templateName;
        this.source = source;
    }

    static List<Token> tokenize(String templateName, String source) {
        Lexer lexer = new Lexer(templateName, normalizeNewlines(source));
        lexer.run();
        return lexer.tokens;
    }

    /** jinja2 turns every line break into {@code \n} and, without keep_trailing_newline, drops one final newline. */
    private static String normalizeNewlines(String source) {
        String text = source.indexOf('\r') < 0 ? source : source.replace("\r\n", "\n").replace('\r', '\n');
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    /** The optional {@code -} or {@code +} right after a tag's opening delimiter. */
    private enum Sign { NONE, STRIP, KEEP }

    private Sign signAt(int index) {
        if (index < source.length() && source.charAt(index) == '-') {
            return Sign.STRIP;
        }
        return index < source.length() && source.charAt(index) == '+' ? Sign.KEEP : Sign.NONE;
    }

    private void run() {
        while (pos < source.length()) {
            OptionalInt found = findTagStart(pos);
            if (found.isEmpty()) {
                emitData(source.substring(pos));
                pos = source.length();
                break;
            }
            int tagStart = found.getAsInt();
            char opener = source.charAt(tagStart + 1);
            Sign sign = signAt(tagStart + 2);
            OptionalInt rawEnd = opener == '%' ? matchRawBegin(tagStart) : OptionalInt.empty();
            String text = source.substring(pos, tagStart);
            emitData(applyLeftStrip(text, sign, opener != '{'));
            line += countNewlines(text);
            int afterOpener = tagStart + 2 + (sign == Sign.NONE ? 0 : 1);
            if (rawEnd.isPresent()) {
                lineStarting = source.charAt(rawEnd.getAsInt() - 1) == '\n';
                line += countNewlines(source.substring(tagStart, rawEnd.getAsInt()));
                lexRawBody(rawEnd.getAsInt());
            } else if (opener == '#') {
                lexComment(afterOpener);
            } else {
                lineStarting = false;
                lexTag(opener == '{' ? Kind.VARIABLE_BEGIN : Kind.BLOCK_BEGIN, afterOpener);
            }
        }
        tokens.add(new Token(Kind.EOF, "", line));
    }

    private OptionalInt findTagStart(int from) {
        for (int index = source.indexOf('{', from); index >= 0 && index + 1 < source.length();
                index = source.indexOf('{', index + 1)) {
            char next = source.charAt(index + 1);
            if (next == '{' || next == '%' || next == '#') {
                return OptionalInt.of(index);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Whitespace before a tag: {@code -} strips all of it; otherwise lstrip_blocks removes the spaces and tabs
     * that are alone on the tag's line, for block and comment tags but never for {@code {{ }}}.
     */
    private String applyLeftStrip(String text, Sign sign, boolean blockOrComment) {
        if (sign == Sign.STRIP) {
            return PyChars.stripTrailingSpace(text);
        }
        if (sign == Sign.KEEP || !blockOrComment) {
            return text;
        }
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && lineStart < text.length() && isAllSpace(text, lineStart)) {
            return text.substring(0, lineStart);
        }
        return text;
    }

    private static boolean isAllSpace(String text, int from) {
        for (int i = from; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (!PyChars.isSpace(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /** The end of a {@code {% raw %}} tag (any sign, any inner spaces) starting at {@code start}, if it is one. */
    private OptionalInt matchRawBegin(int start) {
        int i = skipSpace(start + 2 + (signAt(start + 2) == Sign.NONE ? 0 : 1));
        if (!source.startsWith("raw", i)) {
            return OptionalInt.empty();
        }
        i = skipSpace(i + 3);
        if (source.startsWith("-%}", i)) {
            return OptionalInt.of(skipSpace(i + 3));
        }
        return source.startsWith("%}", i) ? OptionalInt.of(i + 2) : OptionalInt.empty();
    }

    private void lexRawBody(int bodyStart) {
        int search = bodyStart;
        while (true) {
            int open = source.indexOf("{%", search);
            if (open < 0) {
                throw syntaxError("Missing end of raw directive");
            }
            Sign sign = signAt(open + 2);
            int i = skipSpace(open + 2 + (sign == Sign.NONE ? 0 : 1));
            if (source.startsWith("endraw", i)) {
                OptionalInt end = matchBlockEnd(skipSpace(i + 6));
                if (end.isPresent()) {
                    emitData(applyLeftStrip(source.substring(bodyStart, open), sign, true));
                    line += countNewlines(source.substring(bodyStart, end.getAsInt()));
                    lineStarting = source.charAt(end.getAsInt() - 1) == '\n';
                    pos = end.getAsInt();
                    return;
                }
            }
            search = open + 2;
        }
    }

    /** Skips a comment; its end takes the same {@code +#}}, {@code -#}} and trim_blocks rules as a block's. */
    private void lexComment(int bodyStart) {
        for (int i = bodyStart; i < source.length(); i++) {
            char c = source.charAt(i);
            int end;
            if (c == '+' && source.startsWith("#}", i + 1)) {
                end = i + 3;
            } else if (c == '-' && source.startsWith("#}", i + 1)) {
                end = skipSpace(i + 3);
            } else if (c == '#' && source.startsWith("#}", i)) {
                end = i + 2 < source.length() && source.charAt(i + 2) == '\n' ? i + 3 : i + 2;
            } else {
                continue;
            }
            line += countNewlines(source.substring(bodyStart, end));
            lineStarting = source.charAt(end - 1) == '\n';
            pos = end;
            return;
        }
        throw syntaxError("Missing end of comment tag");
    }

    /** {@code +%}} keeps what follows, {@code -%}} eats all following whitespace, {@code %}} eats one newline. */
    private OptionalInt matchBlockEnd(int i) {
        if (source.startsWith("+%}", i)) {
            return OptionalInt.of(i + 3);
        }
        if (source.startsWith("-%}", i)) {
            return OptionalInt.of(skipSpace(i + 3));
        }
        if (source.startsWith("%}", i)) {
            return OptionalInt.of(i + 2 < source.length() && source.charAt(i + 2) == '\n' ? i + 3 : i + 2);
        }
        return OptionalInt.empty();
    }

    /** {@code -}}} eats all following whitespace; {@code }}} (trim_blocks does not apply) eats nothing. */
    private OptionalInt matchVariableEnd(int i) {
        if (source.startsWith("-}}", i)) {
            return OptionalInt.of(skipSpace(i + 3));
        }
        return source.startsWith("}}", i) ? OptionalInt.of(i + 2) : OptionalInt.empty();
    }

    private void lexTag(Kind begin, int start) {
        tokens.add(new Token(begin, begin == Kind.VARIABLE_BEGIN ? "{{" : "{%", line));
        Deque<Character> brackets = new ArrayDeque<>();
        int i = start;
        while (i < source.length()) {
            if (brackets.isEmpty()) {
                OptionalInt end = begin == Kind.BLOCK_BEGIN ? matchBlockEnd(i) : matchVariableEnd(i);
                if (end.isPresent()) {
                    tokens.add(new Token(begin == Kind.BLOCK_BEGIN ? Kind.BLOCK_END : Kind.VARIABLE_END, "end", line));
                    line += countNewlines(source.substring(i, end.getAsInt()));
                    lineStarting = source.charAt(end.getAsInt() - 1) == '\n';
                    pos = end.getAsInt();
                    return;
                }
            }
            char c = source.charAt(i);
            if (PyChars.isSpace(c)) {
                int end = skipSpace(i);
                line += countNewlines(source.substring(i, end));
                i = end;
            } else if (Character.isDigit(c)) {
                i = lexNumber(i);
            } else if (c == '\'' || c == '"') {
                i = lexString(i);
            } else if (PyChars.isWord(source.codePointAt(i))) {
                int end = i;
                while (end < source.length() && PyChars.isWord(source.codePointAt(end))) {
                    end += Character.charCount(source.codePointAt(end));
                }
                tokens.add(new Token(Kind.NAME, source.substring(i, end), line));
                i = end;
            } else {
                i = lexOperator(i, brackets);
            }
        }
        // jinja2 stops at the end of the source inside a tag; the parser then reports the missing end.
        pos = source.length();
    }

    private int lexOperator(int i, Deque<Character> brackets) {
        for (String operator : OPERATORS) {
            if (source.startsWith(operator, i)) {
                char c = operator.charAt(0);
                if (operator.length() == 1 && (c == '(' || c == '[' || c == '{')) {
                    brackets.push(c == '(' ? ')' : c == '[' ? ']' : '}');
                } else if (operator.length() == 1 && (c == ')' || c == ']' || c == '}')) {
                    if (brackets.isEmpty()) {
                        throw syntaxError("unexpected '" + c + "'");
                    }
                    char expected = brackets.pop();
                    if (expected != c) {
                        throw syntaxError("unexpected '" + c + "', expected '" + expected + "'");
                    }
                }
                tokens.add(new Token(Kind.OPERATOR, operator, line));
                return i + operator.length();
            }
        }
        throw syntaxError("unexpected char " + PyStrings.repr(source.substring(i, i + Character.charCount(source.codePointAt(i))))
                + " at " + i);
    }

    /** Numbers as jinja2's float and integer patterns read them: underscores, 0b/0o/0x prefixes, exponents. */
    private int lexNumber(int start) {
        boolean afterDot = start > 0 && source.charAt(start - 1) == '.';
        int i = digitRun(start, 10);
        boolean isFloat = false;
        if (i + 1 < source.length() && source.charAt(i) == '.' && Character.isDigit(source.charAt(i + 1))) {
            i = digitRun(i + 1, 10);
            isFloat = true;
        }
        if (i < source.length() && (source.charAt(i) == 'e' || source.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < source.length() && (source.charAt(j) == '+' || source.charAt(j) == '-')) {
                j++;
            }
            if (j < source.length() && Character.isDigit(source.charAt(j))) {
                i = digitRun(j, 10);
                isFloat = true;
            }
        }
        if (isFloat && !afterDot) {
            tokens.add(new Token(Kind.FLOAT, Double.parseDouble(source.substring(start, i).replace("_", "")), line));
            return i;
        }
        return lexInteger(start);
    }

    /** Digits of {@code radix} with single underscores between them, as in {@code (_?\d)*}. */
    private int digitRun(int i, int radix) {
        int end = i;
        while (end < source.length()) {
            int next = source.charAt(end) == '_' ? end + 1 : end;
            if (next < source.length() && Character.digit(source.charAt(next), radix) >= 0) {
                end = next + 1;
            } else {
                break;
            }
        }
        return end;
    }

    private int lexInteger(int start) {
        char prefix = start + 1 < source.length() ? Character.toLowerCase(source.charAt(start + 1)) : 0;
        int radix = source.charAt(start) != '0' ? 10 : prefix == 'b' ? 2 : prefix == 'o' ? 8 : prefix == 'x' ? 16 : 0;
        int digitsStart = start;
        int end;
        if (radix > 0 && radix != 10 && (end = digitRun(start + 2, radix)) > start + 2) {
            digitsStart = start + 2;
        } else if (radix == 10) {
            end = digitRun(start, 10);
        } else {
            // A leading zero only continues with more zeros ("0_0"); "01" is the integer 0 followed by 1.
            radix = 10;
            end = start + 1;
            while (end < source.length() && (source.charAt(end) == '0'
                    || (source.charAt(end) == '_' && end + 1 < source.length() && source.charAt(end + 1) == '0'))) {
                end += source.charAt(end) == '_' ? 2 : 1;
            }
        }
        BigInteger value = new BigInteger(source.substring(digitsStart, end).replace("_", ""), radix);
        tokens.add(new Token(Kind.INTEGER, PyValues.normalizeInteger(value), line));
        return end;
    }

    private int lexString(int start) {
        char quote = source.charAt(start);
        int i = start + 1;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                String raw = source.substring(start + 1, i);
                tokens.add(new Token(Kind.STRING, StringLiterals.unescape(raw, templateName, line), line));
                line += countNewlines(raw);
                return i + 1;
            } else {
                i++;
            }
        }
        throw syntaxError("unexpected char " + PyStrings.repr(String.valueOf(quote)) + " at " + start);
    }

    private int skipSpace(int i) {
        while (i < source.length() && PyChars.isSpace(source.charAt(i))) {
            i++;
        }
        return i;
    }

    private void emitData(String text) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.DATA, text, line));
        }
    }

    private static int countNewlines(String text) {
        int count = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                count++;
            }
        }
        return count;
    }

    private RuntimeException syntaxError(String message) {
        return TemplateError.syntax(templateName, line, message);
    }
}
