package ai.jllm.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
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

    /** The bytes as int lanes (sign-extended; only their low 8 bits are used), for nibble masks and shifts. */
    private static IntVector widenToInts(ByteVector bytes) {
        return (IntVector) bytes.convertShape(VectorOperators.B2I, INTS, 0);
    }

    /** Nibble values as floats: {@code (lanes >>> shift) & 0xF}. */
    private static FloatVector nibbles(IntVector lanes, int shift) {
        IntVector shifted = shift == 0 ? lanes : lanes.lanewise(VectorOperators.LSHR, shift);
        return (FloatVector) shifted.and(0xF).convertShape(VectorOperators.I2F, FLOATS, 0);
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
        MemorySegment scales = m.scales();
        MemorySegment zeros = m.zeros();
        int groupSize = m.groupSize();
        int groups = m.numGroups();
        long rowStart = row * m.rowBytes();
        long groupBase = (long) row * groups;
        float offsets = 0f;
        if (!VECTOR_INT4) {
            float sum = 0f;
            for (int g = 0; g < groups; g++) {
                float scale = scales.get(F32_LE, (groupBase + g) * Float.BYTES);
                float codes = 0f;
                for (int j = g * groupSize; j < (g + 1) * groupSize; j++) {
                    codes += code(packed, rowStart, j) * x[xOffset + j];
                }
                sum += scale * codes;
                offsets -= (zeros.get(ValueLayout.JAVA_BYTE, groupBase + g) & 0xFF) * scale
                        * groupSums[sumsOffset + g];
            }
            return sum + offsets;
        }
        FloatVector acc = FloatVector.zero(FLOATS);
        for (int g = 0; g < groups; g++) {
            // Low and high nibbles accumulate apart: two independent chains of fused multiply-adds.
            FloatVector low = FloatVector.zero(FLOATS);
            FloatVector high = low;
            int start = g * groupSize;
            for (int block = start; block < start + groupSize; block += 2 * HALF_BLOCK) {
                long bytes = rowStart + (block >> 1);
                // Byte k of a block holds column k (low nibble) and column k + 16 (high nibble).
                for (int k = 0; k < HALF_BLOCK; k += LANES) {
                    IntVector b = widenToInts(ByteVector.fromMemorySegment(BYTES, packed, bytes + k, LE));
                    low = nibbles(b, 0).fma(FloatVector.fromArray(FLOATS, x, xOffset + block + k), low);
                    high = nibbles(b, 4).fma(FloatVector.fromArray(FLOATS, x, xOffset + block + HALF_BLOCK + k),
                            high);
                }
            }
            float scale = scales.get(F32_LE, (groupBase + g) * Float.BYTES);
            acc = low.add(high).fma(FloatVector.broadcast(FLOATS, scale), acc);
            offsets -= (zeros.get(ValueLayout.JAVA_BYTE, groupBase + g) & 0xFF) * scale * groupSums[sumsOffset + g];
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
        MemorySegment scales = m.scales();
        MemorySegment zeros = m.zeros();
        int groupSize = m.groupSize();
        int groups = m.numGroups();
        long rowStart = row * m.rowBytes();
        long groupBase = (long) row * groups;
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
            // Eight independent chains: low and high nibbles apart for each of the four rows.
            FloatVector l0 = FloatVector.zero(FLOATS);
            FloatVector l1 = l0;
            FloatVector l2 = l0;
            FloatVector l3 = l0;
            FloatVector h0 = l0;
            FloatVector h1 = l0;
            FloatVector h2 = l0;
            FloatVector h3 = l0;
            int start = g * groupSize;
            for (int block = start; block < start + groupSize; block += 2 * HALF_BLOCK) {
                long bytes = rowStart + (block >> 1);
                for (int k = 0; k < HALF_BLOCK; k += LANES) {
                    int lo = block + k;
                    int hi = lo + HALF_BLOCK;
                    IntVector b = widenToInts(ByteVector.fromMemorySegment(BYTES, packed, bytes + k, LE));
                    FloatVector low = nibbles(b, 0);
                    FloatVector high = nibbles(b, 4);
                    l0 = low.fma(FloatVector.fromArray(FLOATS, x, x0 + lo), l0);
                    l1 = low.fma(FloatVector.fromArray(FLOATS, x, x1 + lo), l1);
                    l2 = low.fma(FloatVector.fromArray(FLOATS, x, x2 + lo), l2);
                    l3 = low.fma(FloatVector.fromArray(FLOATS, x, x3 + lo), l3);
                    h0 = high.fma(FloatVector.fromArray(FLOATS, x, x0 + hi), h0);
                    h1 = high.fma(FloatVector.fromArray(FLOATS, x, x1 + hi), h1);
                    h2 = high.fma(FloatVector.fromArray(FLOATS, x, x2 + hi), h2);
                    h3 = high.fma(FloatVector.fromArray(FLOATS, x, x3 + hi), h3);
                }
            }
            float scale = scales.get(F32_LE, (groupBase + g) * Float.BYTES);
            float offset = -(zeros.get(ValueLayout.JAVA_BYTE, groupBase + g) & 0xFF) * scale;
            FloatVector scaleVector = FloatVector.broadcast(FLOATS, scale);
            a0 = l0.add(h0).fma(scaleVector, a0);
            a1 = l1.add(h1).fma(scaleVector, a1);
            a2 = l2.add(h2).fma(scaleVector, a2);
            a3 = l3.add(h3).fma(scaleVector, a3);
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
