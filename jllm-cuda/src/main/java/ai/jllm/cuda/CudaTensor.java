package ai.jllm.cuda;

import ai.jllm.backend.Tensor;
import ai.jllm.tensor.DType;
import java.util.Arrays;

/** A tensor in device memory: bf16 activations and matrices, f32 norm weights, tables and logits. */
final class CudaTensor implements Tensor {

    private final long pointer;
    private final DType dtype;
    private final long[] shape;
    private final long elements;

    CudaTensor(long pointer, DType dtype, long[] shape) {
        this.pointer = pointer;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.elements = elementCount(shape);
    }

    static CudaTensor of(Tensor tensor) {
        if (tensor instanceof CudaTensor cuda) {
            return cuda;
        }
        throw new IllegalArgumentException("not a CUDA tensor: " + tensor);
    }

    static long elementCount(long[] shape) {
        long count = 1;
        for (long dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dimension);
        }
        return count;
    }

    /** The device address of element 0. */
    long pointer() {
        return pointer;
    }

    long elements() {
        return elements;
    }

    long bytes() {
        return elements * dtype.byteSize();
    }

    /** Elements per row (all dimensions but the first). */
    int width() {
        return shape.length < 2 ? 1 : Math.toIntExact(elements / shape[0]);
    }

    long rows() {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Fails unless this tensor holds {@code expected} elements, naming the op. */
    CudaTensor expect(DType expected, String op) {
        if (dtype != expected) {
            throw new IllegalArgumentException(op + " needs a " + expected + " tensor, not " + this);
        }
        return this;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "CudaTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
