package ai.jllm.cuda;

import ai.jllm.JllmException;
import ai.jllm.backend.Backend;
import ai.jllm.backend.LinearWeights;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.util.List;
import java.util.OptionalLong;

/**
 * An FP8 linear layer on the device (see fp8.cu): E4M3 weight codes [out, in], float32 per-output-channel scales [out]
 * ({@code W = weight * scales[o]}), an optional bf16 bias [out].
 */
record CudaFp8Linear(long weight, long scales, OptionalLong bias, int inFeatures, int outFeatures)
        implements LinearWeights {

    /** The oldest compute capability with FP8 tensor cores (Ada). */
    static final int MINIMUM_COMPUTE_CAPABILITY = 89;
    /**
     * cuBLASLt's FP8 matrix products want 16-byte aligned leading dimensions (inputs for the codes, outputs for the
     * bf16 result), and the decode GEMV reads 16 codes per load.
     */
    static final int ALIGNMENT = 16;

    /** Uploads an engine's fp8 projection, after checking that this GPU and the shapes can run it. */
    static CudaFp8Linear upload(QuantizedLinear.Fp8 fp8, List<TensorView> biasParts, CudaDevice device,
                                WeightUploader uploader, DeviceMemory memory) {
        if (device.computeCapability() < MINIMUM_COMPUTE_CAPABILITY) {
            throw new JllmException(Backend.FP8_CUDA_ONLY + "; GPU " + device.ordinal() + " (" + device.name()
                    + ") has compute capability " + device.computeCapability() / 10 + "." + device.computeCapability()
                    % 10);
        }
        int in = fp8.inFeatures();
        int out = fp8.outFeatures();
        if (in % ALIGNMENT != 0 || out % ALIGNMENT != 0) {
            throw new JllmException("fp8 projection " + fp8.weight().name() + " is [" + out + ", " + in
                    + "]: the CUDA FP8 kernels need both sizes to be multiples of " + ALIGNMENT);
        }
        long weight = memory.allocate((long) out * in);
        uploader.uploadBytes(fp8.weight(), weight);
        long scales = memory.allocate((long) out * Float.BYTES);
        uploader.upload(fp8.scales(), scales, DType.F32);
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
        return new CudaFp8Linear(weight, scales, bias, in, out);
    }

    @Override
    public boolean hasBias() {
        return bias.isPresent();
    }
}
