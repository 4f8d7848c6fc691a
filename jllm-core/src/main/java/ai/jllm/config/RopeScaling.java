package ai.jllm.config;

/**
 * How rotary position embeddings stretch beyond the trained context, as config.json's {@code rope_scaling} (or, in
 * transformers v5, {@code rope_parameters}) describes it. Only the schemes jllm implements exist here; the parser
 * refuses the others by name.
 */
public sealed interface RopeScaling {

    /** Plain RoPE: {@code inv_freq[i] = theta^(-2i/headDim)}. */
    record None() implements RopeScaling {}

    /** Position interpolation: every inverse frequency is divided by {@code factor}. */
    record Linear(double factor) implements RopeScaling {}

    /**
     * Llama 3.1's wavelength-dependent scaling: long wavelengths (beyond
     * {@code originalMaxPositionEmbeddings / lowFreqFactor}) are divided by {@code factor}, short ones (below
     * {@code originalMaxPositionEmbeddings / highFreqFactor}) are kept, and the band between is interpolated smoothly.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
            implements RopeScaling {}
}
