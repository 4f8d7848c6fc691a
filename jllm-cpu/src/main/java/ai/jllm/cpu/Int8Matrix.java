package ai.jllm.cpu;

import java.lang.foreign.MemorySegment;

/**
 * An int8 weight with one scale per row, read in place (usually from a memory-mapped engine):
 * {@code W[r, c] = weight[r, c] * scales[r]}.
 *
 * @param weight I8 [rows, columns]
 * @param scales F32 little-endian [rows]
 */
record Int8Matrix(MemorySegment weight, MemorySegment scales, int rows, int columns) implements CpuMatrix {

    Int8Matrix {
        if (weight.byteSize() != (long) rows * columns || scales.byteSize() != (long) rows * Float.BYTES) {
            throw new IllegalArgumentException("int8 matrix data does not match " + rows + " x " + columns);
        }
    }

    float scale(int row) {
        return scales.get(QuantKernels.F32_LE, (long) row * Float.BYTES);
    }
}
