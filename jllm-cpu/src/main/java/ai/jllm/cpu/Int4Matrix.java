package ai.jllm.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * An int4 weight in jllm's packed layout (see {@code QuantizedLinear.Int4}), read in place:
 * {@code W[r, j] = (q[r, j] - zeros[r, g]) * scales[r, g]} with {@code g = j / groupSize}; packed column j
 * multiplies input {@code inputOrder[j]} when the columns were reordered.
 *
 * @param packed U8 [rows, columns / 2]
 * @param scales F32 little-endian [rows, columns / groupSize]
 * @param zeros  U8 [rows, columns / groupSize]
 */
record Int4Matrix(MemorySegment packed, MemorySegment scales, MemorySegment zeros, int rows, int columns,
                  int groupSize, Optional<int[]> inputOrder) implements CpuMatrix {

    Int4Matrix {
        long groups = (long) rows * (columns / groupSize);
        if (packed.byteSize() != (long) rows * columns / 2 || scales.byteSize() != groups * Float.BYTES
                || zeros.byteSize() != groups) {
            throw new IllegalArgumentException("int4 matrix data does not match " + rows + " x " + columns
                    + " in groups of " + groupSize);
        }
    }

    int numGroups() {
        return columns / groupSize;
    }

    long rowBytes() {
        return columns / 2;
    }

    float scale(int row, int group) {
        return scales.get(QuantKernels.F32_LE, ((long) row * numGroups() + group) * Float.BYTES);
    }

    int zero(int row, int group) {
        return zeros.get(ValueLayout.JAVA_BYTE, (long) row * numGroups() + group) & 0xFF;
    }
}
