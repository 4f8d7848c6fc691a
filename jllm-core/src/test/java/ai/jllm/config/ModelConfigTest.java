package ai.jllm.config;

import static ai.jllm.config.ConfigResources.configText;
import static ai.jllm.config.ConfigResources.edited;
import static ai.jllm.config.ConfigResources.json;
import static ai.jllm.config.ConfigResources.modelDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * config.json parsing against the published configs of the supported model families. The expected values are what
 * transformers' config classes make of those files (see the model cards), written out by hand.
 */
class ModelConfigTest {

    private static final RopeScaling NO_SCALING = new RopeScaling.None();

    @Test
    void llama2_7b() {
        assertThat(ModelConfig.load(modelDir("llama-2-7b"))).isEqualTo(new ModelConfig(
                Architecture.LLAMA, 32000, 4096, 11008, 32, 32, 32, 128, 1e-5, 10000.0, NO_SCALING, 4096,
                false, false, false, false, false, OptionalInt.empty(), DType.F16));
    }

    @Test
    void llama31_8bHasLlama3RopeScaling() {
        ModelConfig config = ModelConfig.load(modelDir("llama-3.1-8b"));
        assertThat(config).isEqualTo(new ModelConfig(
                Architecture.LLAMA, 128256, 4096, 14336, 32, 32, 8, 128, 1e-5, 500000.0,
                new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192), 131072,
                false, false, false, false, false, OptionalInt.empty(), DType.BF16));
        assertThat(config.qSize()).isEqualTo(4096);
        assertThat(config.kvSize()).isEqualTo(1024);
        assertThat(config.queriesPerKeyValueHead()).isEqualTo(4);
    }

    @Test
    void llama32_1bIsTied() {
        assertThat(ModelConfig.load(modelDir("llama-3.2-1b"))).isEqualTo(new ModelConfig(
                Architecture.LLAMA, 128256, 2048, 8192, 16, 32, 8, 64, 1e-5, 500000.0,
                new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192), 131072,
                true, false, false, false, false, OptionalInt.empty(), DType.BF16));
    }

    @Test
    void mistral7bV01HasSlidingWindow() {
        assertThat(ModelConfig.load(modelDir("mistral-7b-v0.1"))).isEqualTo(new ModelConfig(
                Architecture.MISTRAL, 32000, 4096, 14336, 32, 32, 8, 128, 1e-5, 10000.0, NO_SCALING, 32768,
                false, false, false, false, false, OptionalInt.of(4096), DType.BF16));
    }

    @Test
    void mistral7bV03HasNoSlidingWindow() {
        assertThat(ModelConfig.load(modelDir("mistral-7b-v0.3"))).isEqualTo(new ModelConfig(
                Architecture.MISTRAL, 32768, 4096, 14336, 32, 32, 8, 128, 1e-5, 1e6, NO_SCALING, 32768,
                false, false, false, false, false, OptionalInt.empty(), DType.BF16));
    }

    @Test
    void qwen25_05bInstructHasQkvBiasAndTiedEmbeddings() {
        ModelConfig config = ModelConfig.load(modelDir("qwen2.5-0.5b-instruct"));
        assertThat(config).isEqualTo(new ModelConfig(
                Architecture.QWEN2, 151936, 896, 4864, 24, 14, 2, 64, 1e-6, 1e6, NO_SCALING, 32768,
                true, true, false, false, false, OptionalInt.empty(), DType.BF16));
        assertThat(config.kvSize()).isEqualTo(128);
    }

    @Test
    void qwen3_06bHasExplicitHeadDimAndQkNorm() {
        ModelConfig config = ModelConfig.load(modelDir("qwen3-0.6b"));
        assertThat(config).isEqualTo(new ModelConfig(
                Architecture.QWEN3, 151936, 1024, 3072, 28, 16, 8, 128, 1e-6, 1e6, NO_SCALING, 40960,
                true, false, false, false, true, OptionalInt.empty(), DType.BF16));
        assertThat(config.qSize()).as("Qwen3's heads are wider than hidden_size / heads").isEqualTo(2048);
    }

    @Test
    void transformersV5LayoutMatchesTheV4Layout() {
        assertThat(ModelConfig.load(modelDir("llama-3.2-1b-transformers-v5")))
                .isEqualTo(ModelConfig.load(modelDir("llama-3.2-1b")));
        assertThat(ModelConfig.load(modelDir("qwen3-0.6b-transformers-v5")))
                .isEqualTo(ModelConfig.load(modelDir("qwen3-0.6b")));
    }

    @Test
    void legacyRopeScalingWinsOverRopeParametersAsInTransformersV5() {
        String text = edited("llama-3.2-1b-transformers-v5", root -> root.set("rope_scaling",
                json("{\"rope_type\": \"linear\", \"factor\": 2.0}")));
        ModelConfig config = ModelConfig.parse(text, "config.json");
        assertThat(config.ropeScaling()).isEqualTo(new RopeScaling.Linear(2.0));
        assertThat(config.ropeTheta()).as("rope_theta falls back to the top level, then the default")
                .isEqualTo(10000.0);
    }

    @Test
    void linearScalingWithTheOldTypeKey() {
        String text = edited("llama-2-7b", root -> root.set("rope_scaling",
                json("{\"type\": \"linear\", \"factor\": 4}")));
        assertThat(ModelConfig.parse(text, "config.json").ropeScaling()).isEqualTo(new RopeScaling.Linear(4.0));
    }

    @Test
    void defaultRopeTypeIsNoScaling() {
        String text = edited("llama-2-7b", root -> root.set("rope_scaling", json("{\"rope_type\": \"default\"}")));
        assertThat(ModelConfig.parse(text, "config.json").ropeScaling()).isEqualTo(NO_SCALING);
    }

    @Test
    void unsupportedArchitectureListsTheSupportedOnes() {
        String text = edited("llama-2-7b", root -> root.set("architectures", json("[\"GPT2LMHeadModel\"]")));
        assertThatThrownBy(() -> ModelConfig.parse(text, "gpt2/config.json"))
                .isInstanceOf(JllmException.class)
                .hasMessage("gpt2/config.json: unsupported architecture 'GPT2LMHeadModel' (supported: "
                        + "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)");
    }

    @Test
    void modelTypeSelectsTheArchitectureWhenArchitecturesIsAbsent() {
        String text = edited("qwen2.5-0.5b-instruct", root -> root.remove("architectures"));
        assertThat(ModelConfig.parse(text, "config.json").architecture()).isEqualTo(Architecture.QWEN2);

        String unknown = edited("llama-2-7b", root -> {
            root.remove("architectures");
            root.put("model_type", "gemma");
        });
        assertThatThrownBy(() -> ModelConfig.parse(unknown, "config.json"))
                .hasMessageContaining("unsupported model_type 'gemma'")
                .hasMessageContaining("llama, mistral, qwen2, qwen3");

        String neither = edited("llama-2-7b", root -> {
            root.remove("architectures");
            root.remove("model_type");
        });
        assertThatThrownBy(() -> ModelConfig.parse(neither, "config.json"))
                .hasMessage("config.json: neither 'architectures' nor 'model_type' says which model this is");
    }

    @Test
    void yarnRopeScalingIsRefused() {
        String text = edited("qwen2.5-0.5b-instruct", root -> root.set("rope_scaling",
                json("{\"factor\": 4.0, \"original_max_position_embeddings\": 32768, \"type\": \"yarn\"}")));
        assertThatThrownBy(() -> ModelConfig.parse(text, "qwen/config.json"))
                .isInstanceOf(JllmException.class)
                .hasMessage("qwen/config.json: field 'rope_scaling.type' is 'yarn', which jllm does not implement"
                        + " (supported: default, linear, llama3)");
    }

    @Test
    void dynamicRopeInV5LayoutIsRefused() {
        String text = edited("llama-3.2-1b-transformers-v5", root -> root.set("rope_parameters",
                json("{\"rope_type\": \"dynamic\", \"factor\": 2.0, \"rope_theta\": 10000.0}")));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessageContaining("field 'rope_parameters.rope_type' is 'dynamic'");
    }

    @Test
    void llama3ScalingNeedsAllItsFields() {
        String text = edited("llama-3.1-8b", root -> ((ObjectNode)
                root.get("rope_scaling")).remove("low_freq_factor"));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessage("config.json: field 'rope_scaling.low_freq_factor' is required but missing");
    }

    @Test
    void partialRotaryIsRefused() {
        String text = edited("llama-2-7b", root -> root.put("partial_rotary_factor", 0.5));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessageContaining("field 'partial_rotary_factor' is 0.5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads"})
    void requiredFieldsMustBePresent(String field) {
        String text = edited("llama-3.1-8b", root -> root.remove(field));
        assertThatThrownBy(() -> ModelConfig.parse(text, "m/config.json"))
                .isInstanceOf(JllmException.class)
                .hasMessage("m/config.json: field '" + field + "' is required but missing");
    }

    @Test
    void requiredFieldSetToNullCountsAsMissing() {
        String text = edited("llama-3.1-8b", root -> root.putNull("hidden_size"));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessage("config.json: field 'hidden_size' is required but missing");
    }

    @Test
    void wrongTypesAreNamed() {
        String text = edited("llama-3.1-8b", root -> root.put("hidden_size", "4096"));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessage("config.json: field 'hidden_size' must be a 32-bit integer, got \"4096\"");
        String fractional = edited("llama-3.1-8b", root -> root.put("num_hidden_layers", 32.5));
        assertThatThrownBy(() -> ModelConfig.parse(fractional, "config.json"))
                .hasMessageContaining("field 'num_hidden_layers' must be a 32-bit integer, got 32.5");
    }

    @Test
    void sizesMustBePositive() {
        String text = edited("llama-3.1-8b", root -> root.put("intermediate_size", 0));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessage("config.json: field 'intermediate_size' must be positive, got 0");
    }

    @Test
    void keyValueHeadsMustDivideHeads() {
        String text = edited("llama-3.1-8b", root -> root.put("num_key_value_heads", 5));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessage("config.json: field 'num_key_value_heads' is 5, which does not divide"
                        + " num_attention_heads (32)");
    }

    @Test
    void onlySiluIsSupported() {
        String text = edited("llama-2-7b", root -> root.put("hidden_act", "gelu_pytorch_tanh"));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessage("config.json: field 'hidden_act' is 'gelu_pytorch_tanh', but only 'silu' is supported");
    }

    @Test
    void qwenPerLayerSlidingWindowIsRefused() {
        String text = edited("qwen2.5-0.5b-instruct", root -> root.put("use_sliding_window", true));
        assertThatThrownBy(() -> ModelConfig.parse(text, "config.json"))
                .hasMessageContaining("field 'use_sliding_window' is true, but per-layer sliding windows");
        String v5 = edited("qwen3-0.6b-transformers-v5", root -> root.set("layer_types",
                json("[\"full_attention\", \"sliding_attention\"]")));
        assertThatThrownBy(() -> ModelConfig.parse(v5, "config.json"))
                .hasMessageContaining("field 'layer_types' contains 'sliding_attention'");
    }

    @Test
    void headDimDefaultsFollowTransformers() {
        String nullHeadDim = edited("llama-3.2-1b", root -> root.putNull("head_dim"));
        assertThat(ModelConfig.parse(nullHeadDim, "config.json").headDim()).isEqualTo(2048 / 32);
        String qwen3Without = edited("qwen3-0.6b", root -> root.remove("head_dim"));
        assertThat(ModelConfig.parse(qwen3Without, "config.json").headDim())
                .as("Qwen3Config's default head_dim").isEqualTo(128);
        String indivisible = edited("llama-2-7b", root -> root.put("hidden_size", 4000).put("num_attention_heads", 48)
                .put("num_key_value_heads", 48));
        assertThatThrownBy(() -> ModelConfig.parse(indivisible, "config.json"))
                .hasMessageContaining("field 'head_dim' is not set and hidden_size (4000) is not divisible");
    }

    @Test
    void keyValueHeadDefaultsFollowTransformers() {
        String llama = edited("llama-3.1-8b", root -> root.remove("num_key_value_heads"));
        assertThat(ModelConfig.parse(llama, "config.json").numKeyValueHeads()).isEqualTo(32);
        String mistral = edited("mistral-7b-v0.1", root -> root.remove("num_key_value_heads"));
        assertThat(ModelConfig.parse(mistral, "config.json").numKeyValueHeads()).isEqualTo(8);
        String explicitNull = edited("mistral-7b-v0.1", root -> root.putNull("num_key_value_heads"));
        assertThat(ModelConfig.parse(explicitNull, "config.json").numKeyValueHeads()).isEqualTo(32);
    }

    @Test
    void optionalFieldsTakeTransformersDefaults() {
        String text = edited("llama-3.1-8b", root -> {
            for (String field : new String[] {"rms_norm_eps", "rope_theta", "rope_scaling", "max_position_embeddings",
                    "tie_word_embeddings", "hidden_act", "torch_dtype"}) {
                root.remove(field);
            }
        });
        ModelConfig config = ModelConfig.parse(text, "config.json");
        assertThat(config.rmsNormEps()).isEqualTo(1e-6);
        assertThat(config.ropeTheta()).isEqualTo(10000.0);
        assertThat(config.ropeScaling()).isEqualTo(NO_SCALING);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(2048);
        assertThat(config.tieWordEmbeddings()).isFalse();
        assertThat(config.torchDtype()).as("transformers loads float32 when no dtype is given").isEqualTo(DType.F32);
    }

    @Test
    void mistralSlidingWindowDefaultsTo4096WhenAbsent() {
        String text = edited("mistral-7b-v0.3", root -> root.remove("sliding_window"));
        assertThat(ModelConfig.parse(text, "config.json").slidingWindow()).isEqualTo(OptionalInt.of(4096));
    }

    @Test
    void llamaBiasFlags() {
        String text = edited("llama-2-7b", root -> root.put("attention_bias", true).put("mlp_bias", true));
        ModelConfig config = ModelConfig.parse(text, "config.json");
        assertThat(config.qkvBias()).isTrue();
        assertThat(config.oBias()).isTrue();
        assertThat(config.mlpBias()).isTrue();
    }

    @Test
    void dtypeSpellings() {
        assertThat(ModelConfig.parse(edited("llama-2-7b", root -> root.put("torch_dtype", "torch.bfloat16")),
                "config.json").torchDtype()).isEqualTo(DType.BF16);
        assertThat(ModelConfig.parse(edited("llama-2-7b", root -> root.put("dtype", "float32")),
                "config.json").torchDtype()).as("v5's dtype wins over torch_dtype").isEqualTo(DType.F32);
        assertThatThrownBy(() -> ModelConfig.parse(edited("llama-2-7b", root -> root.put("torch_dtype", "float4")),
                "config.json")).hasMessageContaining("field 'torch_dtype' is not a known dtype");
        assertThatThrownBy(() -> ModelConfig.parse(edited("llama-2-7b", root -> root.put("torch_dtype", "int8")),
                "config.json")).hasMessageContaining("model weights must be floating point");
    }

    @Test
    void malformedJsonNamesTheFileAndPosition() {
        assertThatThrownBy(() -> ModelConfig.parse("{\n  \"vocab_size\": 32000,\n  \"hidden_size\": }", "bad.json"))
                .isInstanceOf(JllmException.class)
                .hasMessageStartingWith("bad.json is not valid JSON: ")
                .hasMessageContaining("line 3");
        assertThatThrownBy(() -> ModelConfig.parse("{\"vocab_size\": 1, \"vocab_size\": 2}", "dup.json"))
                .hasMessageContaining("Duplicate field 'vocab_size'");
        assertThatThrownBy(() -> ModelConfig.parse("[1, 2]", "list.json"))
                .hasMessage("list.json must hold a JSON object");
    }

    @Test
    void realConfigTextParsesWithTheGivenSourceName() {
        assertThat(ModelConfig.parse(configText("qwen3-0.6b"), "anything"))
                .isEqualTo(ModelConfig.load(modelDir("qwen3-0.6b")));
    }

    @Test
    void missingConfigFileNamesTheDirectory(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelConfig.load(dir))
                .isInstanceOf(JllmException.class)
                .hasMessage("no config.json in " + dir);
    }
}
