package ai.jllm.config;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The rules that turn a config.json into a {@link ModelConfig}: which fields are required, transformers' default for
 * each optional one (they differ per architecture), and which features are refused because jllm does not implement
 * them. Refusing is deliberate: a model that silently ignored, say, YaRN scaling would load and then produce wrong
 * text past the original context.
 */
final class ModelConfigParser {

    /** transformers' {@code default_theta} when neither {@code rope_theta} nor {@code rope_parameters} gives one. */
    private static final double DEFAULT_ROPE_THETA = 10_000.0;
    private static final double DEFAULT_RMS_NORM_EPS = 1e-6;
    /** MistralConfig's {@code sliding_window} when the key is absent (an explicit null means full attention). */
    private static final int MISTRAL_DEFAULT_SLIDING_WINDOW = 4096;

    private ModelConfigParser() {}

    static ModelConfig parse(JsonFields config) {
        Architecture architecture = architecture(config);
        int vocabSize = positive(config, "vocab_size", config.requiredInt("vocab_size"));
        int hiddenSize = positive(config, "hidden_size", config.requiredInt("hidden_size"));
        int intermediateSize = positive(config, "intermediate_size", config.requiredInt("intermediate_size"));
        int numLayers = positive(config, "num_hidden_layers", config.requiredInt("num_hidden_layers"));
        int numHeads = positive(config, "num_attention_heads", config.requiredInt("num_attention_heads"));
        int numKvHeads = positive(config, "num_key_value_heads", numKeyValueHeads(config, architecture, numHeads));
        if (numHeads % numKvHeads != 0) {
            throw config.invalid("num_key_value_heads", "is " + numKvHeads
                    + ", which does not divide num_attention_heads (" + numHeads + ")");
        }
        int headDim = positive(config, "head_dim", headDim(config, architecture, hiddenSize, numHeads));
        if (headDim % 2 != 0) {
            throw config.invalid("head_dim", "is " + headDim + ", but rotary embeddings need an even head size");
        }
        String activation = config.optionalString("hidden_act").orElse("silu");
        if (!activation.equals("silu")) {
            throw config.invalid("hidden_act", "is '" + activation + "', but only 'silu' is supported");
        }
        double rmsNormEps = config.doubleOr("rms_norm_eps", DEFAULT_RMS_NORM_EPS);
        if (!(rmsNormEps > 0)) {
            throw config.invalid("rms_norm_eps", "must be positive, got " + rmsNormEps);
        }
        Rope rope = rope(config);
        int maxPositionEmbeddings = positive(config, "max_position_embeddings",
                config.intOr("max_position_embeddings", defaultMaxPositionEmbeddings(architecture)));
        boolean attentionBias = config.booleanOr("attention_bias", false);
        boolean qkvBias = switch (architecture) {
            case LLAMA, QWEN3 -> attentionBias;
            case QWEN2 -> true;
            case MISTRAL -> false;
        };
        boolean oBias = switch (architecture) {
            case LLAMA, QWEN3 -> attentionBias;
            case QWEN2, MISTRAL -> false;
        };
        boolean mlpBias = architecture == Architecture.LLAMA && config.booleanOr("mlp_bias", false);
        return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
                headDim, rmsNormEps, rope.theta(), rope.scaling(), maxPositionEmbeddings,
                config.booleanOr("tie_word_embeddings", false), qkvBias, oBias, mlpBias,
                architecture == Architecture.QWEN3, slidingWindow(config, architecture), torchDtype(config));
    }

    private static Architecture architecture(JsonFields config) {
        List<String> architectures = config.stringList("architectures");
        Optional<String> modelType = config.optionalString("model_type");
        try {
            if (!architectures.isEmpty()) {
                return Architecture.fromHfName(architectures.getFirst());
            }
            if (modelType.isPresent()) {
                return Architecture.fromModelType(modelType.get());
            }
        } catch (JllmException e) {
            throw new JllmException(config.source() + ": " + e.getMessage(), e);
        }
        throw new JllmException(config.source() + ": neither 'architectures' nor 'model_type' says which model this is");
    }

    /** An explicit null means "same as the query heads" everywhere; an absent key takes the class default. */
    private static int numKeyValueHeads(JsonFields config, Architecture architecture, int numHeads) {
        if (config.hasKey("num_key_value_heads")) {
            return config.intOr("num_key_value_heads", numHeads);
        }
        return switch (architecture) {
            case LLAMA -> numHeads;
            case MISTRAL -> 8;
            case QWEN2, QWEN3 -> 32;
        };
    }

    private static int headDim(JsonFields config, Architecture architecture, int hiddenSize, int numHeads) {
        OptionalInt explicit = config.optionalInt("head_dim");
        if (explicit.isPresent()) {
            return explicit.getAsInt();
        }
        if (architecture == Architecture.QWEN3 && !config.hasKey("head_dim")) {
            return 128;
        }
        if (hiddenSize % numHeads != 0) {
            throw config.invalid("head_dim", "is not set and hidden_size (" + hiddenSize
                    + ") is not divisible by num_attention_heads (" + numHeads + ")");
        }
        return hiddenSize / numHeads;
    }

    private static int defaultMaxPositionEmbeddings(Architecture architecture) {
        return switch (architecture) {
            case LLAMA -> 2048;
            case MISTRAL -> 4096 * 32;
            case QWEN2, QWEN3 -> 32768;
        };
    }

    private record Rope(double theta, RopeScaling scaling) {}

    /**
     * transformers v5 merges everything into one dictionary: the legacy {@code rope_scaling} wins over
     * {@code rope_parameters} when both are set, and {@code rope_theta} is taken from that dictionary first, then from
     * the top level.
     */
    private static Rope rope(JsonFields config) {
        Optional<JsonFields> parameters = config.optionalObject("rope_scaling").filter(scaling -> !scaling.isEmpty())
                .or(() -> config.optionalObject("rope_parameters"));
        OptionalDouble nestedTheta = parameters.map(p -> p.optionalDouble("rope_theta")).orElse(OptionalDouble.empty());
        double theta = nestedTheta.isPresent() ? nestedTheta.getAsDouble()
                : config.doubleOr("rope_theta", DEFAULT_ROPE_THETA);
        if (!(theta > 0)) {
            JsonFields holder = parameters.filter(p -> p.has("rope_theta")).orElse(config);
            throw holder.invalid("rope_theta", "must be positive, got " + theta);
        }
        refusePartialRotary(config);
        parameters.ifPresent(ModelConfigParser::refusePartialRotary);
        if (parameters.isEmpty()) {
            return new Rope(theta, new RopeScaling.None());
        }
        JsonFields p = parameters.get();
        String typeField = p.has("rope_type") ? "rope_type" : "type";
        String type = p.optionalString(typeField).orElse("default");
        RopeScaling scaling = switch (type) {
            case "default" -> new RopeScaling.None();
            case "linear" -> new RopeScaling.Linear(positiveDouble(p, "factor"));
            case "llama3" -> llama3(p);
            default -> throw p.invalid(typeField, "is '" + type
                    + "', which jllm does not implement (supported: default, linear, llama3)");
        };
        return new Rope(theta, scaling);
    }

    private static RopeScaling.Llama3 llama3(JsonFields p) {
        double factor = positiveDouble(p, "factor");
        double lowFreqFactor = positiveDouble(p, "low_freq_factor");
        double highFreqFactor = positiveDouble(p, "high_freq_factor");
        if (highFreqFactor <= lowFreqFactor) {
            throw p.invalid("high_freq_factor", "(" + highFreqFactor + ") must be greater than low_freq_factor ("
                    + lowFreqFactor + ")");
        }
        int originalMax = positive(p, "original_max_position_embeddings",
                p.requiredInt("original_max_position_embeddings"));
        return new RopeScaling.Llama3(factor, lowFreqFactor, highFreqFactor, originalMax);
    }

    private static void refusePartialRotary(JsonFields fields) {
        fields.optionalDouble("partial_rotary_factor").ifPresent(factor -> {
            if (factor != 1.0) {
                throw fields.invalid("partial_rotary_factor", "is " + factor
                        + ", but jllm rotates the whole head (1.0 only)");
            }
        });
    }

    /**
     * Mistral applies one window to every layer. Qwen's {@code use_sliding_window} and transformers v5's
     * {@code layer_types} give windows to some layers only, which is refused.
     */
    private static OptionalInt slidingWindow(JsonFields config, Architecture architecture) {
        if (architecture == Architecture.MISTRAL) {
            if (!config.hasKey("sliding_window")) {
                return OptionalInt.of(MISTRAL_DEFAULT_SLIDING_WINDOW);
            }
            OptionalInt window = config.optionalInt("sliding_window");
            window.ifPresent(size -> positive(config, "sliding_window", size));
            return window;
        }
        if (config.booleanOr("use_sliding_window", false)) {
            throw config.invalid("use_sliding_window", "is true, but per-layer sliding windows"
                    + " (from max_window_layers on) are not supported");
        }
        for (String layerType : config.stringList("layer_types")) {
            if (!layerType.equals("full_attention")) {
                throw config.invalid("layer_types", "contains '" + layerType
                        + "', but only 'full_attention' layers are supported");
            }
        }
        return OptionalInt.empty();
    }

    /** transformers v5 writes {@code dtype}; v4 wrote {@code torch_dtype}. */
    private static DType torchDtype(JsonFields config) {
        String field = config.has("dtype") ? "dtype" : "torch_dtype";
        Optional<String> name = config.optionalString(field);
        if (name.isEmpty()) {
            return DType.F32;
        }
        DType dtype;
        try {
            dtype = DType.fromTorchDtype(name.get());
        } catch (JllmException e) {
            throw config.invalid(field, "is not a known dtype: " + e.getMessage());
        }
        if (!dtype.isFloatingPoint()) {
            throw config.invalid(field, "is '" + name.get() + "', but model weights must be floating point");
        }
        return dtype;
    }

    private static int positive(JsonFields fields, String field, int value) {
        if (value <= 0) {
            throw fields.invalid(field, "must be positive, got " + value);
        }
        return value;
    }

    private static double positiveDouble(JsonFields fields, String field) {
        double value = fields.requiredDouble(field);
        if (!(value > 0)) {
            throw fields.invalid(field, "must be positive, got " + value);
        }
        return value;
    }
}
