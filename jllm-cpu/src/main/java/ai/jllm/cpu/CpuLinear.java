package ai.jllm.cpu;

import ai.jllm.backend.LinearWeights;
import java.util.List;
import java.util.Optional;

/**
 * A linear layer on the CPU: stored matrices stacked along the output rows (fused QKV or gate/up without copying
 * them together), or one quantized matrix (fused when it was packed), and an optional bias. {@code partStart[p]} is
 * the first output row of part p.
 */
final class CpuLinear implements LinearWeights {

    private final CpuMatrix[] parts;
    private final int[] partStart;
    private final int inFeatures;
    private final int outFeatures;
    private final Optional<float[]> bias;

    CpuLinear(List<? extends CpuMatrix> parts, Optional<float[]> bias) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a linear layer needs at least one weight matrix");
        }
        this.parts = parts.toArray(CpuMatrix[]::new);
        this.partStart = new int[this.parts.length + 1];
        this.inFeatures = this.parts[0].columns();
        for (int p = 0; p < this.parts.length; p++) {
            if (this.parts[p].columns() != inFeatures || !sameKind(this.parts[p], this.parts[0])) {
                throw new IllegalArgumentException("fused weight parts differ in columns or type");
            }
            partStart[p + 1] = partStart[p] + this.parts[p].rows();
        }
        if (this.parts.length > 1 && !(this.parts[0] instanceof StoredMatrix)) {
            throw new IllegalArgumentException("quantized weights are fused when packed, not stacked at load");
        }
        this.outFeatures = partStart[this.parts.length];
        bias.ifPresent(b -> {
            if (b.length != outFeatures) {
                throw new IllegalArgumentException("bias has " + b.length + " values for " + outFeatures + " outputs");
            }
        });
        this.bias = bias;
    }

    private static boolean sameKind(CpuMatrix a, CpuMatrix b) {
        if (a instanceof StoredMatrix sa && b instanceof StoredMatrix sb) {
            return sa.dtype() == sb.dtype();
        }
        return a.getClass() == b.getClass();
    }

    CpuMatrix[] parts() {
        return parts;
    }

    int partStart(int part) {
        return partStart[part];
    }

    Optional<float[]> bias() {
        return bias;
    }

    @Override
    public int inFeatures() {
        return inFeatures;
    }

    @Override
    public int outFeatures() {
        return outFeatures;
    }

    @Override
    public boolean hasBias() {
        return bias.isPresent();
    }
}
