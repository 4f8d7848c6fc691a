package ai.jllm.quant;

import ai.jllm.JllmException;
import ai.jllm.config.HfQuantizationConfig;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import ai.jllm.weights.WeightSource;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Reads one linear layer of a 4-bit AWQ checkpoint in AutoAWQ's GEMM layout ({@code <prefix>.qweight}, {@code .qzeros},
 * {@code .scales}):
 * <ul>
 *   <li>qweight: int32 [in, out / 8], packed along the outputs in AWQ's interleaved order: nibble k (from the least
 *       significant) of word [i, j] is the code of output {@code 8j + ORDER[k]}, ORDER = (0, 2, 4, 6, 1, 3, 5, 7);</li>
 *   <li>qzeros: int32 [in / group_size, out / 8], the zero points packed the same way;</li>
 *   <li>scales: float16 [in / group_size, out].</li>
 * </ul>
 * The weight is {@code (code - zero) * scale}.
 */
public final class AwqFormat {

    /** For output 8j + m, the nibble that holds it: the inverse of AutoAWQ's packing order. */
    private static final int[] NIBBLE_OF_OUTPUT = {0, 4, 1, 5, 2, 6, 3, 7};
    private static final int PACK = 8;

    private AwqFormat() {}

    public static Int4Codes read(WeightSource source, String prefix, int out, int in, HfQuantizationConfig config) {
        int groupSize = config.groupSizeFor(in);
        if (out % PACK != 0 || in % groupSize != 0) {
            throw new JllmException(prefix + ": an AWQ layer of " + in + " inputs and " + out + " outputs does not "
                    + "fit its packing (outputs a multiple of 8, inputs a multiple of the group size " + groupSize + ")");
        }
        int groups = in / groupSize;
        TensorView qweight = source.tensor(prefix + ".qweight").expectDtype(DType.I32, DType.U32)
                .expectShape(in, out / PACK);
        TensorView qzeros = source.tensor(prefix + ".qzeros").expectDtype(DType.I32, DType.U32)
                .expectShape(groups, out / PACK);
        TensorView scaleView = source.tensor(prefix + ".scales").expectDtype(DType.F16, DType.BF16, DType.F32)
                .expectShape(groups, out);
        byte[] codes = new byte[out * in];
        MemorySegment words = qweight.data();
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                int word = words.getAtIndex(GptqFormat.I32, (long) i * (out / PACK) + o / PACK);
                codes[o * in + i] = (byte) (word >>> 4 * NIBBLE_OF_OUTPUT[o % PACK] & 0xF);
            }
        }
        byte[] zeros = new byte[out * groups];
        MemorySegment zeroWords = qzeros.data();
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                int word = zeroWords.getAtIndex(GptqFormat.I32, (long) g * (out / PACK) + o / PACK);
                zeros[o * groups + g] = (byte) (word >>> 4 * NIBBLE_OF_OUTPUT[o % PACK] & 0xF);
            }
        }
        float[] scales = GptqFormat.transpose(scaleView.toFloatArray(), groups, out);
        return new Int4Codes(out, in, groupSize, codes, scales, zeros, Optional.empty());
    }
}
