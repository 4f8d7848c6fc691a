package ai.jllm.quant;

import ai.jllm.JllmException;
import ai.jllm.config.HfQuantizationConfig;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import ai.jllm.weights.WeightSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Reads one linear layer of a 4-bit GPTQ checkpoint as AutoGPTQ and GPTQModel save it ({@code <prefix>.qweight},
 * {@code .qzeros}, {@code .scales}, {@code .g_idx}):
 * <ul>
 *   <li>qweight: int32 [in / 8, out]; nibble k (from the least significant) of word [j, o] is the code of input
 *       8j + k of output o;</li>
 *   <li>qzeros: int32 [groups, out / 8]; nibble k of word [g, j] is the zero point of output 8j + k in group g, minus
 *       one in the original format ({@code checkpoint_format: gptq}), as is in {@code gptq_v2};</li>
 *   <li>scales: float16 [groups, out];</li>
 *   <li>g_idx: int32 [in], the group of each input (not {@code i / group_size} with act-order; kept only then).</li>
 * </ul>
 * The weight is {@code scales[g_idx[i], o] * (code - zero)}, as AutoGPTQ's reference kernel computes it.
 */
public final class GptqFormat {

    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int PACK = 8;

    private GptqFormat() {}

    /** Whether {@code prefix} names a GPTQ-packed layer in {@code source}. */
    public static boolean isPacked(WeightSource source, String prefix) {
        return source.contains(prefix + ".qweight");
    }

    public static Int4Codes read(WeightSource source, String prefix, int out, int in, HfQuantizationConfig config) {
        if (in % PACK != 0 || out % PACK != 0) {
            throw new JllmException(prefix + ": a GPTQ layer of " + in + " inputs and " + out
                    + " outputs cannot be packed 8 codes to a word");
        }
        int groupSize = config.groupSizeFor(in);
        int groups = Math.ceilDiv(in, groupSize);
        TensorView qweight = source.tensor(prefix + ".qweight").expectDtype(DType.I32, DType.U32)
                .expectShape(in / PACK, out);
        TensorView qzeros = source.tensor(prefix + ".qzeros").expectDtype(DType.I32, DType.U32)
                .expectShape(groups, out / PACK);
        TensorView scaleView = source.tensor(prefix + ".scales").expectDtype(DType.F16, DType.BF16, DType.F32)
                .expectShape(groups, out);
        byte[] codes = new byte[out * in];
        MemorySegment words = qweight.data();
        for (int packedRow = 0; packedRow < in / PACK; packedRow++) {
            for (int o = 0; o < out; o++) {
                int word = words.getAtIndex(I32, (long) packedRow * out + o);
                int base = o * in + packedRow * PACK;
                for (int k = 0; k < PACK; k++) {
                    codes[base + k] = (byte) (word >>> 4 * k & 0xF);
                }
            }
        }
        int zeroOffset = config.zeroPointMinusOne() ? 1 : 0;
        byte[] zeros = new byte[out * groups];
        MemorySegment zeroWords = qzeros.data();
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                int word = zeroWords.getAtIndex(I32, (long) g * (out / PACK) + o / PACK);
                zeros[o * groups + g] = (byte) ((word >>> 4 * (o % PACK) & 0xF) + zeroOffset);
            }
        }
        float[] scales = transpose(scaleView.toFloatArray(), groups, out);
        Optional<int[]> groupIndex = Optional.empty();
        if (source.contains(prefix + ".g_idx")) {
            TensorView view = source.tensor(prefix + ".g_idx").expectDtype(DType.I32, DType.I64).expectShape(in);
            int[] index = new int[in];
            boolean consecutive = true;
            for (int i = 0; i < in; i++) {
                long group = view.dtype() == DType.I32 ? view.data().getAtIndex(I32, i)
                        : view.data().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i);
                if (group < 0 || group >= groups) {
                    throw new JllmException(view.file() + ": tensor " + view.name() + " puts input " + i
                            + " in group " + group + ", outside its " + groups + " groups");
                }
                index[i] = (int) group;
                consecutive &= group == i / groupSize;
            }
            groupIndex = consecutive ? Optional.empty() : Optional.of(index);
        }
        return new Int4Codes(out, in, groupSize, codes, scales, zeros, groupIndex);
    }

    /** [rows, columns] → [columns, rows] */
    static float[] transpose(float[] values, int rows, int columns) {
        float[] result = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                result[c * rows + r] = values[r * columns + c];
            }
        }
        return result;
    }
}
