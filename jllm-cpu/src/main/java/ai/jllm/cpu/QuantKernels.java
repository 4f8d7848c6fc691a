package ai.jllm.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products of one quantized weight row with one or four float32 activation rows, dequantizing on the fly: the
 * weights are read once, as bytes, and widened to floats in registers.
 *
 * <p>int8: {@code scale[r] * sum_i q[i] x[i]}. int4, per group g of the row:
 * {@code scale[g] * sum_{i in g} q[i] x[i] - zero[g] * scale[g] * sum_{i in g} x[i]}: the codes are multiplied as
 * they are, and the zero points are applied once per group through the group sums of x, which the caller computes
 * once per call for all rows. Both need vectors of at least 8 floats (a byte vector of 64 bits or more); narrower
 * machines take the scalar loops.
 */
final class QuantKernels {

    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Float> FLOATS = VectorKernels.FLOATS;
    private static final int LANES = FLOATS.length();
    /** One byte per float lane: a load of these widens to exactly one float vector. */
    private static final VectorSpecies<Byte> BYTES = LANES >= 8
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * Byte.SIZE)) : null;
    private static final boolean VECTOR_INT8 = BYTES != null;
    private static final int HALF_BLOCK = 16;
    private static final boolean VECTOR_INT4 = VECTOR_INT8 && HALF_BLOCK % LANES == 0;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private QuantKernels() {}

    private static FloatVector widen(ByteVector bytes) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    // ---- int8 ----

    /** sum_i q[i] * x[xOffset + i] for the int8 row at {@code w + wOffset} (unscaled). */
    static float dotInt8(MemorySegment w, long wOffset, float[] x, int xOffset, int length) {
        float sum = 0f;
        int i = 0;
        if (VECTOR_INT8) {
            FloatVector acc = FloatVector.zero(FLOATS);
            for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
                FloatVector wv = widen(ByteVector.fromMemorySegment(BYTES, w, wOffset + i, LE));
                acc = wv.fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < length; i++) {
            sum += w.get(ValueLayout.JAVA_BYTE, wOffset + i) * x[xOffset + i];
        }
        return sum;
    }

    /** Four unscaled int8 dot products with activation rows {@code x + xOffset + k * xStride}. sums: [4] */
    static void dot4Int8(MemorySegment w, long wOffset, float[] x, int xOffset, int xStride, int length,
                         float[] sums) {
        int x0 = xOffset;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        if (VECTOR_INT8) {
            FloatVector a0 = FloatVector.zero(FLOATS);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int bound = FLOATS.loopBound(length); i < bound; i += LANES) {
                FloatVector wv = widen(ByteVector.fromMemorySegment(BYTES, w, wOffset + i, LE));
                a0 = wv.fma(FloatVector.fromArray(FLOATS, x, x0 + i), a0);
                a1 = wv.fma(FloatVector.fromArray(FLOATS, x, x1 + i), a1);
                a2 = wv.fma(FloatVector.fromArray(FLOATS, x, x2 + i), a2);
                a3 = wv.fma(FloatVector.fromArray(FLOATS, x, x3 + i), a3);
            }
            s0 = a0.reduceLanes(VectorOperators.ADD);
            s1 = a1.reduceLanes(VectorOperators.ADD);
            s2 = a2.reduceLanes(VectorOperators.ADD);
            s3 = a3.reduceLanes(VectorOperators.ADD);
        }
        for (; i < length; i++) {
            float wi = w.get(ValueLayout.JAVA_BYTE, wOffset + i);
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

    // ---- int4 ----

    /**
     * Row {@code row} of {@code m} times activation row {@code x + xOffset} (in packed column order).
     *
     * @param groupSums the activation row's sum over each group: [numGroups] from {@code sumsOffset}
     */
    static float dotInt4(Int4Matrix m, int row, float[] x, int xOffset, float[] groupSums, int sumsOffset) {
        MemorySegment packed = m.packed();
        long rowStart = row * m.rowBytes();
        int groupSize = m.groupSize();
        int groups = m.numGroups();
        float offsets = 0f;
        if (!VECTOR_INT4) {
            float sum = 0f;
            for (int g = 0; g < groups; g++) {
                float scale = m.scale(row, g);
                float codes = 0f;
                for (int j = g * groupSize; j < (g + 1) * groupSize; j++) {
                    codes += code(packed, rowStart, j) * x[xOffset + j];
                }
                sum += scale * codes;
                offsets -= m.zero(row, g) * scale * groupSums[sumsOffset + g];
            }
            return sum + offsets;
        }
        FloatVector acc = FloatVector.zero(FLOATS);
        for (int g = 0; g < groups; g++) {
            FloatVector group = FloatVector.zero(FLOATS);
            int start = g * groupSize;
            for (int block = start; block < start + groupSize; block += 2 * HALF_BLOCK) {
                long bytes = rowStart + block / 2;
                for (int k = 0; k < HALF_BLOCK; k += LANES) {
                    ByteVector b = ByteVector.fromMemorySegment(BYTES, packed, bytes + k, LE);
                    FloatVector low = widen(b.and((byte) 0x0F));
                    FloatVector high = widen(b.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F));
                    group = low.fma(FloatVector.fromArray(FLOATS, x, xOffset + block + k), group);
                    group = high.fma(FloatVector.fromArray(FLOATS, x, xOffset + block + HALF_BLOCK + k), group);
                }
            }
            float scale = m.scale(row, g);
            acc = group.fma(FloatVector.broadcast(FLOATS, scale), acc);
            offsets -= m.zero(row, g) * scale * groupSums[sumsOffset + g];
        }
        return acc.reduceLanes(VectorOperators.ADD) + offsets;
    }

    /**
     * Row {@code row} of {@code m} times four activation rows {@code x + xOffset + k * xStride}, reading the weights
     * once. Group sums of activation row k are at {@code sumsOffset + k * sumsStride}. sums: [4]
     */
    static void dot4Int4(Int4Matrix m, int row, float[] x, int xOffset, int xStride, float[] groupSums,
                         int sumsOffset, int sumsStride, float[] sums) {
        if (!VECTOR_INT4) {
            for (int k = 0; k < 4; k++) {
                sums[k] = dotInt4(m, row, x, xOffset + k * xStride, groupSums, sumsOffset + k * sumsStride);
            }
            return;
        }
        MemorySegment packed = m.packed();
        long rowStart = row * m.rowBytes();
        int groupSize = m.groupSize();
        int groups = m.numGroups();
        int x0 = xOffset;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        float o0 = 0f;
        float o1 = 0f;
        float o2 = 0f;
        float o3 = 0f;
        for (int g = 0; g < groups; g++) {
            FloatVector g0 = FloatVector.zero(FLOATS);
            FloatVector g1 = g0;
            FloatVector g2 = g0;
            FloatVector g3 = g0;
            int start = g * groupSize;
            for (int block = start; block < start + groupSize; block += 2 * HALF_BLOCK) {
                long bytes = rowStart + block / 2;
                for (int k = 0; k < HALF_BLOCK; k += LANES) {
                    ByteVector b = ByteVector.fromMemorySegment(BYTES, packed, bytes + k, LE);
                    FloatVector low = widen(b.and((byte) 0x0F));
                    FloatVector high = widen(b.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F));
                    int lo = block + k;
                    int hi = lo + HALF_BLOCK;
                    g0 = low.fma(FloatVector.fromArray(FLOATS, x, x0 + lo), g0);
                    g1 = low.fma(FloatVector.fromArray(FLOATS, x, x1 + lo), g1);
                    g2 = low.fma(FloatVector.fromArray(FLOATS, x, x2 + lo), g2);
                    g3 = low.fma(FloatVector.fromArray(FLOATS, x, x3 + lo), g3);
                    g0 = high.fma(FloatVector.fromArray(FLOATS, x, x0 + hi), g0);
                    g1 = high.fma(FloatVector.fromArray(FLOATS, x, x1 + hi), g1);
                    g2 = high.fma(FloatVector.fromArray(FLOATS, x, x2 + hi), g2);
                    g3 = high.fma(FloatVector.fromArray(FLOATS, x, x3 + hi), g3);
                }
            }
            float scale = m.scale(row, g);
            float offset = -m.zero(row, g) * scale;
            FloatVector scales = FloatVector.broadcast(FLOATS, scale);
            a0 = g0.fma(scales, a0);
            a1 = g1.fma(scales, a1);
            a2 = g2.fma(scales, a2);
            a3 = g3.fma(scales, a3);
            int s = sumsOffset + g;
            o0 += offset * groupSums[s];
            o1 += offset * groupSums[s + sumsStride];
            o2 += offset * groupSums[s + 2 * sumsStride];
            o3 += offset * groupSums[s + 3 * sumsStride];
        }
        sums[0] = a0.reduceLanes(VectorOperators.ADD) + o0;
        sums[1] = a1.reduceLanes(VectorOperators.ADD) + o1;
        sums[2] = a2.reduceLanes(VectorOperators.ADD) + o2;
        sums[3] = a3.reduceLanes(VectorOperators.ADD) + o3;
    }

    /** The code of packed column {@code column} of the row starting at byte {@code rowStart}. */
    static int code(MemorySegment packed, long rowStart, int column) {
        int block = column / (2 * HALF_BLOCK);
        int k = column % (2 * HALF_BLOCK);
        int value = packed.get(ValueLayout.JAVA_BYTE, rowStart + (long) block * HALF_BLOCK + k % HALF_BLOCK) & 0xFF;
        return k < HALF_BLOCK ? value & 0xF : value >>> 4;
    }
}
