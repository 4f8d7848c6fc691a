package ai.jllm.config;

import ai.jllm.tensor.DType;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The hyper-parameters of a decoder-only transformer, read from a Hugging Face {@code config.json} with transformers'
 * defaults for absent fields. Both the transformers v4 layout ({@code rope_scaling}, {@code rope_theta},
 * {@code torch_dtype}) and the v5 layout ({@code rope_parameters}, {@code dtype}) are understood.
 *
 * @param qkvBias whether q/k/v projections have a bias (Qwen2 always; Llama and Qwen3 when {@code attention_bias})
 * @param oBias whether the output projection has a bias (Llama and Qwen3 when {@code attention_bias}; never Qwen2)
 * @param mlpBias whether gate/up/down projections have a bias (Llama's {@code mlp_bias})
 * @param qkNorm whether q and k are RMS-normalized per head before RoPE (Qwen3)
 * @param slidingWindow the attention window applied to every layer (Mistral), or empty for full attention
 * @param torchDtype the dtype the checkpoint was saved in; F32 when config.json does not say, as transformers assumes
 */
public record ModelConfig(
        Architecture architecture, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
        int numAttentionHeads, int numKeyValueHeads, int headDim, double rmsNormEps, double ropeTheta,
        RopeScaling ropeScaling, int maxPositionEmbeddings, boolean tieWordEmbeddings,
        boolean qkvBias, boolean oBias, boolean mlpBias, boolean qkNorm,
        OptionalInt slidingWindow, DType torchDtype) {

    public ModelConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        Objects.requireNonNull(slidingWindow, "slidingWindow");
        Objects.requireNonNull(torchDtype, "torchDtype");
    }

    /** Reads {@code modelDir/config.json}. */
    public static ModelConfig load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        return ModelConfigParser.parse(JsonFields.load(file, modelDir));
    }

    /** Parses the text of a config.json; {@code sourceName} names it in error messages. */
    public static ModelConfig parse(String json, String sourceName) {
        return ModelConfigParser.parse(JsonFields.parse(json, sourceName));
    }

    /** Width of all query heads together: {@code numAttentionHeads * headDim}. */
    public int qSize() {
        return numAttentionHeads * headDim;
    }

    /** Width of all key (or value) heads together: {@code numKeyValueHeads * headDim}. */
    public int kvSize() {
        return numKeyValueHeads * headDim;
    }

    /** How many query heads share one key/value head (1 for multi-head attention). */
    public int queriesPerKeyValueHead() {
        return numAttentionHeads / numKeyValueHeads;
    }
}
