package ai.jllm.cuda;

/** bfloat16 on the host: the upper 16 bits of a float32, rounded to nearest even as torch rounds. */
final class Bf16 {

    private Bf16() {}

    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        bits += 0x7fff + ((bits >>> 16) & 1);
        return (short) (bits >>> 16);
    }

    static float toFloat(short value) {
        return Float.intBitsToFloat((value & 0xffff) << 16);
    }

    /** The nearest bfloat16 value, as a float: what a value becomes once stored on the device. */
    static float round(float value) {
        return toFloat(fromFloat(value));
    }
}
