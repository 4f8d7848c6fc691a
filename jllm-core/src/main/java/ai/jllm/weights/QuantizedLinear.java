package ai.jllm.weights;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import java.util.Arrays;
import java.util.Optional;

/**
 * A linear layer's weight after quantization, already fused (QKV, gate/up) and packed in jllm's layout, which engines
 * store as is and GPTQ/AWQ checkpoints are repacked into. For the weight-only schemes activations stay in floating
 * point (W8A16, W4A16): a backend dequantizes the weights on the fly. {@link Fp8} weights are meant for FP8 matrix
 * products (W8A8, activations quantized per token on the fly), which only the CUDA backend has.
 */
public sealed interface QuantizedLinear extends LinearTensors {

    /**
     * Per-channel symmetric INT8: {@code W[o, i] = weight[o, i] * scales[o]}.
     *
     * @param weight I8 [out, in]
     * @param scales F32 [out]
     */
    record Int8(TensorView weight, TensorView scales) implements QuantizedLinear {

        public Int8 {
            weight.expectDtype(DType.I8);
            scales.expectDtype(DType.F32);
            if (weight.rank() != 2) {
                throw new JllmException(weight.file() + ": tensor " + weight.name() + " must be a matrix, has shape "
                        + Arrays.toString(weight.shape()));
            }
            scales.expectShape(weight.dim(0));
        }

        @Override
        public int inFeatures() {
            return Math.toIntExact(weight.dim(1));
        }

        @Override
        public int outFeatures() {
            return Math.toIntExact(weight.dim(0));
        }
    }

    /**
     * Group-wise asymmetric INT4: {@code W[o, i] = (q[o, i] - zeros[o, g]) * scales[o, g]} with
     * {@code g = i / groupSize}, where i counts the packed columns.
     *
     * <p>The packing: each row is cut into blocks of {@link #BLOCK} columns stored in 16 bytes; byte k of a block holds
     * column k in its low nibble and column k + 16 in its high nibble. A vector kernel turns 16 bytes into two runs of
     * 16 consecutive columns with one mask and one shift, whatever its vector width (4, 8 or 16 floats).
     *
     * <p>GPTQ's act-order checkpoints quantize the columns in a permuted order. Their packed columns are stored
     * sorted by group and {@code inputOrder} says where each came from: packed column j multiplies input
     * {@code x[inputOrder[j]]}.
     *
     * @param packed     U8 [out, in / 2]
     * @param scales     F32 [out, in / groupSize]
     * @param zeros      U8 [out, in / groupSize], zero points in [0, 16] (GPTQ's format can give 16)
     * @param groupSize  input columns per scale, a multiple of {@link #BLOCK} that divides in
     * @param inputOrder I32 [in], a permutation of the inputs, when the columns were reordered
     */
    record Int4(TensorView packed, TensorView scales, TensorView zeros, int groupSize, Optional<TensorView> inputOrder)
            implements QuantizedLinear {

        /** Columns per packed block. */
        public static final int BLOCK = 32;

        public Int4 {
            packed.expectDtype(DType.U8);
            scales.expectDtype(DType.F32);
            zeros.expectDtype(DType.U8);
            if (packed.rank() != 2) {
                throw new JllmException(packed.file() + ": tensor " + packed.name() + " must be a matrix, has shape "
                        + Arrays.toString(packed.shape()));
            }
            long in = packed.dim(1) * 2;
            if (groupSize <= 0 || groupSize % BLOCK != 0 || in % groupSize != 0) {
                throw new JllmException(packed.file() + ": tensor " + packed.name() + " has " + in
                        + " input columns, which groups of " + groupSize + " do not divide (groups must be a multiple"
                        + " of " + BLOCK + ")");
            }
            scales.expectShape(packed.dim(0), in / groupSize);
            zeros.expectShape(packed.dim(0), in / groupSize);
            inputOrder.ifPresent(order -> order.expectDtype(DType.I32).expectShape(in));
        }

        @Override
        public int inFeatures() {
            return Math.toIntExact(packed.dim(1) * 2);
        }

        @Override
        public int outFeatures() {
            return Math.toIntExact(packed.dim(0));
        }

        public int numGroups() {
            return inFeatures() / groupSize;
        }
    }

    /**
     * Per-channel symmetric FP8 E4M3 ({@link ai.jllm.tensor.Fp8E4m3}): {@code W[o, i] = weight[o, i] * scales[o]},
     * {@code scales[o] = max|W[o, :]| / 448}.
     *
     * @param weight F8_E4M3 [out, in]
     * @param scales F32 [out]
     */
    record Fp8(TensorView weight, TensorView scales) implements QuantizedLinear {

        public Fp8 {
            weight.expectDtype(DType.F8_E4M3);
            scales.expectDtype(DType.F32);
            if (weight.rank() != 2) {
                throw new JllmException(weight.file() + ": tensor " + weight.name() + " must be a matrix, has shape "
                        + Arrays.toString(weight.shape()));
            }
            scales.expectShape(weight.dim(0));
        }

        @Override
        public int inFeatures() {
            return Math.toIntExact(weight.dim(1));
        }

        @Override
        public int outFeatures() {
            return Math.toIntExact(weight.dim(0));
        }
    }
}
