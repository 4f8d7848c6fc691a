package ai.jllm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.config.EngineConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.QuantScheme;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Bytes a decode step reads, on the Llama-3-8B shape: the attention and MLP matrices as an engine stores them. */
class DecodeRooflineTest {

    private static final ModelConfig LLAMA_3_8B = ModelConfig.parse("""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
             "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 8, "max_position_embeddings": 8192, "rope_theta": 500000.0,
             "rms_norm_eps": 1e-5, "tie_word_embeddings": false, "torch_dtype": "bfloat16"}
            """, "llama-3-8b");
    /** 32 layers × (4096 × 6144 + 4096 × 4096 + 3 × 4096 × 14336) matrix elements. */
    private static final double LINEAR_ELEMENTS = 32.0 * 4096 * (6144 + 4096 + 3 * 14336);
    private static final double LM_HEAD_ELEMENTS = 128256.0 * 4096;

    @Test
    void quantizedEnginesReadTheirCodesAndABf16OutputProjection() {
        assertThat(DecodeRoofline.of(LLAMA_3_8B, 2, 2, 2).weightBytes())
                .isEqualTo(2 * LINEAR_ELEMENTS + 2 * LM_HEAD_ELEMENTS);
        double fp8 = DecodeRoofline.linearElementBytes(new EngineConfig.Quantization(QuantScheme.FP8,
                OptionalInt.empty(), EngineConfig.QuantMethod.RTN));
        assertThat(fp8).isEqualTo(1);
        assertThat(DecodeRoofline.of(LLAMA_3_8B, fp8, 2, 2).weightBytes() / 1e9).isCloseTo(8.03, within(0.01));
        assertThat(DecodeRoofline.linearElementBytes(new EngineConfig.Quantization(QuantScheme.INT4_WEIGHT_ONLY,
                OptionalInt.of(128), EngineConfig.QuantMethod.RTN))).isEqualTo(0.5 + 5.0 / 128);
        assertThat(DecodeRoofline.linearElementBytes(EngineConfig.Quantization.NONE)).isEqualTo(2);
        // Keys and values of 8 heads × 128 in bf16, over 32 layers.
        assertThat(DecodeRoofline.of(LLAMA_3_8B, 2, 2, 2).kvBytesPerToken()).isEqualTo(2.0 * 2 * 32 * 1024);
    }
}
