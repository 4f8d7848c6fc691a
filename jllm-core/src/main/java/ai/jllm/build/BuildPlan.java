package ai.jllm.build;

import ai.jllm.JllmException;
import ai.jllm.config.BuildLimits;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.HfQuantizationConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.config.QuantScheme;
import ai.jllm.tensor.DType;
import ai.jllm.weights.EngineTensorNames;
import ai.jllm.weights.EngineTensorNames.Projection;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Decides what an engine will be from the build options and the model, refusing with a message naming the option and
 * the model field whatever cannot be built (a tp size that does not divide the heads, a group size that does not
 * divide a projection's inputs, a scheme the checkpoint cannot take), and lists the tensors each rank file holds.
 */
final class BuildPlan {

    private static final List<DType> ENGINE_DTYPES = List.of(DType.BF16, DType.F16, DType.F32);

    private BuildPlan() {}

    static EngineConfig resolve(ModelConfig config, Optional<HfQuantizationConfig> source, BuildOptions options) {
        DType dtype = options.dtype().orElse(config.torchDtype());
        if (!ENGINE_DTYPES.contains(dtype)) {
            throw new JllmException("--dtype " + dtype.torchName() + ": engines hold bfloat16, float16 or float32");
        }
        EngineConfig.Quantization quantization = quantization(config, source, options);
        int tp = options.tpSize();
        checkTensorParallel(config, source, tp);
        quantization.groupSize().ifPresent(groupSize -> checkGroups(config, groupSize, tp));
        int maxSeqLen = options.maxSeqLen().orElse(config.maxPositionEmbeddings());
        BuildLimits limits = new BuildLimits(options.maxBatchSize(), maxSeqLen, options.maxNumTokens());
        if (limits.maxNumTokens() < limits.maxBatchSize()) {
            throw new JllmException("--max-num-tokens " + limits.maxNumTokens() + " is below --max-batch-size "
                    + limits.maxBatchSize() + ": every running sequence decodes one token per step");
        }
        return new EngineConfig(EngineConfig.FORMAT_VERSION, EngineConfig.currentJllmVersion(), dtype, quantization,
                options.kvCacheDtype(), limits, tp, 1);
    }

    private static EngineConfig.Quantization quantization(ModelConfig config, Optional<HfQuantizationConfig> source,
                                                          BuildOptions options) {
        if (source.isPresent()) {
            HfQuantizationConfig hf = source.get();
            String method = hf.method().configName();
            QuantScheme requested = options.quantization().orElse(QuantScheme.INT4_WEIGHT_ONLY);
            if (requested != QuantScheme.INT4_WEIGHT_ONLY) {
                throw new JllmException("--quantization " + requested.optionName() + ": the model is a 4-bit " + method
                        + " checkpoint, whose weights stay int4; leave --quantization out or pass int4_weight_only");
            }
            if (hf.groupSize().isEmpty()) {
                throw new JllmException("the " + method + " checkpoint has group_size -1 (one group per row): it loads "
                        + "directly, but an engine records one group size for all layers; run the model directory");
            }
            int groupSize = hf.groupSize().getAsInt();
            if (options.groupSize().isPresent() && options.groupSize().getAsInt() != groupSize) {
                throw new JllmException("--group-size " + options.groupSize().getAsInt() + ": the " + method
                        + " checkpoint is quantized in groups of " + groupSize + ", which an engine keeps");
            }
            return new EngineConfig.Quantization(QuantScheme.INT4_WEIGHT_ONLY, OptionalInt.of(groupSize),
                    hf.method() == HfQuantizationConfig.Method.GPTQ ? EngineConfig.QuantMethod.GPTQ
                            : EngineConfig.QuantMethod.AWQ);
        }
        QuantScheme scheme = options.quantization().orElse(QuantScheme.NONE);
        if (options.groupSize().isPresent() && scheme != QuantScheme.INT4_WEIGHT_ONLY) {
            throw new JllmException("--group-size applies to int4_weight_only, not " + scheme.optionName());
        }
        return switch (scheme) {
            case NONE -> EngineConfig.Quantization.NONE;
            case INT8_WEIGHT_ONLY -> new EngineConfig.Quantization(scheme, OptionalInt.empty(),
                    EngineConfig.QuantMethod.RTN);
            case INT4_WEIGHT_ONLY -> new EngineConfig.Quantization(scheme,
                    OptionalInt.of(options.groupSize().orElse(BuildOptions.DEFAULT_GROUP_SIZE)),
                    EngineConfig.QuantMethod.RTN);
            case FP8 -> new EngineConfig.Quantization(scheme, OptionalInt.empty(), EngineConfig.QuantMethod.RTN);
        };
    }

    private static void checkTensorParallel(ModelConfig config, Optional<HfQuantizationConfig> source, int tp) {
        if (tp < 1) {
            throw new JllmException("--tp-size must be at least 1, got " + tp);
        }
        if (tp == 1) {
            return;
        }
        requireDivides(tp, config.numAttentionHeads(), "num_attention_heads");
        requireDivides(tp, config.numKeyValueHeads(), "num_key_value_heads");
        requireDivides(tp, config.intermediateSize(), "intermediate_size");
        requireDivides(tp, config.vocabSize(), "vocab_size");
        if (source.isPresent() && source.get().descAct()) {
            throw new JllmException("--tp-size " + tp + ": the GPTQ checkpoint uses act-order (desc_act), whose "
                    + "reordered input columns cannot be split between ranks; build it with --tp-size 1");
        }
    }

    private static void requireDivides(int tp, int value, String field) {
        if (value % tp != 0) {
            throw new JllmException("--tp-size " + tp + " does not divide the model's " + field + " (" + value + ")");
        }
    }

    /** Every projection's inputs per rank must be whole groups, in blocks the int4 layout packs. */
    private static void checkGroups(ModelConfig config, int groupSize, int tp) {
        if (groupSize <= 0 || groupSize % QuantizedLinear.Int4.BLOCK != 0) {
            throw new JllmException("--group-size " + groupSize + ": int4 groups must be a positive multiple of "
                    + QuantizedLinear.Int4.BLOCK);
        }
        for (Projection projection : Projection.values()) {
            int in = projection.rankShape(config, tp)[1];
            if (in % groupSize != 0) {
                throw new JllmException("--group-size " + groupSize + " does not divide the " + in + " inputs of "
                        + projection.name(0).replace("layers.0.", "layers.*.")
                        + (tp > 1 ? " per rank (--tp-size " + tp + ")" : ""));
            }
        }
    }

    /**
     * One layer's tensors in write order: the float32 norms, then per projection its bias, weight, scales, input order
     * and zero points (widest elements first, so most tensors stay aligned to their element size).
     */
    static List<TensorSpec> layerSpecs(ModelConfig config, EngineConfig engine, int layer, boolean inputOrder) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(float32(EngineTensorNames.attentionNorm(layer), config.hiddenSize()));
        if (config.qkNorm()) {
            specs.add(float32(EngineTensorNames.qNorm(layer), config.headDim()));
            specs.add(float32(EngineTensorNames.kNorm(layer), config.headDim()));
        }
        specs.add(float32(EngineTensorNames.ffnNorm(layer), config.hiddenSize()));
        for (Projection projection : Projection.values()) {
            String name = projection.name(layer);
            int[] shape = projection.rankShape(config, engine.tpSize());
            long out = shape[0];
            long in = shape[1];
            boolean bias = switch (projection) {
                case QKV -> config.qkvBias();
                case O -> config.oBias();
                case GATE_UP, DOWN -> config.mlpBias();
            };
            if (bias) {
                specs.add(float32(name + EngineTensorNames.BIAS, out));
            }
            switch (engine.quantization().scheme()) {
                case NONE -> specs.add(new TensorSpec(name + EngineTensorNames.WEIGHT, engine.dtype(),
                        new long[] {out, in}));
                case INT8_WEIGHT_ONLY -> {
                    specs.add(new TensorSpec(name + EngineTensorNames.WEIGHT, DType.I8, new long[] {out, in}));
                    specs.add(float32(name + EngineTensorNames.SCALES, out));
                }
                case INT4_WEIGHT_ONLY -> {
                    long groups = in / engine.quantization().groupSize().orElseThrow();
                    specs.add(new TensorSpec(name + EngineTensorNames.WEIGHT, DType.U8, new long[] {out, in / 2}));
                    specs.add(float32(name + EngineTensorNames.SCALES, out, groups));
                    if (inputOrder) {
                        specs.add(new TensorSpec(name + EngineTensorNames.INPUT_ORDER, DType.I32, new long[] {in}));
                    }
                    specs.add(new TensorSpec(name + EngineTensorNames.ZEROS, DType.U8, new long[] {out, groups}));
                }
                case FP8 -> {
                    specs.add(new TensorSpec(name + EngineTensorNames.WEIGHT, DType.F8_E4M3, new long[] {out, in}));
                    specs.add(float32(name + EngineTensorNames.SCALES, out));
                }
            }
        }
        return specs;
    }

    /** A separate lm_head is stored unless it is the embedding itself and one rank needs all of it. */
    static boolean writesLmHead(ModelConfig config, EngineConfig engine) {
        return !config.tieWordEmbeddings() || engine.tpSize() > 1;
    }

    private static TensorSpec float32(String name, long... shape) {
        return new TensorSpec(name, DType.F32, shape);
    }
}
