package ai.jllm.template;

/** Decodes the body of a template string literal with Python's escape rules (jinja2 uses "unicode-escape"). */
final class StringLiterals {

    private StringLiterals() {}

    static String unescape(String raw, String templateName, int line) {
        if (raw.indexOf('\\') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c != '\\' || i + 1 >= raw.length()) {
                out.append(c);
                i++;
                continue;
            }
            char e = raw.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> { }
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x' -> i = appendHex(raw, i, 2, out, "\\xXX", templateName, line);
                case 'u' -> i = appendHex(raw, i, 4, out, "\\uXXXX", templateName, line);
                case 'U' -> i = appendHex(raw, i, 8, out, "\\UXXXXXXXX", templateName, line);
                case 'N' -> i = appendNamed(raw, i, out, templateName, line);
                default -> {
                    if (e >= '0' && e <= '7') {
                        int end = i - 1;
                        while (end < raw.length() && end < i + 2 && raw.charAt(end) >= '0' && raw.charAt(end) <= '7') {
                            end++;
                        }
                        out.appendCodePoint(Integer.parseInt(raw, i - 1, end, 8));
                        i = end;
                    } else {
                        // Python keeps unknown escapes as written.
                        out.append('\\').append(e);
                    }
                }
            }
        }
        return out.toString();
    }

    private static int appendHex(String raw, int start, int digits, StringBuilder out, String form,
                                 String templateName, int line) {
        int end = start + digits;
        if (end > raw.length()) {
            throw TemplateError.syntax(templateName, line, "truncated " + form + " escape");
        }
        for (int i = start; i < end; i++) {
            if (Character.digit(raw.charAt(i), 16) < 0) {
                throw TemplateError.syntax(templateName, line, "truncated " + form + " escape");
            }
        }
        int cp = Integer.parseUnsignedInt(raw, start, end, 16);
        if (cp > Character.MAX_CODE_POINT) {
            throw TemplateError.syntax(templateName, line, "illegal Unicode character");
        }
        out.appendCodePoint(cp);
        return end;
    }

    private static int appendNamed(String raw, int start, StringBuilder out, String templateName, int line) {
        int close = raw.indexOf('}', start);
        if (start >= raw.length() || raw.charAt(start) != '{' || close < 0) {
            throw TemplateError.syntax(templateName, line, "malformed \\N character escape");
        }
        try {
            out.appendCodePoint(Character.codePointOf(raw.substring(start + 1, close)));
        } catch (IllegalArgumentException e) {
            throw TemplateError.syntax(templateName, line, "unknown Unicode character name");
        }
        return close + 1;
    }
}
