package ai.jllm.weights;

import ai.jllm.JllmException;
import ai.jllm.config.HfQuantizationConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.quant.AwqFormat;
import ai.jllm.quant.GptqFormat;
import ai.jllm.quant.Int4Codes;
import ai.jllm.quant.Int4Packing;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tensor names of Hugging Face Llama-family checkpoints ({@code model.layers.N.self_attn.q_proj.weight}, ...),
 * with every shape checked against the config so a mismatched file fails at load with the tensor's name.
 *
 * <p>In a GPTQ or AWQ checkpoint the quantized projections are stored as {@code qweight}/{@code qzeros}/{@code scales}
 * (and GPTQ's {@code g_idx}) instead of {@code weight}; they are unpacked, fused and repacked into jllm's int4 layout
 * here, so the rest of the loader sees one {@link QuantizedLinear} per projection.
 */
public final class HfCheckpoint implements CheckpointLayout {

    private final WeightSource source;
    private final ModelConfig config;
    private final Optional<HfQuantizationConfig> quantization;

    /** A checkpoint of floating-point weights. */
    public HfCheckpoint(WeightSource source, ModelConfig config) {
        this(source, config, Optional.empty());
    }

    /** A checkpoint whose projections may be quantized as {@code quantization} says (config.json's section). */
    public HfCheckpoint(WeightSource source, ModelConfig config, Optional<HfQuantizationConfig> quantization) {
        this.source = source;
        this.config = config;
        this.quantization = quantization;
    }

    @Override
    public TensorView embedding() {
        return tensor("model.embed_tokens.weight", config.vocabSize(), config.hiddenSize());
    }

    @Override
    public TensorView finalNorm() {
        return tensor("model.norm.weight", config.hiddenSize());
    }

    @Override
    public TensorView lmHead() {
        if (config.tieWordEmbeddings()) {
            return embedding();
        }
        if (!source.contains("lm_head.weight")) {
            throw new JllmException("the checkpoint has no lm_head.weight and its config does not tie it to the "
                    + "embeddings (tie_word_embeddings is false)");
        }
        return tensor("lm_head.weight", config.vocabSize(), config.hiddenSize());
    }

    @Override
    public LayerTensors layer(int index) {
        String prefix = "model.layers." + index + ".";
        String attention = prefix + "self_attn.";
        String mlp = prefix + "mlp.";
        int hidden = config.hiddenSize();
        int q = config.qSize();
        int kv = config.kvSize();
        int intermediate = config.intermediateSize();
        List<TensorView> qkvBias = config.qkvBias()
                ? List.of(tensor(attention + "q_proj.bias", q), tensor(attention + "k_proj.bias", kv),
                        tensor(attention + "v_proj.bias", kv))
                : List.of();
        Optional<TensorView> qNorm = config.qkNorm()
                ? Optional.of(tensor(attention + "q_norm.weight", config.headDim())) : Optional.empty();
        Optional<TensorView> kNorm = config.qkNorm()
                ? Optional.of(tensor(attention + "k_norm.weight", config.headDim())) : Optional.empty();
        return new LayerTensors(
                tensor(prefix + "input_layernorm.weight", hidden),
                linear(attention + "qkv", hidden, List.of(attention + "q_proj", attention + "k_proj",
                        attention + "v_proj"), List.of(q, kv, kv)),
                qkvBias,
                qNorm,
                kNorm,
                linear(attention + "o_proj", q, List.of(attention + "o_proj"), List.of(hidden)),
                config.oBias() ? List.of(tensor(attention + "o_proj.bias", hidden)) : List.of(),
                tensor(prefix + "post_attention_layernorm.weight", hidden),
                linear(mlp + "gate_up_proj", hidden, List.of(mlp + "gate_proj", mlp + "up_proj"),
                        List.of(intermediate, intermediate)),
                config.mlpBias()
                        ? List.of(tensor(mlp + "gate_proj.bias", intermediate), tensor(mlp + "up_proj.bias", intermediate))
                        : List.of(),
                linear(mlp + "down_proj", intermediate, List.of(mlp + "down_proj"), List.of(hidden)),
                config.mlpBias() ? List.of(tensor(mlp + "down_proj.bias", hidden)) : List.of());
    }

    /**
     * The projections {@code prefixes} (with {@code outs} outputs each) stacked: dense parts as stored, or, when they
     * are GPTQ/AWQ-packed, one repacked int4 matrix named {@code name}.
     */
    private LinearTensors linear(String name, int in, List<String> prefixes, List<Integer> outs) {
        long packed = prefixes.stream().filter(p -> source.contains(p + ".qweight")).count();
        if (packed == 0) {
            List<TensorView> parts = new ArrayList<>(prefixes.size());
            for (int i = 0; i < prefixes.size(); i++) {
                parts.add(tensor(prefixes.get(i) + ".weight", outs.get(i), in));
            }
            return new DenseLinear(parts);
        }
        if (packed < prefixes.size()) {
            throw new JllmException(name + ": some of " + prefixes + " are quantized (qweight) and some are not; "
                    + "jllm fuses them and needs them alike");
        }
        HfQuantizationConfig hfConfig = quantization.orElseThrow(() -> new JllmException("tensor " + prefixes.getFirst()
                + ".qweight is quantized, but config.json has no quantization_config saying how"));
        List<Int4Codes> parts = new ArrayList<>(prefixes.size());
        for (int i = 0; i < prefixes.size(); i++) {
            parts.add(switch (hfConfig.method()) {
                case GPTQ -> GptqFormat.read(source, prefixes.get(i), outs.get(i), in, hfConfig);
                case AWQ -> AwqFormat.read(source, prefixes.get(i), outs.get(i), in, hfConfig);
            });
        }
        return Int4Packing.pack(Int4Codes.stack(parts, name), name,
                source.tensor(prefixes.getFirst() + ".qweight").file());
    }

    private TensorView tensor(String name, long... shape) {
        return source.tensor(name).expectShape(shape);
    }
}
