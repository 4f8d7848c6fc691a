package ai.jllm.tensor;

/**
 * FP8 E4M3 ("float8_e4m3fn", OCP FP8): 1 sign, 4 exponent (bias 7) and 3 mantissa bits; no infinities, NaN is
 * {@code S.1111.111}, so the largest finite value is 448 and the smallest subnormal 2^-9. Encoding rounds to nearest,
 * ties to even, and saturates to ±448, as PyTorch's {@code x.clamp(-448, 448).to(torch.float8_e4m3fn)} and CUDA's
 * {@code cvt.rn.satfinite.e4m3x2.f32} do; fp8.cu's encoder is this one in C.
 */
public final class Fp8E4m3 {

    /** The largest finite value. */
    public static final float MAX = 448f;
    /** The code of NaN (positive sign). */
    public static final byte NAN = 0x7f;

    private static final float MIN_NORMAL = 0x1p-6f;

    private Fp8E4m3() {}

    /** {@code value} rounded to the nearest E4M3 value (ties to even), saturated to ±448; NaN stays NaN. */
    public static byte encode(float value) {
        if (Float.isNaN(value)) {
            return NAN;
        }
        int sign = Float.floatToRawIntBits(value) >>> 24 & 0x80;
        float magnitude = Math.min(Math.abs(value), MAX);
        int code;
        if (magnitude < MIN_NORMAL) {
            // Subnormals are the multiples of 2^-9 below 2^-6: codes 0..7, and 8 is 2^-6, the first normal code.
            code = (int) Math.rint(magnitude * 0x1p9f);
        } else {
            // Round float32's 23 mantissa bits to 3, ties to even; a carry moves into the exponent as it should.
            int bits = Float.floatToRawIntBits(magnitude);
            bits += 0x7ffff + (bits >>> 20 & 1);
            code = (bits >>> 20) - ((127 - 7) << 3);
        }
        return (byte) (sign | code);
    }

    /** The value of an E4M3 code. */
    public static float decode(byte code) {
        int bits = code & 0xff;
        int magnitude = bits & 0x7f;
        if (magnitude == 0x7f) {
            return Float.NaN;
        }
        int exponent = magnitude >>> 3;
        int mantissa = magnitude & 7;
        float value = exponent == 0 ? mantissa * 0x1p-9f : Math.scalb(1f + mantissa / 8f, exponent - 7);
        return (bits & 0x80) != 0 ? -value : value;
    }

    /**
     * Per-channel symmetric quantization of {@code row[0, length)}: {@code scale = max|w| / 448} (1 for a zero row),
     * {@code codes[codeOffset + i] = encode(w[i] / scale)}; returns the scale. Dividing (not multiplying by a
     * reciprocal) matches fp8.cu's per-token activation quantization and PyTorch's {@code (w / scale)}.
     */
    public static float quantizeRow(float[] row, int length, byte[] codes, int codeOffset) {
        float maxAbs = 0f;
        for (int i = 0; i < length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(row[i]));
        }
        float scale = maxAbs > 0f ? maxAbs / MAX : 1f;
        for (int i = 0; i < length; i++) {
            codes[codeOffset + i] = encode(row[i] / scale);
        }
        return scale;
    }
}
