package ai.jllm.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Python's str methods as templates call them ({@code content.split('</think>')}, {@code s.strip('\n')}),
 * with Python's whitespace, indexing by code point and error behaviour.
 */
final class StringMethods {

    private static final Set<String> NAMES = Set.of(
            "capitalize", "casefold", "center", "count", "endswith", "find", "format", "index", "isalnum", "isalpha",
            "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "ljust", "lower",
            "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition",
            "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill");

    private StringMethods() {}

    static boolean has(String name) {
        return NAMES.contains(name);
    }

    static Object invoke(String s, String name, List<Object> positional, Map<String, Object> keywords) {
        if (name.equals("format")) {
            return PyFormat.format(s, positional, keywords);
        }
        if (!keywords.isEmpty() && !Set.of("split", "rsplit", "splitlines").contains(name)) {
            throw TemplateError.of("str." + name + "() takes no keyword arguments");
        }
        return switch (name) {
            case "upper" -> noArgs(name, positional, s.toUpperCase(Locale.ROOT));
            case "lower" -> noArgs(name, positional, s.toLowerCase(Locale.ROOT));
            case "casefold" -> noArgs(name, positional, s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT));
            case "title" -> noArgs(name, positional, title(s));
            case "capitalize" -> noArgs(name, positional, capitalize(s));
            case "swapcase" -> noArgs(name, positional, swapCase(s));
            case "strip", "lstrip", "rstrip" -> {
                Methods.expectCount("str." + name, positional, 0, 1);
                String chars = optionalString(positional, 0, name);
                yield strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            }
            case "split", "rsplit" -> {
                Args args = Args.bind("str." + name, positional, keywords, 0, "sep", "maxsplit");
                String sep = args.optionalString(0, "sep").orElse(null);
                long maxSplit = args.integer(1, -1, "maxsplit");
                yield name.equals("split") ? split(s, sep, maxSplit) : rsplit(s, sep, maxSplit);
            }
            case "splitlines" -> {
                Args args = Args.bind("str.splitlines", positional, keywords, 0, "keepends");
                yield splitLines(s, args.flag(0, false));
            }
            case "startswith", "endswith" -> {
                Methods.expectCount("str." + name, positional, 1, 3);
                String part = substring(s, positional, 1);
                yield affixMatches(part, positional.getFirst(), name.equals("startswith"), name);
            }
            case "find", "rfind", "index", "rindex" -> find(s, name, positional);
            case "count" -> {
                Methods.expectCount("str.count", positional, 1, 3);
                yield (long) countOccurrences(substring(s, positional, 1), requireString(positional.getFirst(), name));
            }
            case "replace" -> {
                Methods.expectCount("str.replace", positional, 2, 3);
                long count = positional.size() > 2 ? Args.toInteger(positional.get(2), "count") : -1;
                yield replace(s, requireString(positional.get(0), name), requireString(positional.get(1), name), count);
            }
            case "join" -> {
                Methods.expectCount("str.join", positional, 1, 1);
                yield join(s, PyValues.iterate(positional.getFirst()));
            }
            case "center", "ljust", "rjust" -> pad(s, name, positional);
            case "zfill" -> {
                Methods.expectCount("str.zfill", positional, 1, 1);
                yield zeroFill(s, Args.toInteger(positional.getFirst(), "width"));
            }
            case "partition", "rpartition" -> {
                Methods.expectCount("str." + name, positional, 1, 1);
                yield partition(s, requireString(positional.getFirst(), name), name.equals("partition"));
            }
            case "removeprefix" -> {
                Methods.expectCount("str.removeprefix", positional, 1, 1);
                String prefix = requireString(positional.getFirst(), name);
                yield s.startsWith(prefix) ? s.substring(prefix.length()) : s;
            }
            case "removesuffix" -> {
                Methods.expectCount("str.removesuffix", positional, 1, 1);
                String suffix = requireString(positional.getFirst(), name);
                yield !suffix.isEmpty() && s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
            }
            case "isspace" -> noArgs(name, positional, !s.isEmpty() && s.codePoints().allMatch(PyChars::isSpace));
            case "isdigit", "isdecimal", "isnumeric" ->
                    noArgs(name, positional, !s.isEmpty() && s.codePoints().allMatch(Character::isDigit));
            case "isalpha" -> noArgs(name, positional, !s.isEmpty() && s.codePoints().allMatch(Character::isLetter));
            case "isalnum" -> noArgs(name, positional, !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit));
            case "islower" -> noArgs(name, positional, hasCased(s) && s.codePoints().noneMatch(
                    cp -> Character.isUpperCase(cp) || Character.isTitleCase(cp)));
            case "isupper" -> noArgs(name, positional, hasCased(s) && s.codePoints().noneMatch(
                    cp -> Character.isLowerCase(cp) || Character.isTitleCase(cp)));
            case "istitle" -> noArgs(name, positional, hasCased(s) && title(s).equals(s));
            default -> throw new IllegalStateException("unknown str method " + name);
        };
    }

    private static Object noArgs(String name, List<Object> positional, Object result) {
        Methods.expectCount("str." + name, positional, 0, 0);
        return result;
    }

    /** A string argument; {@code method} picks Python's wording for the error ("must be str, not int", ...). */
    private static String requireString(Object value, String method) {
        if (PyValues.isString(value)) {
            return PyStrings.str(value);
        }
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        String type = PyValues.typeName(value);
        throw TemplateError.of(switch (method) {
            case "strip", "lstrip", "rstrip" -> method + " arg must be None or str";
            case "replace" -> "replace() argument must be str, not " + type;
            case "removeprefix", "removesuffix" -> method + "() argument must be str, not " + type;
            default -> "must be str, not " + type;
        });
    }

    private static String optionalString(List<Object> positional, int index, String method) {
        Object value = positional.size() > index ? positional.get(index) : null;
        return value == null ? null : requireString(value, method);
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(PyChars::isCased);
    }

    /** Python's str.title(): a cased character after an uncased one starts a word. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (previousCased) {
                out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            } else {
                out.appendCodePoint(Character.toTitleCase(cp));
            }
            previousCased = PyChars.isCased(cp);
        }
        return out.toString();
    }

    /** Python 3.8+ str.capitalize(): the first character in title case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new String(Character.toChars(Character.toTitleCase(first)))
                + s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
    }

    private static String swapCase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> out.appendCodePoint(
                Character.isUpperCase(cp) ? Character.toLowerCase(cp) : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp));
        return out.toString();
    }

    /** strip() with {@code chars} null removes Python whitespace; otherwise any of the given characters. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end) {
                int cp = s.codePointAt(start);
                if (!stripped(cp, chars)) {
                    break;
                }
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = s.codePointBefore(end);
                if (!stripped(cp, chars)) {
                    break;
                }
                end -= Character.charCount(cp);
            }
        }
        return s.substring(start, end);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? PyChars.isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    static List<Object> split(String s, String sep, long maxSplit) {
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && PyChars.isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                if (i >= n) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() >= maxSplit) {
                    parts.add(s.substring(i));
                    return parts;
                }
                int start = i;
                while (i < n && !PyChars.isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                parts.add(s.substring(start, i));
            }
        }
        if (sep.isEmpty()) {
            throw TemplateError.of("empty separator");
        }
        int start = 0;
        while (maxSplit < 0 || parts.size() < maxSplit) {
            int found = s.indexOf(sep, start);
            if (found < 0) {
                break;
            }
            parts.add(s.substring(start, found));
            start = found + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    static List<Object> rsplit(String s, String sep, long maxSplit) {
        if (maxSplit < 0) {
            return split(s, sep, maxSplit);
        }
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = s.length();
            while (true) {
                while (i > 0 && PyChars.isSpace(s.codePointBefore(i))) {
                    i -= Character.charCount(s.codePointBefore(i));
                }
                if (i <= 0) {
                    break;
                }
                if (parts.size() >= maxSplit) {
                    parts.add(s.substring(0, i));
                    break;
                }
                int end = i;
                while (i > 0 && !PyChars.isSpace(s.codePointBefore(i))) {
                    i -= Character.charCount(s.codePointBefore(i));
                }
                parts.add(s.substring(i, end));
            }
            return parts.reversed();
        }
        if (sep.isEmpty()) {
            throw TemplateError.of("empty separator");
        }
        int end = s.length();
        while (parts.size() < maxSplit) {
            int found = s.lastIndexOf(sep, end - sep.length());
            if (found < 0) {
                break;
            }
            parts.add(s.substring(found + sep.length(), end));
            end = found;
        }
        parts.add(s.substring(0, end));
        return parts.reversed();
    }

    static List<Object> splitLines(String s, boolean keepEnds) {
        List<Object> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int breakLength = switch (c) {
                case '\r' -> i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
                case '\n', 0x0b, 0x0c, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029 -> 1;
                default -> 0;
            };
            if (breakLength == 0) {
                i++;
                continue;
            }
            lines.add(s.substring(start, keepEnds ? i + breakLength : i));
            i += breakLength;
            start = i;
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    /** The part of {@code s} between the optional start and end arguments at {@code first} (code point indices). */
    private static String substring(String s, List<Object> positional, int first) {
        if (positional.size() <= first) {
            return s;
        }
        int length = s.codePointCount(0, s.length());
        long start = bound(positional.get(first), length, 0);
        long end = positional.size() > first + 1 ? bound(positional.get(first + 1), length, length) : length;
        if (start >= end) {
            return "";
        }
        return s.substring(s.offsetByCodePoints(0, (int) start), s.offsetByCodePoints(0, (int) end));
    }

    private static long bound(Object value, int length, long fallback) {
        if (value == null) {
            return fallback;
        }
        long index = Args.toInteger(value, "slice index");
        long position = index < 0 ? index + length : index;
        return Math.max(0, Math.min(length, position));
    }

    private static boolean affixMatches(String s, Object affix, boolean prefix, String method) {
        if (affix instanceof PyTuple tuple) {
            for (Object option : tuple.items()) {
                if (affixMatches(s, option, prefix, method)) {
                    return true;
                }
            }
            return false;
        }
        if (!PyValues.isString(affix)) {
            throw TemplateError.of(method + " first arg must be str or a tuple of str, not " + PyValues.typeName(affix));
        }
        String text = PyStrings.str(affix);
        return prefix ? s.startsWith(text) : s.endsWith(text);
    }

    private static Object find(String s, String name, List<Object> positional) {
        Methods.expectCount("str." + name, positional, 1, 3);
        String needle = requireString(positional.getFirst(), name);
        int length = s.codePointCount(0, s.length());
        long start = positional.size() > 1 ? bound(positional.get(1), length, 0) : 0;
        long end = positional.size() > 2 ? bound(positional.get(2), length, length) : length;
        long found = -1;
        if (start <= end) {
            int from = s.offsetByCodePoints(0, (int) start);
            int to = s.offsetByCodePoints(0, (int) end);
            String window = s.substring(from, to);
            int index = name.startsWith("r") ? window.lastIndexOf(needle) : window.indexOf(needle);
            if (index >= 0) {
                found = start + window.codePointCount(0, index);
            }
        }
        if (found < 0 && name.endsWith("index")) {
            throw TemplateError.of("substring not found");
        }
        return found;
    }

    private static int countOccurrences(String s, String needle) {
        if (needle.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1;
        }
        int count = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) {
            count++;
        }
        return count;
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0 && !old.isEmpty()) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        long done = 0;
        if (old.isEmpty()) {
            for (int i = 0; i < s.length(); ) {
                if (count < 0 || done < count) {
                    out.append(replacement);
                    done++;
                }
                int cp = s.codePointAt(i);
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
            }
            if (count < 0 || done < count) {
                out.append(replacement);
            }
            return out.toString();
        }
        int start = 0;
        while (done < count) {
            int found = s.indexOf(old, start);
            if (found < 0) {
                break;
            }
            out.append(s, start, found).append(replacement);
            start = found + old.length();
            done++;
        }
        return out.append(s.substring(start)).toString();
    }

    private static String join(String separator, List<Object> items) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (!PyValues.isString(item)) {
                throw TemplateError.of("sequence item " + i + ": expected str instance, " + PyValues.typeName(item) + " found");
            }
            if (i > 0) {
                out.append(separator);
            }
            out.append(PyStrings.str(item));
        }
        return out.toString();
    }

    static String pad(String s, String name, List<Object> positional) {
        Methods.expectCount("str." + name, positional, 1, 2);
        long width = Args.toInteger(positional.getFirst(), "width");
        String fill = positional.size() > 1 ? requireString(positional.get(1), name) : " ";
        if (fill.codePointCount(0, fill.length()) != 1) {
            throw TemplateError.of("The fill character must be exactly one character long");
        }
        int length = s.codePointCount(0, s.length());
        if (width <= length) {
            return s;
        }
        int total = (int) (width - length);
        int left = switch (name) {
            case "ljust" -> 0;
            case "rjust" -> total;
            // CPython puts the odd extra space on the left only when both the padding and the width are odd.
            default -> total / 2 + (total & (int) width & 1);
        };
        return fill.repeat(left) + s + fill.repeat(total - left);
    }

    private static String zeroFill(String s, long width) {
        int length = s.codePointCount(0, s.length());
        if (width <= length) {
            return s;
        }
        String zeros = "0".repeat((int) (width - length));
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            return s.charAt(0) + zeros + s.substring(1);
        }
        return zeros + s;
    }

    private static PyTuple partition(String s, String sep, boolean first) {
        if (sep.isEmpty()) {
            throw TemplateError.of("empty separator");
        }
        int found = first ? s.indexOf(sep) : s.lastIndexOf(sep);
        if (found < 0) {
            return first ? PyTuple.of(s, "", "") : PyTuple.of("", "", s);
        }
        return PyTuple.of(s.substring(0, found), sep, s.substring(found + sep.length()));
    }
}
