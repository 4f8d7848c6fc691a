package ai.jllm.cuda;

import ai.jllm.backend.LinearWeights;
import java.util.OptionalLong;

/**
 * A linear layer on the device: one bf16 matrix [out, in] (fused parts already stacked) and an optional bf16 bias
 * [out], which cuBLASLt adds in its epilogue.
 */
record CudaLinear(long weight, OptionalLong bias, int inFeatures, int outFeatures) implements LinearWeights {

    static CudaLinear of(LinearWeights weights) {
        if (weights instanceof CudaLinear cuda) {
            return cuda;
        }
        throw new IllegalArgumentException("not CUDA linear weights: " + weights);
    }

    @Override
    public boolean hasBias() {
        return bias.isPresent();
    }
}
