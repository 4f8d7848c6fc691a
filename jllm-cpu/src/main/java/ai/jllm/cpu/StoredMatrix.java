package ai.jllm.cpu;

import ai.jllm.backend.Tensor;
import ai.jllm.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * A row-major matrix left where it is stored (usually a memory-mapped checkpoint), in float32 or bfloat16:
 * the CPU reads it in place, so loading costs no copy and decode streams the stored bytes.  data: [rows, columns]
 */
record StoredMatrix(MemorySegment data, DType dtype, int rows, int columns) implements Tensor, CpuMatrix {

    StoredMatrix {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("stored matrices are F32 or BF16, not " + dtype);
        }
        if (data.byteSize() != (long) rows * columns * dtype.byteSize()) {
            throw new IllegalArgumentException("matrix data has " + data.byteSize() + " bytes, expected "
                    + (long) rows * columns * dtype.byteSize());
        }
    }

    static StoredMatrix of(Tensor tensor) {
        if (tensor instanceof StoredMatrix matrix) {
            return matrix;
        }
        throw new IllegalArgumentException("not a stored CPU matrix: " + tensor);
    }

    long rowBytes() {
        return (long) columns * dtype.byteSize();
    }

    @Override
    public long[] shape() {
        return new long[] {rows, columns};
    }
}
