package ai.jllm.backend;

import ai.jllm.tensor.DType;

/**
 * A buffer owned by a backend (host memory for the CPU backend, device memory for CUDA). Model code never reads the
 * elements: it passes tensors to backend ops. Activation tensors are sized for the largest step and ops work on the
 * first {@code numTokens} rows that the step's {@link ForwardBatch} names.
 */
public interface Tensor {

    DType dtype();

    /** Dimensions, outermost first; never modified. */
    long[] shape();
}
