package ai.jllm.template;

/** Character classes as Python defines them; Java's own (Character.isWhitespace, ...) differ at the edges. */
final class PyChars {

    private PyChars() {}

    /** Python's {@code str.isspace()} for one code point, which is also what {@code \s} and {@code strip()} use. */
    static boolean isSpace(int cp) {
        return switch (cp) {
            case ' ', '\t', '\n', 0x0b, '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680, 0x2028, 0x2029,
                 0x202f, 0x205f, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200a;
        };
    }

    /** Python's {@code \w} for str patterns: letters, digits (any script) and the underscore. */
    static boolean isWord(int cp) {
        return cp == '_' || Character.isLetterOrDigit(cp) || isMark(cp) || Character.getType(cp) == Character.LETTER_NUMBER;
    }

    static boolean isMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    /** Python's {@code str.isprintable()} for one code point: what {@code repr()} leaves unescaped. */
    static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Cased characters in Python's sense: those with an upper, lower or title case. */
    static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    static String stripTrailingSpace(String text) {
        int end = text.length();
        while (end > 0) {
            int cp = text.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return text.substring(0, end);
    }
}
