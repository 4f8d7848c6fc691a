package ai.jllm.model;

import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import java.util.List;

/**
 * A whole decoder's weights, placed on a backend.
 *
 * @param embedding [V, H]
 * @param finalNorm [H]
 * @param lmHead    [V, H]; the embedding matrix itself when the model ties them
 */
public record ModelWeights(Tensor embedding, List<LayerWeights> layers, Tensor finalNorm, LinearWeights lmHead) {

    public ModelWeights {
        layers = List.copyOf(layers);
    }
}
