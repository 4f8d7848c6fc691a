package ai.jllm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The {@code quantization_config} sections of GPTQ and AWQ checkpoints as their libraries write them. */
class HfQuantizationConfigTest {

    private static HfQuantizationConfig parse(String section) {
        return HfQuantizationConfig.parse("{\"quantization_config\": " + section + "}", "config.json").orElseThrow();
    }

    @Test
    void gptq() {
        HfQuantizationConfig config = parse("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, "
                + "\"desc_act\": true, \"sym\": true, \"damp_percent\": 0.01, \"true_sequential\": true}");
        assertThat(config).isEqualTo(new HfQuantizationConfig(HfQuantizationConfig.Method.GPTQ, 4,
                OptionalInt.of(128), true, true));
        assertThat(parse("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": -1, "
                + "\"checkpoint_format\": \"gptq_v2\"}"))
                .isEqualTo(new HfQuantizationConfig(HfQuantizationConfig.Method.GPTQ, 4, OptionalInt.empty(), false,
                        false));
    }

    @Test
    void awq() {
        assertThat(parse("{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, \"zero_point\": true, "
                + "\"version\": \"GEMM\", \"modules_to_not_convert\": null}"))
                .isEqualTo(new HfQuantizationConfig(HfQuantizationConfig.Method.AWQ, 4, OptionalInt.of(128), false,
                        false));
    }

    @Test
    void absent() {
        assertThat(HfQuantizationConfig.parse("{\"hidden_size\": 8}", "config.json")).isEmpty();
    }

    @Test
    void whatIsRefused() {
        assertThatThrownBy(() -> parse("{\"quant_method\": \"bitsandbytes\"}"))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith("config.json: field 'quantization_config.quant_method' is 'bitsandbytes'");
        assertThatThrownBy(() -> parse("{\"quant_method\": \"gptq\", \"bits\": 8, \"group_size\": 128}"))
                .isInstanceOf(JllmException.class).hasMessageContaining("'quantization_config.bits' is 8");
        assertThatThrownBy(() -> parse("{\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, "
                + "\"version\": \"gemv\"}"))
                .isInstanceOf(JllmException.class).hasMessageContaining("GEMM layout");
        assertThatThrownBy(() -> parse("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, "
                + "\"checkpoint_format\": \"marlin\"}"))
                .isInstanceOf(JllmException.class).hasMessageContaining("checkpoint_format");
        assertThatThrownBy(() -> parse("{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 0}"))
                .isInstanceOf(JllmException.class).hasMessageContaining("group_size");
    }
}
