package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import ai.jllm.quant.Int4Codes;
import ai.jllm.quant.Int4Packing;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CPU's int8 and int4 linear kernels against a plain dequantize-then-multiply reference written here from the
 * formats' definitions, on random codes, scales and zero points, with row counts that exercise both the four-token
 * and the single-token paths, and outputs poisoned beforehand.
 */
class QuantizedLinearTest {

    private final CpuBackend backend = new CpuBackend(3);
    private final Arena arena = Arena.ofShared();
    private final Random random = new Random(7);

    @AfterEach
    void close() {
        backend.close();
        arena.close();
    }

    @ParameterizedTest(name = "{0} rows, {1} -> {2}, bias {3}")
    @CsvSource({"1,64,48,false", "5,67,33,true", "9,130,19,true", "4,16,1,false", "2,3,5,true"})
    void int8MatchesDequantizedProduct(int rows, int in, int out, boolean withBias) {
        byte[] codes = new byte[out * in];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (random.nextInt(255) - 127);
        }
        float[] scales = positives(out);
        float[] bias = randoms(out);
        QuantizedLinear.Int8 weight = new QuantizedLinear.Int8(
                view("w", DType.I8, MemorySegment.ofArray(codes), out, in),
                view("s", DType.F32, floats(scales), out));
        float[] x = randoms(rows * in);
        float[] actual = run(backend.linear(weight, withBias ? List.of(view("b", DType.F32, floats(bias), out))
                : List.of()), x, rows, in, out);
        for (int t = 0; t < rows; t++) {
            for (int o = 0; o < out; o++) {
                double sum = withBias ? bias[o] : 0;
                for (int i = 0; i < in; i++) {
                    sum += (double) (codes[o * in + i] * scales[o]) * x[t * in + i];
                }
                assertThat(actual[t * out + o]).as("out[%d, %d]", t, o).isCloseTo((float) sum, tolerance(in));
            }
        }
    }

    @ParameterizedTest(name = "{0} rows, {1} -> {2}, groups of {3}, act-order {4}, bias {5}")
    @CsvSource({"1,128,40,32,false,false", "4,256,24,128,false,true", "7,384,19,128,true,true",
            "9,64,8,64,false,false", "3,192,11,32,true,false", "13,128,6,128,false,true"})
    void int4MatchesDequantizedProduct(int rows, int in, int out, int groupSize, boolean actOrder, boolean withBias) {
        int groups = in / groupSize;
        byte[] codes = new byte[out * in];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) random.nextInt(16);
        }
        float[] scales = positives(out * groups);
        byte[] zeros = new byte[out * groups];
        for (int i = 0; i < zeros.length; i++) {
            zeros[i] = (byte) (1 + random.nextInt(16)); // GPTQ's format reaches 16
        }
        int[] groupOf = new int[in];
        for (int c = 0; c < in; c++) {
            groupOf[c] = c / groupSize;
        }
        if (actOrder) {
            shuffle(groupOf);
        }
        Int4Codes weight = new Int4Codes(out, in, groupSize, codes, scales, zeros,
                actOrder ? Optional.of(groupOf) : Optional.empty());
        QuantizedLinear.Int4 packed = Int4Packing.pack(weight, "layer", Path.of("test"));
        assertThat(packed.inputOrder().isPresent()).isEqualTo(actOrder);
        float[] bias = randoms(out);
        float[] x = randoms(rows * in);
        float[] actual = run(backend.linear(packed, withBias ? List.of(view("b", DType.F32, floats(bias), out))
                : List.of()), x, rows, in, out);
        for (int t = 0; t < rows; t++) {
            for (int o = 0; o < out; o++) {
                double sum = withBias ? bias[o] : 0;
                for (int c = 0; c < in; c++) {
                    int group = o * groups + groupOf[c];
                    float w = (codes[o * in + c] - zeros[group]) * scales[group];
                    sum += (double) w * x[t * in + c];
                }
                assertThat(actual[t * out + o]).as("out[%d, %d]", t, o).isCloseTo((float) sum, tolerance(in));
            }
        }
    }

    /** The narrower runs of this test (jllm-cpu's pom) must really run narrower vectors. */
    @Test
    void vectorWidthIsWhatTheRunAskedFor() {
        String maxLanes = System.getProperty("jllm.test.maxFloatLanes");
        if (maxLanes != null) {
            assertThat(VectorKernels.FLOATS.length()).isLessThanOrEqualTo(Integer.parseInt(maxLanes));
        }
    }

    @Test
    void int4GroupsMustDivideTheInputs() {
        Int4Codes weight = new Int4Codes(2, 96, 64, new byte[192], new float[4], new byte[4], Optional.empty());
        assertThatThrownBy(() -> Int4Packing.pack(weight, "layers.0.ffn.down", Path.of("test")))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("layers.0.ffn.down").hasMessageContaining("groups of 64");
    }

    private float[] run(LinearWeights linear, float[] x, int rows, int in, int out) {
        Tensor input = backend.upload(x, rows, in);
        Tensor output = backend.upload(filled(rows * out, Float.NaN), rows, out);
        backend.linear(input, linear, rows, output);
        float[] actual = new float[rows * out];
        backend.copyToHost(output, rows, actual);
        return actual;
    }

    /** float32 products summed in another order: the error grows with the length of the dot product. */
    private static org.assertj.core.data.Offset<Float> tolerance(int n) {
        return org.assertj.core.data.Offset.offset(2e-5f * n);
    }

    private void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }

    private float[] randoms(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    private float[] positives(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = 0.001f + random.nextFloat() * 0.05f;
        }
        return values;
    }

    private static float[] filled(int n, float value) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, value);
        return values;
    }

    private MemorySegment floats(float[] values) {
        MemorySegment segment = arena.allocate((long) values.length * Float.BYTES);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return segment;
    }

    private static TensorView view(String name, DType dtype, MemorySegment data, long... shape) {
        return new TensorView(name, dtype, shape, data, Path.of("test"));
    }
}
