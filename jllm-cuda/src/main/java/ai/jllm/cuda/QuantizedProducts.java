package ai.jllm.cuda;

import ai.jllm.tensor.DType;

/**
 * Products of quantized weights too large for the fused dequantize-GEMV (prefill, decode batches past
 * {@link Kernels#GEMV_MAX_ROWS} rows): the weight is dequantized into one reusable bf16 scratch matrix (sized for the
 * largest quantized projection, a layer's projection at a time) and multiplied by cuBLASLt like a dense weight. The
 * dequantization reads the codes once and writes 2 bytes a weight; against a product over many rows that is small,
 * and cuBLASLt's tensor-core tiles then run at their dense rate.
 */
final class QuantizedProducts {

    private final QuantGemv kernels;
    private final Gemm gemm;
    private final DeviceMemory memory;
    /** The dequantized weight of the product in flight: [out, in] bf16, for the largest weight uploaded. */
    private long scratch;
    private long scratchBytes;

    QuantizedProducts(QuantGemv kernels, Gemm gemm, DeviceMemory memory) {
        this.kernels = kernels;
        this.gemm = gemm;
        this.memory = memory;
    }

    /**
     * Makes the scratch matrix large enough for {@code weights}, at load time (so that a recorded decode step never
     * sees it move).
     *
     * @return whether the scratch moved (recordings that captured it are stale)
     */
    boolean reserve(CudaQuantizedLinear weights) {
        long bytes = (long) weights.outFeatures() * weights.inFeatures() * Short.BYTES;
        if (bytes <= scratchBytes) {
            return false;
        }
        if (scratchBytes > 0) {
            memory.free(scratch);
        }
        scratch = memory.allocate(bytes);
        scratchBytes = bytes;
        return true;
    }

    /** out[r] = x[r] W^T + b for r < rows.  x: [rows, in] bf16, out: [rows, out] bf16 or f32 */
    void run(CudaQuantizedLinear weights, long x, int rows, long out, DType outType) {
        kernels.dequantize(weights, scratch);
        gemm.run(new CudaLinear(scratch, weights.bias(), weights.inFeatures(), weights.outFeatures()), x, rows, out,
                outType);
    }
}
