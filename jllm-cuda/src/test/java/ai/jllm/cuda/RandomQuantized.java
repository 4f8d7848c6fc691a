package ai.jllm.cuda;

import ai.jllm.quant.Int4Codes;
import ai.jllm.quant.Int4Packing;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

/**
 * Random int8 and int4 weights in jllm's layouts, with the dense matrix they stand for, written here from the formats'
 * definitions (docs/engine.md) as the reference: W[o, i] = q * scale[o] (int8), (q - zero) * scale per group (int4).
 * Scales are chosen so that W's entries are about 1.5 / sqrt(in), which keeps products of unit inputs near 1.
 *
 * @param weights the stored form
 * @param dense   W [out, in] in input order, f32
 */
record RandomQuantized(QuantizedLinear weights, float[] dense) {

    static RandomQuantized int8(Random random, Arena arena, int out, int in) {
        byte[] codes = new byte[out * in];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (random.nextInt(255) - 127);
        }
        float[] scales = new float[out];
        for (int o = 0; o < out; o++) {
            scales[o] = (float) ((0.5 + random.nextDouble()) * 1.5 / Math.sqrt(in) / 127);
        }
        float[] dense = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                dense[o * in + i] = codes[o * in + i] * scales[o];
            }
        }
        MemorySegment codeData = arena.allocate(codes.length);
        MemorySegment.copy(codes, 0, codeData, ValueLayout.JAVA_BYTE, 0, codes.length);
        QuantizedLinear.Int8 weights = new QuantizedLinear.Int8(
                new TensorView("w", DType.I8, new long[] {out, in}, codeData, Path.of("random")),
                new TensorView("s", DType.F32, new long[] {out}, floats(arena, scales), Path.of("random")));
        return new RandomQuantized(weights, dense);
    }

    /** Act-order shuffles which group each input column belongs to, as GPTQ's g_idx does. */
    static RandomQuantized int4(Random random, int out, int in, int groupSize, boolean actOrder) {
        int groups = in / groupSize;
        byte[] codes = new byte[out * in];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) random.nextInt(16);
        }
        float[] scales = new float[out * groups];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) ((0.5 + random.nextDouble()) * 1.5 / Math.sqrt(in) / 8);
        }
        byte[] zeros = new byte[out * groups];
        for (int i = 0; i < zeros.length; i++) {
            zeros[i] = (byte) (1 + random.nextInt(16)); // GPTQ's format reaches 16
        }
        int[] groupOf = new int[in];
        for (int c = 0; c < in; c++) {
            groupOf[c] = c / groupSize;
        }
        if (actOrder) {
            for (int i = in - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = groupOf[i];
                groupOf[i] = groupOf[j];
                groupOf[j] = swap;
            }
        }
        float[] dense = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                int group = o * groups + groupOf[c];
                dense[o * in + c] = (codes[o * in + c] - zeros[group]) * scales[group];
            }
        }
        Int4Codes weight = new Int4Codes(out, in, groupSize, codes, scales, zeros,
                actOrder ? Optional.of(groupOf) : Optional.empty());
        return new RandomQuantized(Int4Packing.pack(weight, "random", Path.of("random")), dense);
    }

    /** y = x W^T (+ b) in double.  x: [rows, in], bias: [out] or null, y: [rows, out] */
    float[] multiply(float[] x, int rows, float[] bias) {
        int in = weights.inFeatures();
        int out = weights.outFeatures();
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double sum = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) {
                    sum += (double) dense[o * in + i] * x[r * in + i];
                }
                y[r * out + o] = (float) sum;
            }
        }
        return y;
    }

    static MemorySegment floats(Arena arena, float[] values) {
        MemorySegment segment = arena.allocate((long) values.length * Float.BYTES, 8);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT, 0, values.length);
        return segment;
    }
}
