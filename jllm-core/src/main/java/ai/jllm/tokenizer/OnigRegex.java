package ai.jllm.tokenizer;

import ai.jllm.JllmException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the regexes of {@code tokenizer.json} (written for Oniguruma with Ruby syntax, which the Hugging Face
 * library uses) into {@link java.util.regex.Pattern}s with the same meaning. The differences that matter:
 * Oniguruma's {@code \s}, {@code \w}, {@code \d} and case folding are Unicode-aware, {@code \h} is a hex digit,
 * {@code (?m)} means dot-all, {@code .} only excludes {@code \n}, and {@code ^}/{@code $} are line anchors.
 * Character classes are spelled out rather than turned on with {@code (?U)}, which would make every class slower.
 *
 * <p>Known differences, both outside what real tokenizer files use: characters assigned after Unicode 14
 * (Oniguruma's tables) get their Java 25 properties, and in a case-insensitive group Java also lets U+0130 and
 * U+0131 match {@code i} (real files only put the English contractions {@code 's 't 're 've 'm 'll 'd} there).
 */
final class OnigRegex {

    private static final String HEX_SET = "0-9a-fA-F";

    private OnigRegex() {}

    /** Compiles an Oniguruma pattern; {@code where} names the file and field for the error message. */
    static Pattern compile(String onigPattern, String where) {
        String javaPattern = translate(onigPattern, where);
        try {
            return Pattern.compile(javaPattern, Pattern.MULTILINE | Pattern.UNIX_LINES);
        } catch (PatternSyntaxException e) {
            throw new JllmException(where + ": unsupported regex " + quote(onigPattern) + ": " + e.getDescription());
        }
    }

    /** A pattern matching {@code text} literally (the library escapes string patterns the same way). */
    static Pattern literal(String text) {
        return Pattern.compile(text, Pattern.LITERAL);
    }

    static String translate(String pattern, String where) {
        StringBuilder out = new StringBuilder(pattern.length() + 32);
        int classDepth = 0;
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '\\') {
                if (i + 1 >= pattern.length()) {
                    throw new JllmException(where + ": regex " + quote(pattern) + " ends with a lone backslash");
                }
                i = translateEscape(pattern, i, classDepth > 0, out, where);
            } else if (c == '[') {
                if (classDepth > 0 && i + 1 < pattern.length() && pattern.charAt(i + 1) == ':') {
                    throw new JllmException(where + ": POSIX bracket classes are not supported in regex " + quote(pattern));
                }
                classDepth++;
                out.append('[');
                i++;
                if (i < pattern.length() && pattern.charAt(i) == '^') {
                    out.append('^');
                    i++;
                }
                // A ']' right after the opening bracket is a literal in Ruby syntax.
                if (i < pattern.length() && pattern.charAt(i) == ']') {
                    out.append("\\]");
                    i++;
                }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(']');
                i++;
            } else if (c == '(' && classDepth == 0 && i + 1 < pattern.length() && pattern.charAt(i + 1) == '?') {
                i = translateGroupOpening(pattern, i, out);
            } else if (c == '.' && classDepth == 0) {
                out.append("[^\\n]");
                i++;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static int translateEscape(String pattern, int at, boolean inClass, StringBuilder out, String where) {
        char d = pattern.charAt(at + 1);
        switch (d) {
            case 's' -> appendSet(out, UnicodeClasses.WHITE_SPACE_SET, inClass);
            case 'w' -> appendSet(out, inClass ? UnicodeClasses.WORD_SET : UnicodeClasses.STANDALONE_WORD_SET, inClass);
            case 'h' -> appendSet(out, HEX_SET, inClass);
            case 'S', 'W', 'H' -> {
                if (inClass) {
                    throw new JllmException(where + ": \\" + d + " inside a character class is not supported in regex "
                            + quote(pattern));
                }
                String set = d == 'S' ? UnicodeClasses.WHITE_SPACE_SET
                        : d == 'W' ? UnicodeClasses.STANDALONE_WORD_SET : HEX_SET;
                out.append("[^").append(set).append(']');
            }
            case 'd' -> out.append("\\p{Nd}");
            case 'D' -> out.append("\\P{Nd}");
            case 'p', 'P' -> {
                return translateProperty(pattern, at, d == 'P', out, where);
            }
            case 'K' -> throw new JllmException(where + ": \\K is not supported in regex " + quote(pattern));
            default -> out.append('\\').append(d);
        }
        return at + 2;
    }

    private static void appendSet(StringBuilder out, String set, boolean inClass) {
        if (inClass) {
            out.append(set);
        } else {
            out.append('[').append(set).append(']');
        }
    }

    /** {@code \p{Name}}, {@code \p{^Name}}, {@code \P{Name}}: categories stay, scripts and properties get "Is". */
    private static int translateProperty(String pattern, int at, boolean negated, StringBuilder out, String where) {
        int open = at + 2;
        int close = pattern.indexOf('}', open);
        if (open >= pattern.length() || pattern.charAt(open) != '{' || close < 0) {
            throw new JllmException(where + ": malformed property escape in regex " + quote(pattern));
        }
        String name = pattern.substring(open + 1, close);
        if (name.startsWith("^")) {
            negated = !negated;
            name = name.substring(1);
        }
        boolean generalCategory = name.matches("[LMNPSZC][a-z]?");
        out.append(negated ? "\\P{" : "\\p{").append(generalCategory ? name : "Is" + name).append('}');
        return close + 1;
    }

    /** Inline flag groups: {@code i} gains Unicode case folding, Ruby's {@code m} is Java's {@code s}. */
    private static int translateGroupOpening(String pattern, int at, StringBuilder out) {
        int i = at + 2;
        StringBuilder flags = new StringBuilder();
        while (i < pattern.length() && "imx-".indexOf(pattern.charAt(i)) >= 0) {
            char flag = pattern.charAt(i);
            flags.append(switch (flag) {
                case 'i' -> "iu";
                case 'm' -> "s";
                default -> String.valueOf(flag);
            });
            i++;
        }
        if (!flags.isEmpty() && i < pattern.length() && (pattern.charAt(i) == ':' || pattern.charAt(i) == ')')) {
            out.append("(?").append(flags).append(pattern.charAt(i));
            return i + 1;
        }
        out.append("(?");
        return at + 2;
    }

    private static String quote(String pattern) {
        return "\"" + pattern + "\"";
    }
}
