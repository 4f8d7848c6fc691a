package ai.jllm.cuda;

import ai.jllm.JllmException;
import ai.jllm.backend.LinearWeights;
import ai.jllm.quant.Int4Packing;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.util.List;
import java.util.OptionalLong;

/**
 * A weight-only quantized linear layer on the device, in jllm's layouts exactly as the engine stores them (docs/
 * engine.md): no dequantized copy is kept; quant_gemv.cu reads the codes directly, and larger batches dequantize a
 * projection at a time into a shared scratch matrix ({@link QuantizedProducts}).
 *
 * @param format     the code width
 * @param weight     int8 [out, in] or int4 [out, in / 2] bytes
 * @param scales     f32 [out] (int8) or [out, in / groupSize] (int4)
 * @param zeros      u8 [out, in / groupSize] (int4), 0 for int8
 * @param inputOrder i32 [in]: packed column j multiplies input inputOrder[j] (act-order int4); absent when identity
 * @param groupSize  input columns per scale (int4), {@code in} for int8
 * @param bias       bf16 [out]
 */
record CudaQuantizedLinear(Format format, long weight, long scales, long zeros, OptionalLong inputOrder, int groupSize,
                           OptionalLong bias, int inFeatures, int outFeatures) implements LinearWeights {

    /** The code width, and the code quant_gemv.cu gives it. */
    enum Format {
        INT8("int8"),
        INT4("int4");

        private final String kernelName;

        Format(String kernelName) {
            this.kernelName = kernelName;
        }

        String kernelName() {
            return kernelName;
        }
    }

    /**
     * Copies the stored tensors of int8/int4 weights to the device as they are; biases (any float type) become bf16.
     * FP8 weights are {@link CudaFp8Linear}'s.
     */
    static CudaQuantizedLinear upload(QuantizedLinear weights, List<TensorView> biasParts, WeightUploader uploader,
                                      DeviceMemory memory) {
        if (weights instanceof QuantizedLinear.Fp8) {
            throw new IllegalArgumentException("fp8 weights go to the device as CudaFp8Linear");
        }
        int in = weights.inFeatures();
        int out = weights.outFeatures();
        OptionalLong bias = uploadBias(biasParts, out, uploader, memory);
        return switch (weights) {
            case QuantizedLinear.Int8 int8 -> new CudaQuantizedLinear(Format.INT8, bytes(int8.weight(), uploader,
                    memory), floats(int8.scales(), uploader, memory), 0, OptionalLong.empty(), in, bias, in, out);
            case QuantizedLinear.Int4 int4 -> {
                OptionalLong order = OptionalLong.empty();
                if (int4.inputOrder().isPresent() && !isIdentity(Int4Packing.readOrder(int4.inputOrder().get(), in))) {
                    order = OptionalLong.of(bytes(int4.inputOrder().get(), uploader, memory));
                }
                yield new CudaQuantizedLinear(Format.INT4, bytes(int4.packed(), uploader, memory),
                        floats(int4.scales(), uploader, memory), bytes(int4.zeros(), uploader, memory), order,
                        int4.groupSize(), bias, in, out);
            }
            case QuantizedLinear.Fp8 fp8 -> throw new IllegalArgumentException("refused above");
        };
    }

    @Override
    public boolean hasBias() {
        return bias.isPresent();
    }

    private static long bytes(TensorView view, WeightUploader uploader, DeviceMemory memory) {
        long pointer = memory.allocate(view.data().byteSize());
        uploader.uploadBytes(view, pointer);
        return pointer;
    }

    private static long floats(TensorView view, WeightUploader uploader, DeviceMemory memory) {
        long pointer = memory.allocate(view.elementCount() * Float.BYTES);
        uploader.upload(view, pointer, DType.F32);
        return pointer;
    }

    private static OptionalLong uploadBias(List<TensorView> biasParts, int out, WeightUploader uploader,
                                           DeviceMemory memory) {
        if (biasParts.isEmpty()) {
            return OptionalLong.empty();
        }
        long pointer = memory.allocate((long) out * Short.BYTES);
        long offset = 0;
        for (TensorView part : biasParts) {
            if (offset + part.elementCount() > out) {
                throw new JllmException("bias " + biasParts.getFirst().name() + " has more than " + out + " values");
            }
            uploader.upload(part, pointer + offset * Short.BYTES, DType.BF16);
            offset += part.elementCount();
        }
        if (offset != out) {
            throw new JllmException("bias " + biasParts.getFirst().name() + " has " + offset + " values for " + out
                    + " outputs");
        }
        return OptionalLong.of(pointer);
    }

    private static boolean isIdentity(int[] order) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) {
                return false;
            }
        }
        return true;
    }
}
