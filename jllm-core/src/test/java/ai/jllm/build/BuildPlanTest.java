package ai.jllm.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.HfQuantizationConfig;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * What {@code jllm build} accepts and refuses, on the published Qwen2.5-0.5B-Instruct config (14 heads, 2 KV heads,
 * hidden 896, intermediate 4864): every refusal names the option and the model field or projection at fault.
 */
class BuildPlanTest {

    private static final ModelConfig QWEN = qwen();
    private static final HfQuantizationConfig GPTQ = new HfQuantizationConfig(HfQuantizationConfig.Method.GPTQ, 4,
            OptionalInt.of(128), false, true);

    private static ModelConfig qwen() {
        try {
            Path config = Path.of(BuildPlanTest.class.getResource("/ai/jllm/config/qwen2.5-0.5b-instruct/config.json")
                    .toURI());
            return ModelConfig.parse(Files.readString(config), config.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EngineConfig plan(BuildOptions.Builder options) {
        return BuildPlan.resolve(QWEN, Optional.empty(), options.build());
    }

    @Test
    void defaults() {
        EngineConfig engine = plan(BuildOptions.builder());
        assertThat(engine.dtype()).isEqualTo(DType.BF16);
        assertThat(engine.quantization()).isEqualTo(EngineConfig.Quantization.NONE);
        assertThat(engine.limits().maxBatchSize()).isEqualTo(256);
        assertThat(engine.limits().maxSeqLen()).isEqualTo(QWEN.maxPositionEmbeddings());
        assertThat(engine.limits().maxNumTokens()).isEqualTo(8192);
        assertThat(engine.tpSize()).isEqualTo(1);
        EngineConfig int4 = plan(BuildOptions.builder().quantization(QuantScheme.INT4_WEIGHT_ONLY));
        assertThat(int4.quantization().groupSize()).hasValue(128);
        assertThat(int4.quantization().method()).isEqualTo(EngineConfig.QuantMethod.RTN);
        assertThat(EngineConfig.parse("{\"jllm_engine\": " + int4.toJson() + "}", "test")).isEqualTo(int4);
    }

    @Test
    void anUnknownScheme() {
        assertThatThrownBy(() -> QuantScheme.parse("int3_weight_only"))
                .isInstanceOf(JllmException.class)
                .hasMessage("unknown quantization 'int3_weight_only' (choose none, int8_weight_only, int4_weight_only, "
                        + "fp8)");
    }

    @Test
    void aGroupSizeThatDoesNotDivideAProjectionsInputs() {
        assertThatThrownBy(() -> plan(BuildOptions.builder().quantization(QuantScheme.INT4_WEIGHT_ONLY).groupSize(256)))
                .isInstanceOf(JllmException.class)
                .hasMessage("--group-size 256 does not divide the 896 inputs of layers.*.attn.qkv");
        assertThatThrownBy(() -> plan(BuildOptions.builder().quantization(QuantScheme.INT4_WEIGHT_ONLY).groupSize(128)
                .tpSize(2)))
                .isInstanceOf(JllmException.class)
                .hasMessage("--group-size 128 does not divide the 448 inputs of layers.*.attn.o per rank (--tp-size 2)");
        assertThatThrownBy(() -> plan(BuildOptions.builder().quantization(QuantScheme.INT4_WEIGHT_ONLY).groupSize(48)))
                .isInstanceOf(JllmException.class).hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> plan(BuildOptions.builder().quantization(QuantScheme.INT8_WEIGHT_ONLY).groupSize(64)))
                .isInstanceOf(JllmException.class).hasMessageContaining("--group-size applies to int4_weight_only");
    }

    @Test
    void aTensorParallelSizeThatDoesNotDivideTheHeads() {
        assertThatThrownBy(() -> plan(BuildOptions.builder().tpSize(4)))
                .isInstanceOf(JllmException.class)
                .hasMessage("--tp-size 4 does not divide the model's num_attention_heads (14)");
        assertThatThrownBy(() -> plan(BuildOptions.builder().tpSize(7)))
                .isInstanceOf(JllmException.class)
                .hasMessage("--tp-size 7 does not divide the model's num_key_value_heads (2)");
        assertThatThrownBy(() -> plan(BuildOptions.builder().tpSize(0)))
                .isInstanceOf(JllmException.class).hasMessageContaining("at least 1");
        assertThat(plan(BuildOptions.builder().tpSize(2)).tpSize()).isEqualTo(2);
    }

    @Test
    void fp8StoresE4m3WeightsWithAScalePerOutputChannel() {
        EngineConfig fp8 = plan(BuildOptions.builder().quantization(QuantScheme.FP8));
        assertThat(fp8.quantization()).isEqualTo(new EngineConfig.Quantization(QuantScheme.FP8, OptionalInt.empty(),
                EngineConfig.QuantMethod.RTN));
        assertThat(EngineConfig.parse("{\"jllm_engine\": " + fp8.toJson() + "}", "test")).isEqualTo(fp8);
        List<TensorSpec> specs = BuildPlan.layerSpecs(QWEN, fp8, 0, false);
        TensorSpec qkv = specs.stream().filter(spec -> spec.name().equals("layers.0.attn.qkv.weight")).findFirst()
                .orElseThrow();
        assertThat(qkv.dtype()).isEqualTo(DType.F8_E4M3);
        assertThat(qkv.shape()).containsExactly(896 + 2 * 128, 896);
        TensorSpec scales = specs.stream().filter(spec -> spec.name().equals("layers.0.ffn.down.scales")).findFirst()
                .orElseThrow();
        assertThat(scales.dtype()).isEqualTo(DType.F32);
        assertThat(scales.shape()).containsExactly(896);
        assertThatThrownBy(() -> plan(BuildOptions.builder().quantization(QuantScheme.FP8).groupSize(128)))
                .isInstanceOf(JllmException.class).hasMessage("--group-size applies to int4_weight_only, not fp8");
    }

    @Test
    void eightBitKvCachesAreRecorded() {
        assertThat(plan(BuildOptions.builder().kvCacheDtype(KvCacheDtype.INT8)).kvCacheDtype())
                .isEqualTo(KvCacheDtype.INT8);
    }

    @Test
    void limitsAndDtype() {
        assertThatThrownBy(() -> plan(BuildOptions.builder().maxBatchSize(64).maxNumTokens(32)))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("--max-num-tokens 32 is below --max-batch-size 64");
        assertThatThrownBy(() -> plan(BuildOptions.builder().maxBatchSize(0)))
                .isInstanceOf(JllmException.class).hasMessageContaining("max_batch_size must be positive");
        assertThatThrownBy(() -> plan(BuildOptions.builder().dtype(DType.I8)))
                .isInstanceOf(JllmException.class).hasMessageContaining("--dtype int8");
        assertThat(plan(BuildOptions.builder().dtype(DType.F16)).dtype()).isEqualTo(DType.F16);
    }

    @Test
    void preQuantizedCheckpointsKeepTheirInt4() {
        EngineConfig engine = BuildPlan.resolve(QWEN, Optional.of(GPTQ), BuildOptions.builder().build());
        assertThat(engine.quantization().scheme()).isEqualTo(QuantScheme.INT4_WEIGHT_ONLY);
        assertThat(engine.quantization().groupSize()).hasValue(128);
        assertThat(engine.quantization().method()).isEqualTo(EngineConfig.QuantMethod.GPTQ);
        assertThatThrownBy(() -> BuildPlan.resolve(QWEN, Optional.of(GPTQ),
                BuildOptions.builder().quantization(QuantScheme.INT8_WEIGHT_ONLY).build()))
                .isInstanceOf(JllmException.class).hasMessageContaining("4-bit gptq checkpoint");
        assertThatThrownBy(() -> BuildPlan.resolve(QWEN, Optional.of(GPTQ),
                BuildOptions.builder().groupSize(64).build()))
                .isInstanceOf(JllmException.class).hasMessageContaining("quantized in groups of 128");
        HfQuantizationConfig actOrder = new HfQuantizationConfig(HfQuantizationConfig.Method.GPTQ, 4,
                OptionalInt.of(32), true, true);
        assertThatThrownBy(() -> BuildPlan.resolve(QWEN, Optional.of(actOrder),
                BuildOptions.builder().tpSize(2).build()))
                .isInstanceOf(JllmException.class).hasMessageContaining("act-order");
        HfQuantizationConfig perRow = new HfQuantizationConfig(HfQuantizationConfig.Method.GPTQ, 4,
                OptionalInt.empty(), false, true);
        assertThatThrownBy(() -> BuildPlan.resolve(QWEN, Optional.of(perRow), BuildOptions.builder().build()))
                .isInstanceOf(JllmException.class).hasMessageContaining("group_size -1");
    }
}
