package ai.jllm.backend;

/**
 * The weights of one linear layer, {@code y = x W^T + b}, in whatever layout and type the backend chose
 * (W: [outFeatures, inFeatures] as Hugging Face stores it; fused layers such as QKV are several stored
 * matrices stacked along the output rows).
 */
public interface LinearWeights {

    int inFeatures();

    int outFeatures();

    boolean hasBias();
}
