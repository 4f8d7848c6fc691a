package ai.jllm.weights;

import ai.jllm.JllmException;
import java.util.List;

/**
 * A linear layer's weight as stored floating-point matrices, each [out_i, in], stacked along the output rows (q, k and
 * v stored apart; or one part when the checkpoint stores them fused).
 */
public record DenseLinear(List<TensorView> parts) implements LinearTensors {

    public DenseLinear {
        parts = List.copyOf(parts);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a linear layer needs at least one weight matrix");
        }
        TensorView first = parts.getFirst();
        for (TensorView part : parts) {
            if (part.rank() != 2 || part.dim(1) != first.dim(1)) {
                throw new JllmException(part.file() + ": tensor " + part.name() + " cannot be stacked with "
                        + first.name() + ": they differ in the input dimension");
            }
        }
    }

    public static DenseLinear of(TensorView... parts) {
        return new DenseLinear(List.of(parts));
    }

    @Override
    public int inFeatures() {
        return Math.toIntExact(parts.getFirst().dim(1));
    }

    @Override
    public int outFeatures() {
        long rows = 0;
        for (TensorView part : parts) {
            rows += part.dim(0);
        }
        return Math.toIntExact(rows);
    }
}
