package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Random;

/** Random inputs, stored-tensor views and the normalized-error check the GPU tests share. */
final class DeviceTensors {

    /**
     * Relative error ‖actual − expected‖ / ‖expected‖ allowed for bf16 results: outputs rounded to 8 significant bits
     * (about 2e-3 relative each) plus float32 math in another order, with room for bf16 intermediates.
     */
    static final double BF16_TOLERANCE = 1e-2;

    private final Random random;
    private final Arena arena;

    DeviceTensors(long seed, Arena arena) {
        this.random = new Random(seed);
        this.arena = arena;
    }

    /** Uniform values in [-scale, scale), already bf16-representable so both backends start from the same numbers. */
    float[] bf16Values(int count, double scale) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = Bf16.round((float) ((random.nextDouble() * 2 - 1) * scale));
        }
        return values;
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** A stored tensor as a checkpoint would hold it, in {@code dtype}. */
    TensorView view(String name, float[] values, DType dtype, long... shape) {
        MemorySegment data = arena.allocate((long) values.length * dtype.byteSize(), 8);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT, i, values[i]);
                case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT, i, Bf16.fromFloat(values[i]));
                case F16 -> data.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(values[i]));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return new TensorView(name, dtype, shape, data, Path.of("random.safetensors"));
    }

    static float[] nans(int count) {
        float[] values = new float[count];
        java.util.Arrays.fill(values, Float.NaN);
        return values;
    }

    static double relativeError(float[] actual, float[] expected, int count) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < count; i++) {
            double d = (double) actual[i] - expected[i];
            difference += d * d;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(difference / norm);
    }

    /** Every element written (no NaN left from the poison) and the whole within {@code tolerance}. */
    static void assertClose(float[] actual, float[] expected, int count, double tolerance, String what) {
        for (int i = 0; i < count; i++) {
            assertThat(Float.isFinite(actual[i])).as(what + ": element " + i + " is " + actual[i] + " (expected "
                    + expected[i] + ")").isTrue();
        }
        assertThat(relativeError(actual, expected, count)).as(what + ": relative error").isLessThanOrEqualTo(tolerance);
    }
}
