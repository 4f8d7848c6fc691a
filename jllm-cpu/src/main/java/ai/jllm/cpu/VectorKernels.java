package ai.jllm.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products of one stored weight row (float32 or bfloat16, read in place) with one or four float32 activation
 * rows, on the widest vectors the CPU has. bfloat16 is the upper half of a float32, so widening is a 16-bit shift.
 */
final class VectorKernels {

    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SHORTS =
            ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
    private static final int LANES = FLOATS.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorKernels() {}

    static FloatVector loadBf16(MemorySegment segment, long byteOffset) {
        return ((IntVector) ShortVector.fromMemorySegment(SHORTS, segment, byteOffset, LE)
                        .convertShape(VectorOperators.S2I, INTS, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    static float bf16(MemorySegment segment, long byteOffset) {
        return Float.intBitsToFloat(segment.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, byteOffset) << 16);
    }

    static float f32(MemorySegment segment, long byteOffset) {
        return segment.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, byteOffset);
    }

    /** sum_i w[i] * x[xOffset + i] for a float32 weight row at {@code w + wOffset}. */
    static float dotF32(MemorySegment w, long wOffset, float[] x, int xOffset, int length) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
            FloatVector wv = FloatVector.fromMemorySegment(FLOATS, w, wOffset + 4L * i, LE);
            acc = wv.fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            sum += f32(w, wOffset + 4L * i) * x[xOffset + i];
        }
        return sum;
    }

    static float dotBf16(MemorySegment w, long wOffset, float[] x, int xOffset, int length) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
            acc = loadBf16(w, wOffset + 2L * i).fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            sum += bf16(w, wOffset + 2L * i) * x[xOffset + i];
        }
        return sum;
    }

    /**
     * Four dot products of one float32 weight row with four activation rows {@code x + xOffset + k * xStride},
     * reading the weights once. sums: [4]
     */
    static void dot4F32(MemorySegment w, long wOffset, float[] x, int xOffset, int xStride, int length, float[] sums) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int x0 = xOffset;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        int i = 0;
        for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
            FloatVector wv = FloatVector.fromMemorySegment(FLOATS, w, wOffset + 4L * i, LE);
            a0 = wv.fma(FloatVector.fromArray(FLOATS, x, x0 + i), a0);
            a1 = wv.fma(FloatVector.fromArray(FLOATS, x, x1 + i), a1);
            a2 = wv.fma(FloatVector.fromArray(FLOATS, x, x2 + i), a2);
            a3 = wv.fma(FloatVector.fromArray(FLOATS, x, x3 + i), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            float wi = f32(w, wOffset + 4L * i);
            s0 += wi * x[x0 + i];
            s1 += wi * x[x1 + i];
            s2 += wi * x[x2 + i];
            s3 += wi * x[x3 + i];
        }
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
    }

    static void dot4Bf16(MemorySegment w, long wOffset, float[] x, int xOffset, int xStride, int length, float[] sums) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int x0 = xOffset;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        int i = 0;
        for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
            FloatVector wv = loadBf16(w, wOffset + 2L * i);
            a0 = wv.fma(FloatVector.fromArray(FLOATS, x, x0 + i), a0);
            a1 = wv.fma(FloatVector.fromArray(FLOATS, x, x1 + i), a1);
            a2 = wv.fma(FloatVector.fromArray(FLOATS, x, x2 + i), a2);
            a3 = wv.fma(FloatVector.fromArray(FLOATS, x, x3 + i), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            float wi = bf16(w, wOffset + 2L * i);
            s0 += wi * x[x0 + i];
            s1 += wi * x[x1 + i];
            s2 += wi * x[x2 + i];
            s3 += wi * x[x3 + i];
        }
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
    }

    /** sum_i a[aOffset + i] * b[bOffset + i] on Java arrays. */
    static float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
            acc = FloatVector.fromArray(FLOATS, a, aOffset + i).fma(FloatVector.fromArray(FLOATS, b, bOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /** sum_i x[offset + i] */
    static float sum(float[] x, int offset, int length) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
            acc = acc.add(FloatVector.fromArray(FLOATS, x, offset + i));
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            sum += x[offset + i];
        }
        return sum;
    }

    /** y[yOffset + i] += alpha * x[xOffset + i] */
    static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int length) {
        FloatVector alphas = FloatVector.broadcast(FLOATS, alpha);
        int i = 0;
        for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
            FloatVector.fromArray(FLOATS, x, xOffset + i)
                    .fma(alphas, FloatVector.fromArray(FLOATS, y, yOffset + i))
                    .intoArray(y, yOffset + i);
        }
        for (; i < length; i++) {
            y[yOffset + i] += alpha * x[xOffset + i];
        }
    }

    /** sum_i x[offset + i]^2 */
    static float sumOfSquares(float[] x, int offset, int length) {
        return dot(x, offset, x, offset, length);
    }
}
