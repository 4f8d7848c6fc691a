package ai.jllm.tokenizer;

/**
 * The character classes of the Rust and Oniguruma regex engines that the Hugging Face library relies on.
 * Java's own notions differ ({@link Character#isWhitespace} excludes U+00A0 and includes U+001C..U+001F;
 * {@code \s} is ASCII-only without flags), so the sets are spelled out here once.
 */
final class UnicodeClasses {

    /** The Unicode White_Space property, which {@code \s} means in Rust's regex crate and in Oniguruma. */
    static final String WHITE_SPACE_SET =
            "\\x{9}-\\x{D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

    /** Oniguruma's Unicode {@code \w} inside a character class: Alphabetic, marks, decimal digits, connectors. */
    static final String WORD_SET = "\\p{IsAlphabetic}\\p{M}\\p{Nd}\\p{Pc}";

    /**
     * Oniguruma's {@code \w} on its own: the same plus the superscripts and fractions of Latin-1, which the table
     * it consults for code points below 256 counts as word characters.
     */
    static final String STANDALONE_WORD_SET = WORD_SET + "\\x{B2}\\x{B3}\\x{B9}\\x{BC}-\\x{BE}";

    private UnicodeClasses() {}

    static boolean isWhiteSpace(int codePoint) {
        return switch (codePoint) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> codePoint >= 0x2000 && codePoint <= 0x200A;
        };
    }

    /** Rust regex's Unicode {@code \w}: Alphabetic, marks, decimal digits, connector punctuation, joiners. */
    static boolean isRustWordCharacter(int codePoint) {
        if (Character.isAlphabetic(codePoint) || codePoint == 0x200C || codePoint == 0x200D) {
            return true;
        }
        return switch (Character.getType(codePoint)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> false;
        };
    }
}
