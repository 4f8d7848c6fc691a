package ai.jllm.template;

import ai.jllm.template.Token.Kind;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

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

    private void run() {
        while (pos < source.length()) {
            int tagStart = findTagStart(pos);
            if (tagStart < 0) {
                emitData(source.substring(pos));
                pos = source.length();
                break;
            }
            char opener = source.charAt(tagStart + 1);
            char sign = tagStart + 2 < source.length() ? source.charAt(tagStart + 2) : 0;
            boolean hasSign = sign == '-' || sign == '+';
            int rawEnd = opener == '%' ? matchRawBegin(tagStart) : -1;
            String text = source.substring(pos, tagStart);
            emitData(applyLeftStrip(text, hasSign ? sign : 0, opener != '{'));
            line += countNewlines(text);
            int afterOpener = tagStart + 2 + (hasSign ? 1 : 0);
            if (rawEnd >= 0) {
                lineStarting = source.charAt(rawEnd - 1) == '\n';
                line += countNewlines(source.substring(tagStart, rawEnd));
                lexRawBody(rawEnd);
            } else if (opener == '#') {
                lexComment(afterOpener);
            } else {
                lineStarting = false;
                lexTag(opener == '{' ? Kind.VARIABLE_BEGIN : Kind.BLOCK_BEGIN, afterOpener);
            }
        }
        tokens.add(new Token(Kind.EOF, "", line));
    }

    private int findTagStart(int from) {
        int index = source.indexOf('{', from);
        while (index >= 0 && index + 1 < source.length()) {
            char next = source.charAt(index + 1);
            if (next == '{' || next == '%' || next == '#') {
                return index;
            }
            index = source.indexOf('{', index + 1);
        }
        return -1;
    }

    /**
     * Whitespace before a tag: {@code -} strips all of it; otherwise lstrip_blocks removes the spaces and tabs
     * that are alone on the tag's line, for block and comment tags but never for {@code {{ }}}.
     */
    private String applyLeftStrip(String text, char sign, boolean blockOrComment) {
        if (sign == '-') {
            return PyChars.stripTrailingSpace(text);
        }
        if (sign == '+' || !blockOrComment) {
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

    /** Matches {@code {% raw %}} (any sign, any inner spaces) at {@code start}; returns the end or -1 if absent. */
    private int matchRawBegin(int start) {
        int i = start + 2;
        if (i < source.length() && (source.charAt(i) == '-' || source.charAt(i) == '+')) {
            i++;
        }
        i = skipSpace(i);
        if (!source.startsWith("raw", i)) {
            return -1;
        }
        i = skipSpace(i + 3);
        if (source.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        return source.startsWith("%}", i) ? i + 2 : -1;
    }

    private void lexRawBody(int bodyStart) {
        int search = bodyStart;
        while (true) {
            int open = source.indexOf("{%", search);
            if (open < 0) {
                throw syntaxError("Missing end of raw directive");
            }
            int i = open + 2;
            char sign = i < source.length() && (source.charAt(i) == '-' || source.charAt(i) == '+') ? source.charAt(i) : 0;
            if (sign != 0) {
                i++;
            }
            i = skipSpace(i);
            if (source.startsWith("endraw", i)) {
                int end = matchBlockEnd(skipSpace(i + 6));
                if (end >= 0) {
                    String text = source.substring(bodyStart, open);
                    String kept = applyLeftStrip(text, sign, true);
                    emitData(kept);
                    line += countNewlines(source.substring(bodyStart, end));
                    lineStarting = source.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            search = open + 2;
        }
    }

    private void lexComment(int bodyStart) {
        for (int i = bodyStart; i < source.length(); i++) {
            char c = source.charAt(i);
            int end = -1;
            if ((c == '+' || c == '-') && source.startsWith("#}", i + 1)) {
                end = c == '+' ? i + 3 : skipSpace(i + 3);
            } else if (c == '#' && source.startsWith("#}", i)) {
                end = i + 2 < source.length() && source.charAt(i + 2) == '\n' ? i + 3 : i + 2;
            }
            if (end >= 0) {
                line += countNewlines(source.substring(bodyStart, end));
                lineStarting = source.charAt(end - 1) == '\n';
                pos = end;
                return;
            }
        }
        throw syntaxError("Missing end of comment tag");
    }

    /** {@code +%}} keeps what follows, {@code -%}} eats all following whitespace, {@code %}} eats one newline. */
    private int matchBlockEnd(int i) {
        if (source.startsWith("+%}", i)) {
            return i + 3;
        }
        if (source.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        if (source.startsWith("%}", i)) {
            return i + 2 < source.length() && source.charAt(i + 2) == '\n' ? i + 3 : i + 2;
        }
        return -1;
    }

    private int matchVariableEnd(int i) {
        if (source.startsWith("-}}", i)) {
            return skipSpace(i + 3);
        }
        return source.startsWith("}}", i) ? i + 2 : -1;
    }

    private void lexTag(Kind begin, int start) {
        tokens.add(new Token(begin, begin == Kind.VARIABLE_BEGIN ? "{{" : "{%", line));
        Deque<Character> brackets = new ArrayDeque<>();
        int i = start;
        while (i < source.length()) {
            if (brackets.isEmpty()) {
                int end = begin == Kind.BLOCK_BEGIN ? matchBlockEnd(i) : matchVariableEnd(i);
                if (end >= 0) {
                    tokens.add(new Token(begin == Kind.BLOCK_BEGIN ? Kind.BLOCK_END : Kind.VARIABLE_END, "end", line));
                    line += countNewlines(source.substring(i, end));
                    lineStarting = source.charAt(end - 1) == '\n';
                    pos = end;
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
