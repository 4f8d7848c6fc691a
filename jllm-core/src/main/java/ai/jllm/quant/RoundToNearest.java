package ai.jllm.quant;

/**
 * Round-to-nearest weight quantization, one output row at a time, in float32 arithmetic with ties to even (so a
 * numpy float32 implementation of the same steps gives the same codes):
 * <ul>
 *   <li>int8, per channel, symmetric: {@code scale = max|w| / 127}, {@code q = clamp(rint(w / scale), -127, 127)};</li>
 *   <li>int4, per group, asymmetric: {@code scale = (max - min) / 15}, {@code zero = clamp(rint(-min / scale), 0, 15)},
 *       {@code q = clamp(rint(w / scale) + zero, 0, 15)}. A constant group uses {@code scale = |w|} (1 for zeros), so
 *       it is still exact.</li>
 * </ul>
 */
public final class RoundToNearest {

    public static final int INT8_MAX = 127;
    public static final int INT4_LEVELS = 15;

    private RoundToNearest() {}

    /** Quantizes {@code row[0, length)} into {@code codes[codeOffset...]} and returns the row's scale. */
    public static float int8Row(float[] row, int length, byte[] codes, int codeOffset) {
        float maxAbs = 0f;
        for (int i = 0; i < length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(row[i]));
        }
        float scale = maxAbs > 0f ? maxAbs / INT8_MAX : 1f;
        for (int i = 0; i < length; i++) {
            double q = Math.rint(row[i] / scale);
            codes[codeOffset + i] = (byte) Math.max(-INT8_MAX, Math.min(INT8_MAX, q));
        }
        return scale;
    }

    /**
     * Quantizes {@code row[0, length)} in groups of {@code groupSize}: codes into {@code codes[codeOffset...]}, one scale
     * and zero per group into {@code scales} and {@code zeros} from {@code groupOffset}.
     */
    public static void int4Row(float[] row, int length, int groupSize, byte[] codes, int codeOffset, float[] scales,
                               byte[] zeros, int groupOffset) {
        for (int start = 0, group = groupOffset; start < length; start += groupSize, group++) {
            int end = Math.min(length, start + groupSize);
            float min = row[start];
            float max = row[start];
            for (int i = start + 1; i < end; i++) {
                min = Math.min(min, row[i]);
                max = Math.max(max, row[i]);
            }
            float scale = (max - min) / INT4_LEVELS;
            if (!(scale > 0f)) {
                scale = max != 0f ? Math.abs(max) : 1f;
            }
            int zero = (int) Math.max(0, Math.min(INT4_LEVELS, Math.rint(-min / scale)));
            for (int i = start; i < end; i++) {
                double q = Math.rint(row[i] / scale) + zero;
                codes[codeOffset + i] = (byte) Math.max(0, Math.min(INT4_LEVELS, q));
            }
            scales[group] = scale;
            zeros[group] = (byte) zero;
        }
    }
}
