package ai.jllm.weights;

import ai.jllm.JllmException;
import ai.jllm.config.ModelConfig;
import java.util.List;
import java.util.Optional;

/**
 * The tensor names of Hugging Face Llama-family checkpoints ({@code model.layers.N.self_attn.q_proj.weight}, ...),
 * with every shape checked against the config so a mismatched file fails at load with the tensor's name.
 */
public final class HfCheckpoint implements CheckpointLayout {

    private final WeightSource source;
    private final ModelConfig config;

    public HfCheckpoint(WeightSource source, ModelConfig config) {
        this.source = source;
        this.config = config;
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
                List.of(tensor(attention + "q_proj.weight", q, hidden), tensor(attention + "k_proj.weight", kv, hidden),
                        tensor(attention + "v_proj.weight", kv, hidden)),
                qkvBias,
                qNorm,
                kNorm,
                tensor(attention + "o_proj.weight", hidden, q),
                config.oBias() ? List.of(tensor(attention + "o_proj.bias", hidden)) : List.of(),
                tensor(prefix + "post_attention_layernorm.weight", hidden),
                List.of(tensor(mlp + "gate_proj.weight", intermediate, hidden),
                        tensor(mlp + "up_proj.weight", intermediate, hidden)),
                config.mlpBias()
                        ? List.of(tensor(mlp + "gate_proj.bias", intermediate), tensor(mlp + "up_proj.bias", intermediate))
                        : List.of(),
                tensor(mlp + "down_proj.weight", hidden, intermediate),
                config.mlpBias() ? List.of(tensor(mlp + "down_proj.bias", hidden)) : List.of());
    }

    private TensorView tensor(String name, long... shape) {
        return source.tensor(name).expectShape(shape);
    }
}
