package ai.jllm.tensor;

/**
 * The 8-bit float E4M3 of the OCP FP8 format ({@code float8_e4m3fn}): 1 sign, 4 exponent (bias 7), 3 mantissa bits,
 * no infinities, one NaN pattern per sign (S.1111.111), largest finite value 448, smallest subnormal 2^-9.
 * Encoding rounds to nearest, ties to even, and saturates at ±448 (instead of producing NaN), as the CUDA kernels,
 * PyTorch's {@code x.clamp(-448, 448).to(torch.float8_e4m3fn)} and CUDA's {@code cvt.rn.satfinite.e4m3x2.f32} do.
 */
public final class Fp8E4m3 {

    /** The largest finite magnitude. */
    public static final float MAX = 448f;

    /** The code of NaN (positive sign). */
    public static final byte NAN = 0x7f;

    /** The code of +448 (exponent 15, mantissa 110); 0x7f is NaN. */
    private static final int MAX_CODE = 0x7e;
    /** The smallest normal magnitude, 2^-6: below it values are subnormal multiples of 2^-9. */
    private static final float MIN_NORMAL = 0x1p-6f;

    private static final float[] DECODED = new float[256];

    static {
        for (int code = 0; code < 256; code++) {
            DECODED[code] = decodeBits(code);
        }
    }

    private Fp8E4m3() {}

    /** x as E4M3, rounded to nearest even, saturated at ±448; NaN stays NaN. */
    public static byte encode(float x) {
        int sign = Float.floatToRawIntBits(x) >>> 31 << 7;
        float magnitude = Math.abs(x);
        if (Float.isNaN(x)) {
            return (byte) (sign | 0x7f);
        }
        int code;
        if (magnitude < MIN_NORMAL) {
            // Subnormal: magnitude = m * 2^-9, m in [0, 8]; m = 8 is the smallest normal's code.
            code = (int) Math.rint(magnitude * 512f);
        } else if (magnitude >= MAX) {
            code = MAX_CODE;
        } else {
            // Round the 23-bit float mantissa to 3 bits (ties to even; a carry moves into the exponent), then rebias
            // the exponent from 127 to 7.
            int bits = Float.floatToRawIntBits(magnitude);
            bits += 0x7ffff + ((bits >>> 20) & 1);
            code = Math.min((bits >>> 20) - (120 << 3), MAX_CODE);
        }
        return (byte) (sign | code);
    }

    /** The value of an E4M3 code. */
    public static float decode(byte code) {
        return DECODED[code & 0xff];
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

    /**
     * The code's 7 exponent-and-mantissa bits placed at the top of a float32's exponent and mantissa make a float whose
     * exponent is 120 too small, for normal and subnormal codes alike: one multiply by 2^120 gives the value. The CUDA
     * kernels decode the same way.
     */
    private static float decodeBits(int code) {
        if ((code & 0x7f) == 0x7f) {
            return Float.NaN;
        }
        float magnitude = Float.intBitsToFloat((code & 0x7f) << 20) * 0x1p120f;
        return (code & 0x80) != 0 ? -magnitude : magnitude;
    }
}
