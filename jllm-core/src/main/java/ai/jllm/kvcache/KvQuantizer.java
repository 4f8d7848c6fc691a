package ai.jllm.kvcache;

import ai.jllm.config.KvCacheDtype;
import ai.jllm.tensor.Fp8E4m3;

/**
 * Quantizes one (token, kv head) row of keys or values for an 8-bit cache: scale = amax / codeMax (448 for E4M3, 127
 * for int8), code = round(x / scale) (E4M3: nearest even, saturated; int8: nearest even, clamped to ±127), value =
 * code × scale. The scale needs no calibration and follows each row's own range, so one outlier head or token does
 * not cost the others their precision. The CUDA write kernel computes the same divisions and roundings.
 */
public final class KvQuantizer {

    private KvQuantizer() {}

    /**
     * Writes the codes of {@code x[offset, offset + length)} to {@code codes[codeOffset, ...)} and returns the row's
     * scale (0 for an all-zero row, whose codes are then 0).
     */
    public static float quantize(KvCacheDtype dtype, float[] x, int offset, int length, byte[] codes, int codeOffset) {
        float amax = 0f;
        for (int i = 0; i < length; i++) {
            amax = Math.max(amax, Math.abs(x[offset + i]));
        }
        float scale = amax / dtype.codeMax();
        for (int i = 0; i < length; i++) {
            codes[codeOffset + i] = scale == 0f ? 0 : encode(dtype, x[offset + i] / scale);
        }
        return scale;
    }

    /** The code of an already scaled value. */
    public static byte encode(KvCacheDtype dtype, float scaled) {
        return switch (dtype) {
            case FP8 -> Fp8E4m3.encode(scaled);
            case INT8 -> (byte) Math.max(-127, Math.min(127, (int) Math.rint(scaled)));
            case AUTO -> throw new IllegalStateException("an auto KV cache is not quantized");
        };
    }

    /** The value of a code before its row's scale: E4M3 decoded, or the int8 itself. */
    public static float decode(KvCacheDtype dtype, byte code) {
        return switch (dtype) {
            case FP8 -> Fp8E4m3.decode(code);
            case INT8 -> code;
            case AUTO -> throw new IllegalStateException("an auto KV cache is not quantized");
        };
    }
}
