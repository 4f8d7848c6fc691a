package ai.jllm.cuda;

import ai.jllm.JllmException;
import ai.jllm.backend.LinearWeights;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.util.List;
import java.util.OptionalLong;

/**
 * A linear layer on the device: one bf16 matrix [out, in] (fused parts already stacked) and an optional bf16 bias
 * [out], which the product adds on the way out.
 */
record CudaLinear(long weight, OptionalLong bias, int inFeatures, int outFeatures) implements LinearWeights {

    static CudaLinear of(LinearWeights weights) {
        if (weights instanceof CudaLinear cuda) {
            return cuda;
        }
        throw new IllegalArgumentException("not CUDA linear weights: " + weights);
    }

    /** The parts (each [out_i, in]) stacked along the output rows into one device matrix, biases likewise. */
    static CudaLinear upload(List<TensorView> weightParts, List<TensorView> biasParts, WeightUploader uploader,
                             DeviceMemory memory) {
        if (weightParts.isEmpty()) {
            throw new IllegalArgumentException("a linear layer needs at least one weight matrix");
        }
        int in = Math.toIntExact(weightParts.getFirst().dim(1));
        long outRows = 0;
        for (TensorView part : weightParts) {
            if (part.rank() != 2 || part.dim(1) != in) {
                throw new JllmException(part.file() + ": tensor " + part.name() + " cannot be fused with "
                        + weightParts.getFirst().name() + ": shapes differ in the input dimension");
            }
            outRows += part.dim(0);
        }
        int out = Math.toIntExact(outRows);
        long weight = memory.allocate((long) out * in * Short.BYTES);
        long row = 0;
        for (TensorView part : weightParts) {
            uploader.upload(part, weight + row * in * Short.BYTES, DType.BF16);
            row += part.dim(0);
        }
        OptionalLong bias = OptionalLong.empty();
        if (!biasParts.isEmpty()) {
            long biasMemory = memory.allocate((long) out * Short.BYTES);
            long offset = 0;
            for (TensorView part : biasParts) {
                uploader.upload(part, biasMemory + offset * Short.BYTES, DType.BF16);
                offset += part.elementCount();
            }
            if (offset != out) {
                throw new JllmException("bias " + biasParts.getFirst().name() + " has " + offset + " values for "
                        + out + " outputs");
            }
            bias = OptionalLong.of(biasMemory);
        }
        return new CudaLinear(weight, bias, in, out);
    }

    @Override
    public boolean hasBias() {
        return bias.isPresent();
    }
}
