package ai.jllm.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * Python number arithmetic: ints are unbounded (Long, promoted to BigInteger on overflow), bools count as
 * ints, {@code /} always gives a float, {@code //} and {@code %} floor toward negative infinity.
 */
final class Numbers {

    /** Exponents above this would build integers of megabytes; no chat template needs them. */
    private static final int MAX_INTEGER_EXPONENT = 10_000;

    private Numbers() {}

    static boolean isNaN(Object value) {
        return value instanceof Double d && d.isNaN();
    }

    private static boolean isFloat(Object value) {
        return value instanceof Double;
    }

    static double toDouble(Object value) {
        return switch (value) {
            case Double d -> d;
            case Long l -> l;
            case BigInteger b -> b.doubleValue();
            case Boolean b -> b ? 1 : 0;
            default -> throw new IllegalArgumentException("not a number: " + value);
        };
    }

    static BigInteger toBig(Object value) {
        return switch (value) {
            case Long l -> BigInteger.valueOf(l);
            case BigInteger b -> b;
            case Boolean b -> b ? BigInteger.ONE : BigInteger.ZERO;
            default -> throw new IllegalArgumentException("not an integer: " + value);
        };
    }

    /** Exact comparison, also between a large int and a float (Python does not round the int first). */
    static int compare(Object a, Object b) {
        if (isFloat(a) || isFloat(b)) {
            double x = toDouble(a);
            double y = toDouble(b);
            if (Double.isNaN(x) || Double.isNaN(y) || Double.isInfinite(x) || Double.isInfinite(y)
                    || (isFloat(a) && isFloat(b))) {
                return Double.compare(x, y);
            }
            return toExact(a).compareTo(toExact(b));
        }
        if (a instanceof BigInteger || b instanceof BigInteger) {
            return toBig(a).compareTo(toBig(b));
        }
        return Long.compare(toLongExact(a), toLongExact(b));
    }

    private static BigDecimal toExact(Object value) {
        return value instanceof Double d ? new BigDecimal(d) : new BigDecimal(toBig(value));
    }

    private static long toLongExact(Object value) {
        return value instanceof Boolean b ? (b ? 1 : 0) : (Long) value;
    }

    static Object add(Object a, Object b) {
        if (isFloat(a) || isFloat(b)) {
            return toDouble(a) + toDouble(b);
        }
        if (a instanceof BigInteger || b instanceof BigInteger) {
            return PyValues.normalizeInteger(toBig(a).add(toBig(b)));
        }
        long x = toLongExact(a);
        long y = toLongExact(b);
        long sum = x + y;
        return ((x ^ sum) & (y ^ sum)) < 0 ? toBig(a).add(toBig(b)) : (Object) sum;
    }

    static Object subtract(Object a, Object b) {
        if (isFloat(a) || isFloat(b)) {
            return toDouble(a) - toDouble(b);
        }
        return PyValues.normalizeInteger(toBig(a).subtract(toBig(b)));
    }

    static Object multiply(Object a, Object b) {
        if (isFloat(a) || isFloat(b)) {
            return toDouble(a) * toDouble(b);
        }
        if (a instanceof BigInteger || b instanceof BigInteger) {
            return PyValues.normalizeInteger(toBig(a).multiply(toBig(b)));
        }
        long x = toLongExact(a);
        long y = toLongExact(b);
        long high = Math.multiplyHigh(x, y);
        long low = x * y;
        return (high == 0 && low >= 0) || (high == -1 && low < 0) ? (Object) low : toBig(a).multiply(toBig(b));
    }

    static Object negate(Object a) {
        return isFloat(a) ? (Object) (-toDouble(a)) : PyValues.normalizeInteger(toBig(a).negate());
    }

    static Object plus(Object a) {
        return a instanceof Boolean b ? (Object) (b ? 1L : 0L) : a;
    }

    static Object trueDivide(Object a, Object b) {
        if (!isFloat(a) && !isFloat(b)) {
            BigInteger divisor = toBig(b);
            if (divisor.signum() == 0) {
                throw TemplateError.of("division by zero");
            }
            BigInteger dividend = toBig(a);
            if (dividend.bitLength() < 53 && divisor.bitLength() < 53) {
                return dividend.doubleValue() / divisor.doubleValue();
            }
            return new BigDecimal(dividend).divide(new BigDecimal(divisor), MathContext.DECIMAL128).doubleValue();
        }
        double y = toDouble(b);
        if (y == 0) {
            throw TemplateError.of("float division by zero");
        }
        return toDouble(a) / y;
    }

    static Object floorDivide(Object a, Object b) {
        if (isFloat(a) || isFloat(b)) {
            return floatDivmod(toDouble(a), toDouble(b), "float floor division by zero")[0];
        }
        BigInteger divisor = toBig(b);
        if (divisor.signum() == 0) {
            throw TemplateError.of("integer division or modulo by zero");
        }
        BigInteger[] qr = toBig(a).divideAndRemainder(divisor);
        BigInteger quotient = qr[0];
        if (qr[1].signum() != 0 && qr[1].signum() != divisor.signum()) {
            quotient = quotient.subtract(BigInteger.ONE);
        }
        return PyValues.normalizeInteger(quotient);
    }

    static Object modulo(Object a, Object b) {
        if (isFloat(a) || isFloat(b)) {
            return floatDivmod(toDouble(a), toDouble(b), "float modulo")[1];
        }
        BigInteger divisor = toBig(b);
        if (divisor.signum() == 0) {
            throw TemplateError.of("integer modulo by zero");
        }
        BigInteger remainder = toBig(a).mod(divisor.abs());
        if (divisor.signum() < 0 && remainder.signum() != 0) {
            remainder = remainder.add(divisor);
        }
        return PyValues.normalizeInteger(remainder);
    }

    /** CPython's float_divmod, so signs, zeros and rounding come out as Python's. */
    private static double[] floatDivmod(double x, double y, String zeroMessage) {
        if (y == 0) {
            throw TemplateError.of(zeroMessage);
        }
        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0) {
            if ((y < 0) != (mod < 0)) {
                mod += y;
                div -= 1.0;
            }
        } else {
            mod = Math.copySign(0.0, y);
        }
        double floorDiv;
        if (div != 0) {
            floorDiv = Math.floor(div);
            if (div - floorDiv > 0.5) {
                floorDiv += 1.0;
            }
        } else {
            floorDiv = Math.copySign(0.0, x / y);
        }
        return new double[] {floorDiv, mod};
    }

    static Object power(Object a, Object b) {
        if (!isFloat(a) && !isFloat(b)) {
            BigInteger exponent = toBig(b);
            BigInteger base = toBig(a);
            if (exponent.signum() >= 0) {
                if (exponent.compareTo(BigInteger.valueOf(MAX_INTEGER_EXPONENT)) > 0 && base.abs().compareTo(BigInteger.ONE) > 0) {
                    throw TemplateError.of("integer exponent too large");
                }
                return PyValues.normalizeInteger(base.pow(exponent.intValueExact()));
            }
            if (base.signum() == 0) {
                throw TemplateError.of("0.0 cannot be raised to a negative power");
            }
        }
        double x = toDouble(a);
        double y = toDouble(b);
        if (x == 0 && y < 0) {
            throw TemplateError.of("0.0 cannot be raised to a negative power");
        }
        if (x < 0 && y != Math.rint(y)) {
            throw TemplateError.of("negative number cannot be raised to a fractional power");
        }
        return Math.pow(x, y);
    }

    static Object abs(Object a) {
        return switch (a) {
            case Double d -> Math.abs(d);
            case Boolean b -> b ? 1L : 0L;
            default -> PyValues.normalizeInteger(toBig(a).abs());
        };
    }
}
