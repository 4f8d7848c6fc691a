package ai.jllm.quant;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.weights.SafetensorsFile;
import org.junit.jupiter.api.Test;

/**
 * jllm build's round-to-nearest against the same algorithm written in numpy float32 (scripts/golden/
 * make_quant_fixtures.py), code for code, on random rows plus a zero row, constant groups and an outlier; and the
 * rounding error it must stay within.
 */
class RoundToNearestTest {

    private static final int ROWS = 12;
    private static final int COLUMNS = 256;
    private static final int GROUP = 64;

    @Test
    void int8MatchesNumpy() {
        try (SafetensorsFile layers = QuantFixtures.layers()) {
            float[] weight = layers.tensor("rtn.weight").toFloatArray();
            byte[] expectedCodes = QuantFixtures.bytes(layers.tensor("rtn.int8.codes"));
            float[] expectedScales = layers.tensor("rtn.int8.scale").toFloatArray();
            byte[] codes = new byte[ROWS * COLUMNS];
            for (int r = 0; r < ROWS; r++) {
                float[] row = java.util.Arrays.copyOfRange(weight, r * COLUMNS, (r + 1) * COLUMNS);
                float scale = RoundToNearest.int8Row(row, COLUMNS, codes, r * COLUMNS);
                assertThat(scale).as("scale of row %d", r).isEqualTo(expectedScales[r]);
                for (int c = 0; c < COLUMNS; c++) {
                    assertThat(Math.abs(codes[r * COLUMNS + c] * scale - row[c])).isLessThanOrEqualTo(scale / 2 * 1.0001f);
                }
            }
            assertThat(codes).isEqualTo(expectedCodes);
        }
    }

    @Test
    void int4MatchesNumpy() {
        try (SafetensorsFile layers = QuantFixtures.layers()) {
            float[] weight = layers.tensor("rtn.weight").toFloatArray();
            byte[] expectedCodes = QuantFixtures.bytes(layers.tensor("rtn.int4.codes"));
            float[] expectedScales = layers.tensor("rtn.int4.scale").toFloatArray();
            byte[] expectedZeros = QuantFixtures.bytes(layers.tensor("rtn.int4.zero"));
            int groups = COLUMNS / GROUP;
            byte[] codes = new byte[ROWS * COLUMNS];
            float[] scales = new float[ROWS * groups];
            byte[] zeros = new byte[ROWS * groups];
            for (int r = 0; r < ROWS; r++) {
                float[] row = java.util.Arrays.copyOfRange(weight, r * COLUMNS, (r + 1) * COLUMNS);
                RoundToNearest.int4Row(row, COLUMNS, GROUP, codes, r * COLUMNS, scales, zeros, r * groups);
            }
            assertThat(codes).isEqualTo(expectedCodes);
            assertThat(scales).isEqualTo(expectedScales);
            assertThat(zeros).isEqualTo(expectedZeros);
            Int4Codes quantized = new Int4Codes(ROWS, COLUMNS, GROUP, codes, scales, zeros, java.util.Optional.empty());
            for (int r = 0; r < ROWS; r++) {
                for (int c = 0; c < COLUMNS; c++) {
                    float scale = scales[r * groups + c / GROUP];
                    assertThat(Math.abs(quantized.dequantize(r, c) - weight[r * COLUMNS + c]))
                            .as("error at [%d, %d]", r, c).isLessThanOrEqualTo(scale * 0.5001f);
                }
            }
            // Constant groups come back exactly.
            assertThat(quantized.dequantize(5, 100)).isEqualTo(0.125f);
            assertThat(quantized.dequantize(7, 130)).isEqualTo(-0.5f);
            assertThat(quantized.dequantize(3, 17)).isZero();
        }
    }
}
