package ai.jllm.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.weights.QuantizedLinear;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** jllm's int4 layout byte by byte, and the act-order reordering. */
class Int4PackingTest {

    @Test
    void byteKOfABlockHoldsColumnKLowAndColumnKPlus16High() {
        int columns = 64;
        byte[] codes = new byte[2 * columns];
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < columns; c++) {
                codes[r * columns + c] = (byte) ((c + 3 * r) % 16);
            }
        }
        Int4Codes weight = new Int4Codes(2, columns, 32, codes, new float[4], new byte[4], Optional.empty());
        QuantizedLinear.Int4 packed = Int4Packing.pack(weight, "w", Path.of("test"));
        byte[] bytes = packed.packed().data().toArray(ValueLayout.JAVA_BYTE);
        assertThat(bytes).hasSize(2 * columns / 2);
        for (int r = 0; r < 2; r++) {
            for (int block = 0; block < columns / 32; block++) {
                for (int k = 0; k < 16; k++) {
                    int low = (block * 32 + k + 3 * r) % 16;
                    int high = (block * 32 + k + 16 + 3 * r) % 16;
                    assertThat(bytes[r * columns / 2 + block * 16 + k] & 0xFF).isEqualTo(low | high << 4);
                }
            }
        }
    }

    @Test
    void actOrderColumnsAreSortedByGroupAndTheOrderKept() {
        int columns = 64;
        int[] group = new int[columns];
        for (int c = 0; c < columns; c++) {
            group[c] = (c % 2 == 0) ? 1 : 0; // odd columns form group 0, even ones group 1
        }
        byte[] codes = new byte[columns];
        for (int c = 0; c < columns; c++) {
            codes[c] = (byte) (c % 16);
        }
        Int4Codes weight = new Int4Codes(1, columns, 32, codes, new float[] {1f, 2f}, new byte[] {0, 1},
                Optional.of(group));
        QuantizedLinear.Int4 packed = Int4Packing.pack(weight, "w", Path.of("test"));
        int[] order = Int4Packing.readOrder(packed.inputOrder().orElseThrow(), columns);
        for (int j = 0; j < 32; j++) {
            assertThat(order[j]).isEqualTo(2 * j + 1);
            assertThat(order[32 + j]).isEqualTo(2 * j);
        }
        assertThat(Int4Packing.unpack(packed).codes()).isEqualTo(codes);
    }

    @Test
    void groupsOfUnequalSizeAreRefused() {
        int[] group = new int[64];
        group[0] = 1; // group 0 has 31 columns, group 1 has 33... after the loop below
        for (int c = 1; c < 64; c++) {
            group[c] = c < 32 ? 0 : 1;
        }
        Int4Codes weight = new Int4Codes(1, 64, 32, new byte[64], new float[2], new byte[2], Optional.of(group));
        assertThatThrownBy(() -> Int4Packing.pack(weight, "layers.0.attn.qkv", Path.of("test")))
                .isInstanceOf(JllmException.class).hasMessageContaining("layers.0.attn.qkv")
                .hasMessageContaining("31 columns instead of 32");
    }
}
