package ai.jllm.build;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.lang.foreign.MemorySegment;

/** Reads stored matrix rows as floats and writes floats back in an engine dtype, one row at a time. */
final class FloatRows {

    private FloatRows() {}

    /** Columns [start, end) of row {@code row} of {@code view} (F32, F16 or BF16) into {@code target[0...]}. */
    static void read(TensorView view, long row, int start, int end, float[] target) {
        MemorySegment data = view.data();
        long columns = view.dim(1);
        long first = row * columns + start;
        int count = end - start;
        switch (view.dtype()) {
            case F32 -> MemorySegment.copy(data, TensorView.F32_LE, first * Float.BYTES, target, 0, count);
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    target[i] = Float.intBitsToFloat(data.getAtIndex(TensorView.I16_LE, first + i) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    target[i] = Float.float16ToFloat(data.getAtIndex(TensorView.I16_LE, first + i));
                }
            }
            default -> throw new JllmException(view.file() + ": tensor " + view.name() + " has dtype " + view.dtype()
                    + "; jllm build reads float32, float16 and bfloat16 weights");
        }
    }

    /** {@code values[0, count)} stored as {@code dtype} at {@code target + byteOffset}. */
    static void write(float[] values, int count, DType dtype, MemorySegment target, long byteOffset) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(values, 0, target, TensorView.F32_LE, byteOffset, count);
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    target.set(TensorView.I16_LE, byteOffset + 2L * i, bfloat16(values[i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    target.set(TensorView.I16_LE, byteOffset + 2L * i, Float.floatToFloat16(values[i]));
                }
            }
            default -> throw new IllegalArgumentException("engine dtype " + dtype);
        }
    }

    /** Rounds to the nearest bfloat16, ties to even (what PyTorch's {@code .to(torch.bfloat16)} does). */
    static short bfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) (bits >>> 16 | 0x40);
        }
        return (short) ((bits + 0x7FFF + (bits >>> 16 & 1)) >>> 16);
    }

    /** The whole of a small tensor (norm weight, bias) as float32 bytes. */
    static MemorySegment float32(float[] values) {
        MemorySegment segment = MemorySegment.ofArray(new byte[values.length * Float.BYTES]);
        MemorySegment.copy(values, 0, segment, TensorView.F32_LE, 0, values.length);
        return segment;
    }
}
