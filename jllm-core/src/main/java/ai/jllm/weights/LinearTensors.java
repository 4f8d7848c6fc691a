package ai.jllm.weights;

/**
 * The stored weight of one linear layer {@code y = x W^T}, W: [outFeatures, inFeatures]: dense matrices that a
 * backend stacks along the output rows, or one matrix already fused and packed by a weight-only quantization.
 */
public sealed interface LinearTensors permits DenseLinear, QuantizedLinear {

    int inFeatures();

    int outFeatures();
}
