package ai.jllm.weights;

/**
 * Where a checkpoint keeps each weight of a decoder. Hugging Face directories and jllm engine directories name and
 * lay out tensors differently; the model loader asks by role and never sees a file-format name.
 */
public interface CheckpointLayout {

    /** [V, H] */
    TensorView embedding();

    LayerTensors layer(int index);

    /** [H] */
    TensorView finalNorm();

    /** [V, H]; the embedding itself when the model ties them. */
    TensorView lmHead();
}
