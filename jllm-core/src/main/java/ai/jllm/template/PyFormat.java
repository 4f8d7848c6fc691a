package ai.jllm.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Python's two string formatting styles: {@code "%s: %d" % (a, b)} (and the {@code format} filter) and
 * {@code "{}: {name}".format(a, name=b)}, covering the conversions and format specs templates use.
 */
final class PyFormat {

    private PyFormat() {}

    /** printf-style formatting; {@code args} is a tuple of values, a dict for {@code %(key)s}, or one value. */
    static String percent(String format, Object args) {
        List<Object> values = args instanceof PyTuple tuple ? tuple.items() : Collections.singletonList(args);
        Map<?, ?> mapping = args instanceof Map<?, ?> map ? map : null;
        // Python skips the "not all arguments converted" check for any argument with item access (list, dict, ...).
        boolean itemAccess = mapping != null || args instanceof List<?> || args instanceof PyRange || args instanceof Undefined;
        StringBuilder out = new StringBuilder();
        int next = 0;
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= format.length()) {
                throw TemplateError.of("incomplete format");
            }
            Object value = null;
            boolean hasKey = false;
            if (format.charAt(i) == '(') {
                int close = format.indexOf(')', i);
                if (mapping == null || close < 0) {
                    throw TemplateError.of("format requires a mapping");
                }
                String key = format.substring(i + 1, close);
                if (!PyValues.mapContains(mapping, key)) {
                    throw TemplateError.of(PyStrings.repr(key));
                }
                value = PyValues.mapGet(mapping, key);
                hasKey = true;
                i = close + 1;
            }
            Spec spec = new Spec();
            while (i < format.length() && "-+ #0".indexOf(format.charAt(i)) >= 0) {
                spec.flag(format.charAt(i++));
            }
            int start = i;
            while (i < format.length() && Character.isDigit(format.charAt(i))) {
                i++;
            }
            spec.width = start == i ? 0 : Integer.parseInt(format, start, i, 10);
            if (i < format.length() && format.charAt(i) == '.') {
                start = ++i;
                while (i < format.length() && Character.isDigit(format.charAt(i))) {
                    i++;
                }
                spec.precision = start == i ? 0 : Integer.parseInt(format, start, i, 10);
                spec.hasPrecision = true;
            }
            if (i >= format.length()) {
                throw TemplateError.of("incomplete format");
            }
            char conversion = format.charAt(i++);
            if (conversion == '%') {
                out.append('%');
                continue;
            }
            if (!hasKey) {
                if (mapping != null) {
                    value = args;
                } else {
                    if (next >= values.size()) {
                        throw TemplateError.of("not enough arguments for format string");
                    }
                    value = values.get(next++);
                }
            }
            spec.type = conversion;
            out.append(formatValue(value, spec, true));
        }
        if (!itemAccess && next < values.size()) {
            throw TemplateError.of("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    /** str.format with auto-numbered, numbered and named fields, attribute and item lookups, !s/!r and specs. */
    static String format(String format, List<Object> positional, Map<String, Object> keywords) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c == '}') {
                if (i + 1 < format.length() && format.charAt(i + 1) == '}') {
                    out.append('}');
                    i += 2;
                    continue;
                }
                throw TemplateError.of("Single '}' encountered in format string");
            }
            if (c != '{') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 < format.length() && format.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
                continue;
            }
            int close = format.indexOf('}', i);
            if (close < 0) {
                throw TemplateError.of("Single '{' encountered in format string");
            }
            String field = format.substring(i + 1, close);
            i = close + 1;
            String specText = "";
            int colon = field.indexOf(':');
            if (colon >= 0) {
                specText = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            char conversion = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) {
                conversion = field.length() > bang + 1 ? field.charAt(bang + 1) : 0;
                field = field.substring(0, bang);
            }
            int end = 0;
            while (end < field.length() && field.charAt(end) != '.' && field.charAt(end) != '[') {
                end++;
            }
            String head = field.substring(0, end);
            Object value;
            if (head.isEmpty()) {
                value = argument(positional, auto++);
            } else if (head.chars().allMatch(Character::isDigit)) {
                value = argument(positional, Integer.parseInt(head));
            } else if (keywords.containsKey(head)) {
                value = keywords.get(head);
            } else {
                throw TemplateError.of(PyStrings.repr(head));
            }
            value = lookups(value, field.substring(end));
            if (conversion == 'r' || conversion == 'a') {
                value = PyStrings.repr(value);
            } else if (conversion == 's') {
                value = PyStrings.str(value);
            }
            out.append(formatSpec(value, specText));
        }
        return out.toString();
    }

    private static Object argument(List<Object> positional, int index) {
        if (index >= positional.size()) {
            throw TemplateError.of("Replacement index " + index + " out of range for positional args tuple");
        }
        return positional.get(index);
    }

    private static Object lookups(Object value, String path) {
        int i = 0;
        while (i < path.length()) {
            if (path.charAt(i) == '.') {
                int end = i + 1;
                while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
                    end++;
                }
                value = Attributes.getAttr(value, path.substring(i + 1, end));
                i = end;
            } else {
                int close = path.indexOf(']', i);
                String key = path.substring(i + 1, close);
                value = Attributes.getItem(value, key.chars().allMatch(Character::isDigit) && !key.isEmpty()
                        ? (Object) Long.parseLong(key) : key);
                i = close + 1;
            }
        }
        return value;
    }

    /** The format-spec mini-language: [[fill]align][sign][#][0][width][,][.precision][type]. */
    private static String formatSpec(Object value, String text) {
        Spec spec = new Spec();
        int i = 0;
        if (text.length() > 1 && "<>^=".indexOf(text.charAt(1)) >= 0) {
            spec.fill = text.charAt(0);
            spec.align = text.charAt(1);
            i = 2;
        } else if (!text.isEmpty() && "<>^=".indexOf(text.charAt(0)) >= 0) {
            spec.align = text.charAt(0);
            i = 1;
        }
        if (i < text.length() && "+- ".indexOf(text.charAt(i)) >= 0) {
            spec.flag(text.charAt(i++));
        }
        if (i < text.length() && text.charAt(i) == '#') {
            spec.flag(text.charAt(i++));
        }
        if (i < text.length() && text.charAt(i) == '0') {
            spec.flag(text.charAt(i++));
        }
        int start = i;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        spec.width = start == i ? 0 : Integer.parseInt(text, start, i, 10);
        if (i < text.length() && text.charAt(i) == ',') {
            spec.grouping = true;
            i++;
        }
        if (i < text.length() && text.charAt(i) == '.') {
            start = ++i;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                i++;
            }
            spec.precision = Integer.parseInt(text, start, i, 10);
            spec.hasPrecision = true;
        }
        if (i < text.length()) {
            spec.type = text.charAt(i++);
        }
        if (i != text.length()) {
            throw TemplateError.of("Invalid format specifier '" + text + "'");
        }
        if (spec.type == 0) {
            spec.type = value instanceof Double ? 'r' : PyValues.isInteger(value) && !(value instanceof Boolean) ? 'd' : 's';
        }
        return formatValue(value, spec, false);
    }

    private static final class Spec {
        boolean left;
        boolean zero;
        boolean sign;
        boolean space;
        boolean alternate;
        boolean grouping;
        char fill = ' ';
        char align;
        int width;
        int precision;
        boolean hasPrecision;
        char type;

        void flag(char flag) {
            switch (flag) {
                case '-' -> left = true;
                case '0' -> zero = true;
                case '+' -> sign = true;
                case ' ' -> space = true;
                case '#' -> alternate = true;
                default -> { }
            }
        }
    }

    private static String formatValue(Object value, Spec spec, boolean printf) {
        if (value instanceof Undefined u && spec.type != 's') {
            throw u.fail();
        }
        String body;
        boolean numeric = true;
        switch (spec.type) {
            case 's' -> {
                body = PyStrings.str(value);
                numeric = false;
                if (spec.hasPrecision && body.codePointCount(0, body.length()) > spec.precision) {
                    body = body.substring(0, body.offsetByCodePoints(0, spec.precision));
                }
            }
            case 'r', 'a' -> {
                body = printf ? PyStrings.repr(value) : PyStrings.floatRepr(Numbers.toDouble(requireNumber(value, spec)));
                numeric = !printf;
            }
            case 'd', 'i', 'u' -> body = integerDigits(value, spec, 10);
            case 'x', 'X', 'o', 'b' -> {
                int radix = spec.type == 'o' ? 8 : spec.type == 'b' ? 2 : 16;
                body = integerDigits(value, spec, radix);
                if (spec.alternate) {
                    body = (body.startsWith("-") ? "-" : "") + "0" + Character.toLowerCase(spec.type) + body.replace("-", "");
                }
                if (spec.type == 'X') {
                    body = body.toUpperCase();
                }
            }
            case 'f', 'F', 'e', 'E', 'g', 'G', '%' -> body = floatDigits(Numbers.toDouble(requireNumber(value, spec)), spec);
            case 'c' -> {
                body = value instanceof String s ? s : Character.toString((int) Args.toInteger(value, "%c"));
                numeric = false;
            }
            default -> throw TemplateError.of("unsupported format character '" + spec.type + "'");
        }
        if (numeric && !body.startsWith("-")) {
            body = (spec.sign ? "+" : spec.space ? " " : "") + body;
        }
        return pad(body, spec, numeric);
    }

    private static Object requireNumber(Object value, Spec spec) {
        if (!PyValues.isNumber(value)) {
            throw TemplateError.of("must be real number, not " + PyValues.typeName(value));
        }
        return value;
    }

    private static String integerDigits(Object value, Spec spec, int radix) {
        Object number = value instanceof Double d ? (Object) new BigDecimal(d).toBigInteger() : value;
        if (!PyValues.isInteger(number)) {
            throw TemplateError.of("%" + spec.type + " format: a real number is required, not " + PyValues.typeName(value));
        }
        BigInteger integer = Numbers.toBig(number);
        String digits = integer.toString(radix);
        if (spec.grouping && radix == 10) {
            digits = String.format("%,d", integer);
        }
        return digits;
    }

    private static String floatDigits(double value, Spec spec) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            String text = Double.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
            return Character.isUpperCase(spec.type) ? text.toUpperCase() : text;
        }
        int precision = spec.hasPrecision ? spec.precision : 6;
        return switch (spec.type) {
            case 'f', 'F' -> fixed(value, precision, spec.grouping);
            case '%' -> fixed(value * 100, precision, spec.grouping) + "%";
            case 'e', 'E' -> {
                String text = scientific(value, precision);
                yield spec.type == 'E' ? text.toUpperCase() : text;
            }
            default -> {
                int significant = precision == 0 ? 1 : precision;
                BigDecimal rounded = new BigDecimal(value).round(new MathContext(significant, RoundingMode.HALF_EVEN));
                int exponent = rounded.signum() == 0 ? 0 : rounded.precision() - rounded.scale() - 1;
                String text = exponent >= -4 && exponent < significant
                        ? fixed(value, significant - 1 - exponent, false) : scientific(value, significant - 1);
                if (!spec.alternate) {
                    text = stripFractionZeros(text);
                }
                yield spec.type == 'G' ? text.toUpperCase() : text;
            }
        };
    }

    private static String fixed(double value, int precision, boolean grouping) {
        BigDecimal rounded = new BigDecimal(value).setScale(precision, RoundingMode.HALF_EVEN);
        String text = grouping ? String.format("%,." + precision + "f", rounded) : rounded.toPlainString();
        return value < 0 || (value == 0 && 1 / value < 0) ? (text.startsWith("-") ? text : "-" + text) : text;
    }

    private static String scientific(double value, int precision) {
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
        int exponent = rounded.signum() == 0 ? 0 : rounded.precision() - rounded.scale() - 1;
        BigDecimal mantissa = rounded.movePointLeft(exponent).setScale(precision, RoundingMode.HALF_EVEN);
        String sign = exponent < 0 ? "-" : "+";
        int magnitude = Math.abs(exponent);
        return mantissa.toPlainString() + "e" + sign + (magnitude < 10 ? "0" : "") + magnitude;
    }

    private static String stripFractionZeros(String text) {
        int e = text.indexOf('e');
        String mantissa = e < 0 ? text : text.substring(0, e);
        String exponent = e < 0 ? "" : text.substring(e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "");
            if (mantissa.endsWith(".")) {
                mantissa = mantissa.substring(0, mantissa.length() - 1);
            }
        }
        return mantissa + exponent;
    }

    private static String pad(String body, Spec spec, boolean numeric) {
        int length = body.codePointCount(0, body.length());
        if (spec.width <= length) {
            return body;
        }
        int missing = spec.width - length;
        char align = spec.align != 0 ? spec.align : spec.left ? '<' : numeric ? '>' : '<';
        if (spec.zero && numeric && spec.align == 0 && !spec.left) {
            int signLength = body.startsWith("-") || body.startsWith("+") || body.startsWith(" ") ? 1 : 0;
            return body.substring(0, signLength) + "0".repeat(missing) + body.substring(signLength);
        }
        String fill = String.valueOf(spec.fill);
        return switch (align) {
            case '<' -> body + fill.repeat(missing);
            case '^' -> fill.repeat(missing / 2) + body + fill.repeat(missing - missing / 2);
            case '=' -> {
                int signLength = body.startsWith("-") || body.startsWith("+") ? 1 : 0;
                yield body.substring(0, signLength) + fill.repeat(missing) + body.substring(signLength);
            }
            default -> fill.repeat(missing) + body;
        };
    }
}
