package ai.jllm.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Python's {@code str()} and {@code repr()} of template values, which is what {@code {{ value }}} prints. */
final class PyStrings {

    private PyStrings() {}

    static String str(Object value) {
        return switch (value) {
            case String s -> s;
            case Markup m -> m.text();
            case Undefined ignored -> "";
            case null, default -> repr(value);
        };
    }

    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        appendRepr(out, value);
        return out.toString();
    }

    private static void appendRepr(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("None");
            case String s -> appendStringRepr(out, s);
            case Boolean b -> out.append(b ? "True" : "False");
            case Long l -> out.append(l.longValue());
            case BigInteger b -> out.append(b);
            case Double d -> out.append(floatRepr(d));
            case List<?> list -> appendItems(out, "[", list.iterator(), "]");
            case PyTuple tuple -> appendItems(out, "(", tuple.items().iterator(), tuple.items().size() == 1 ? ",)" : ")");
            case Map<?, ?> map -> appendMap(out, map);
            case Markup m -> {
                out.append("Markup(");
                appendStringRepr(out, m.text());
                out.append(')');
            }
            case Undefined ignored -> out.append("Undefined");
            case Namespace ns -> {
                out.append("<Namespace ");
                appendMap(out, ns.attributes());
                out.append('>');
            }
            case DictView view -> {
                out.append(view.kind().typeName).append('(');
                appendItems(out, "[", view.elements().iterator(), "]");
                out.append(')');
            }
            case Generator generator -> out.append('<').append(generator.typeName()).append(" object>");
            default -> out.append(value);
        }
    }

    private static void appendItems(StringBuilder out, String open, Iterator<?> items, String close) {
        out.append(open);
        boolean first = true;
        while (items.hasNext()) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            appendRepr(out, items.next());
        }
        out.append(close);
    }

    private static void appendMap(StringBuilder out, Map<?, ?> map) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            appendRepr(out, entry.getKey());
            out.append(": ");
            appendRepr(out, entry.getValue());
        }
        out.append('}');
    }

    /** Python quotes with ' unless the text contains ' but no ", and escapes what is not printable. */
    private static void appendStringRepr(StringBuilder out, String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (cp < 0x7f ? cp >= 0x20 : PyChars.isPrintable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                out.append("\\x").append(hex(cp, 2));
            } else if (cp <= 0xffff) {
                out.append("\\u").append(hex(cp, 4));
            } else {
                out.append("\\U").append(hex(cp, 8));
            }
        }
        out.append(quote);
    }

    static String hex(int value, int digits) {
        String hex = Integer.toHexString(value);
        return "0".repeat(Math.max(0, digits - hex.length())) + hex;
    }

    /**
     * Java's Double.toString gives the shortest round-tripping digits except that, when one digit would do, it
     * may give two that are closer (4.9E-324); Python always takes the shortest, so try one digit first.
     */
    private static BigDecimal shortestDecimal(double magnitude) {
        BigDecimal decimal = new BigDecimal(Double.toString(magnitude)).stripTrailingZeros();
        if (decimal.precision() == 2) {
            BigDecimal oneDigit = new BigDecimal(magnitude).round(new MathContext(1, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(oneDigit.toString()) == magnitude) {
                return oneDigit.stripTrailingZeros();
            }
        }
        return decimal;
    }

    /**
     * Python's float repr: the shortest digits that round-trip (Java's Double.toString finds the same ones),
     * laid out in positional notation for exponents -4..15 and scientific ({@code 1e+16}) otherwise.
     */
    static String floatRepr(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return (1 / value) < 0 ? "-0.0" : "0.0";
        }
        BigDecimal decimal = shortestDecimal(Math.abs(value));
        String digits = decimal.unscaledValue().toString();
        int exponent = digits.length() - 1 - decimal.scale();
        StringBuilder out = new StringBuilder(digits.length() + 8);
        if (value < 0) {
            out.append('-');
        }
        if (exponent >= 16 || exponent < -4) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int magnitude = Math.abs(exponent);
            if (magnitude < 10) {
                out.append('0');
            }
            out.append(magnitude);
        } else if (exponent >= 0) {
            if (digits.length() <= exponent + 1) {
                out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
            } else {
                out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
            }
        } else {
            out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
        }
        return out.toString();
    }
}
