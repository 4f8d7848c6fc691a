package ai.jllm.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.config.HfQuantizationConfig;
import ai.jllm.config.HfQuantizationConfig.Method;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GPTQ (AutoGPTQ's original format and gptq_v2, symmetric and asymmetric, with and without act-order) and AWQ (AutoAWQ's
 * GEMM layout with its interleaved nibble order) layers packed by numpy exactly as those libraries pack them: every
 * code, zero point, scale and column group must come back as the fixture wrote it in natural order, and survive
 * jllm's own packing unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HfPackingTest {

    private static final int OUT = 64;
    private static final int IN = 256;

    private SafetensorsFile layers;

    @BeforeAll
    void open() {
        layers = QuantFixtures.layers();
    }

    @AfterAll
    void close() {
        layers.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gptq,GPTQ,128,false,true", "gptq_asym_act_order,GPTQ,32,true,true", "gptq_v2,GPTQ,64,false,false",
            "awq,AWQ,128,false,false"})
    void unpacksToTheLibrarysCodes(String name, Method method, int groupSize, boolean actOrder, boolean minusOne) {
        HfQuantizationConfig config = new HfQuantizationConfig(method, 4, OptionalInt.of(groupSize), actOrder,
                minusOne);
        Int4Codes codes = method == Method.GPTQ ? GptqFormat.read(layers, name, OUT, IN, config)
                : AwqFormat.read(layers, name, OUT, IN, config);
        assertMatchesReference(codes, name, groupSize);
        assertThat(codes.groupIndex().isPresent()).as("non-trivial g_idx").isEqualTo(actOrder);

        QuantizedLinear.Int4 packed = Int4Packing.pack(codes, name, Path.of("test"));
        assertThat(packed.inputOrder().isPresent()).isEqualTo(actOrder);
        assertMatchesReference(Int4Packing.unpack(packed), name, groupSize);
    }

    private void assertMatchesReference(Int4Codes codes, String name, int groupSize) {
        int groups = IN / groupSize;
        byte[] expectedCodes = QuantFixtures.bytes(layers.tensor(name + ".codes"));
        byte[] expectedZeros = QuantFixtures.bytes(layers.tensor(name + ".zero"));       // [groups, out]
        float[] expectedScales = layers.tensor(name + ".scale").toFloatArray();          // [groups, out]
        int[] expectedGroups = QuantFixtures.ints(layers.tensor(name + ".group"));
        assertThat(codes.codes()).isEqualTo(expectedCodes);
        for (int o = 0; o < OUT; o++) {
            for (int g = 0; g < groups; g++) {
                assertThat(codes.zeros()[o * groups + g]).as("zero[%d, %d]", o, g)
                        .isEqualTo(expectedZeros[g * OUT + o]);
                assertThat(codes.scales()[o * groups + g]).as("scale[%d, %d]", o, g)
                        .isEqualTo(expectedScales[g * OUT + o]);
            }
        }
        for (int c = 0; c < IN; c++) {
            assertThat(codes.groupOf(c)).as("group of column %d", c).isEqualTo(expectedGroups[c]);
        }
        for (int o = 0; o < OUT; o++) {
            for (int c = 0; c < IN; c++) {
                int group = expectedGroups[c];
                float expected = (expectedCodes[o * IN + c] - expectedZeros[group * OUT + o])
                        * expectedScales[group * OUT + o];
                assertThat(codes.dequantize(o, c)).isEqualTo(expected);
            }
        }
    }

    @Test
    void aLayerOfTheWrongShapeNamesTheTensor() {
        HfQuantizationConfig config = new HfQuantizationConfig(Method.GPTQ, 4, OptionalInt.of(128), false, true);
        assertThatThrownBy(() -> GptqFormat.read(layers, "gptq", OUT, 2 * IN, config))
                .isInstanceOf(JllmException.class).hasMessageContaining("gptq.qweight").hasMessageContaining("shape");
    }
}
