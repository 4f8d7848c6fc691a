package ai.jllm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.config.EngineConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.QuantScheme;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The bytes a decode step reads, by hand for Llama-3-8B's shape, dense and as int8/int4/fp8 engines store it. */
class DecodeRooflineTest {

    private static final ModelConfig LLAMA_3_8B = ModelConfig.parse("""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
             "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 8, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
             "max_position_embeddings": 8192, "tie_word_embeddings": false, "torch_dtype": "bfloat16"}
            """, "llama-3-8b");
    /** qkv 6144 x 4096, o 4096 x 4096, gate/up 28672 x 4096, down 4096 x 14336 */
    private static final double LAYER_WEIGHTS = 6144.0 * 4096 + 4096.0 * 4096 + 28672.0 * 4096 + 4096.0 * 14336;
    private static final double LAYER_ROWS = 6144 + 4096 + 28672 + 4096;
    private static final double LM_HEAD_BYTES = 2.0 * 128256 * 4096;
    /** bf16 keys and values: 2 tensors x 32 layers x 8 KV heads x 128 dimensions x 2 bytes. */
    private static final long KV_BYTES = 2L * 32 * 8 * 128 * 2;

    @Test
    void denseWeightsCountTwoBytesEach() {
        DecodeRoofline roofline = DecodeRoofline.of(LLAMA_3_8B, EngineConfig.Quantization.NONE, 2, KV_BYTES);
        assertThat(roofline.weightBytes()).isCloseTo(32 * 2 * LAYER_WEIGHTS + LM_HEAD_BYTES, within(1.0));
        assertThat(roofline.kvBytesPerToken()).isCloseTo(2.0 * 2 * 32 * 8 * 128, within(1e-9));
    }

    @Test
    void int8CountsAByteAWeightAndAScaleARow() {
        DecodeRoofline roofline = DecodeRoofline.of(LLAMA_3_8B, new EngineConfig.Quantization(
                QuantScheme.INT8_WEIGHT_ONLY, OptionalInt.empty(), EngineConfig.QuantMethod.RTN), 2, KV_BYTES);
        assertThat(roofline.weightBytes()).isCloseTo(32 * (LAYER_WEIGHTS + 4 * LAYER_ROWS) + LM_HEAD_BYTES,
                within(1.0));
    }

    @Test
    void fp8CountsAByteAWeightAndAScaleARow() {
        DecodeRoofline roofline = DecodeRoofline.of(LLAMA_3_8B, new EngineConfig.Quantization(
                QuantScheme.FP8, OptionalInt.empty(), EngineConfig.QuantMethod.RTN), 2, KV_BYTES);
        assertThat(roofline.weightBytes()).isCloseTo(32 * (LAYER_WEIGHTS + 4 * LAYER_ROWS) + LM_HEAD_BYTES,
                within(1.0));
        assertThat(roofline.weightBytes() / 1e9).isCloseTo(8.03, within(0.01));
    }

    @Test
    void int4CountsHalfAByteAWeightAndFiveBytesAGroup() {
        DecodeRoofline roofline = DecodeRoofline.of(LLAMA_3_8B, new EngineConfig.Quantization(
                QuantScheme.INT4_WEIGHT_ONLY, OptionalInt.of(128), EngineConfig.QuantMethod.RTN), 2, KV_BYTES);
        assertThat(roofline.weightBytes()).isCloseTo(32 * (LAYER_WEIGHTS / 2 + LAYER_WEIGHTS / 128 * 5)
                + LM_HEAD_BYTES, within(1.0));
        assertThat(roofline.weightBytes() / 1e9).isCloseTo(4.813, within(0.001));
    }
}
