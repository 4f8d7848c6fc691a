package ai.jllm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.config.Architecture;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.RopeScaling;
import ai.jllm.tensor.DType;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The prefill operation count against sums written out by hand for Llama-3-8B's shape. */
class PrefillRooflineTest {

    private static final ModelConfig LLAMA_3_8B = new ModelConfig(Architecture.LLAMA, 128256, 4096, 14336, 32, 32, 8,
            128, 1e-5, 500000.0, new RopeScaling.None(), 8192, false, false, false, false, false,
            OptionalInt.empty(), DType.BF16);

    @Test
    void llama3_8bPrefillOf2048Tokens() {
        PrefillRoofline roofline = PrefillRoofline.of(LLAMA_3_8B);
        // Per layer: q 4096², k and v 4096·1024 each, o 4096², gate, up and down 4096·14336 each.
        double perLayer = 4096.0 * 4096 * 2 + 2 * 4096.0 * 1024 + 3 * 4096.0 * 14336;
        double matrices = 2 * perLayer * 32 * 2048 + 2 * 128256.0 * 4096;
        // Causal pairs 2048·2049/2, per pair 2·128 for the scores and 2·128 for the values, 32 heads, 32 layers.
        double attention = 2048.0 * 2049 / 2 * 4 * 128 * 32 * 32;
        assertThat(roofline.flops(1, 2048)).isCloseTo(matrices + attention, within(1.0));
        assertThat(roofline.flops(3, 2048)).isCloseTo(3 * (matrices + attention), within(1.0));
        assertThat(roofline.attentionShare(1, 2048)).isCloseTo(attention / (matrices + attention), within(1e-12));
    }
}
