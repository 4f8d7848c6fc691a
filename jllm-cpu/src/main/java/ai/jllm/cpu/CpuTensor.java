package ai.jllm.cpu;

import ai.jllm.backend.Tensor;
import ai.jllm.tensor.DType;

/** A float32 tensor in a Java array: activations, norm weights and tables on the CPU backend. */
final class CpuTensor implements Tensor {

    private final long[] shape;
    private final float[] data;
    private final int rowSize;

    CpuTensor(float[] data, long... shape) {
        long elements = 1;
        for (long dimension : shape) {
            elements *= dimension;
        }
        if (elements != data.length) {
            throw new IllegalArgumentException("shape does not match " + data.length + " elements");
        }
        this.shape = shape.clone();
        this.data = data;
        this.rowSize = shape.length < 2 ? 1 : Math.toIntExact(elements / shape[0]);
    }

    static CpuTensor zeros(long... shape) {
        long elements = 1;
        for (long dimension : shape) {
            elements *= dimension;
        }
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("CPU tensor of " + elements + " elements exceeds a Java array");
        }
        return new CpuTensor(new float[(int) elements], shape);
    }

    static CpuTensor of(Tensor tensor) {
        if (tensor instanceof CpuTensor cpu) {
            return cpu;
        }
        throw new IllegalArgumentException("not a CPU float tensor: " + tensor);
    }

    float[] data() {
        return data;
    }

    /** Elements per row (all dimensions but the first). */
    int width() {
        return rowSize;
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "CpuTensor" + java.util.Arrays.toString(shape);
    }
}
