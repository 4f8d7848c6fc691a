package ai.jllm.backend;

import java.util.OptionalInt;

/**
 * The geometry of one attention layer, shared by the rope, QK-norm and attention ops.
 * A fused QKV row is laid out {@code [q: numHeads * headDim | k: numKvHeads * headDim | v: numKvHeads * headDim]}.
 *
 * @param slidingWindow when present, a query at position p sees only keys at positions {@code > p - window}
 */
public record AttentionShape(int numHeads, int numKvHeads, int headDim, float scale, OptionalInt slidingWindow) {

    public AttentionShape {
        if (numHeads <= 0 || numKvHeads <= 0 || headDim <= 0 || numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException(
                    "bad attention shape: heads " + numHeads + ", kv heads " + numKvHeads + ", head dim " + headDim);
        }
    }

    public int qSize() {
        return numHeads * headDim;
    }

    public int kvSize() {
        return numKvHeads * headDim;
    }

    public int qkvSize() {
        return qSize() + 2 * kvSize();
    }

    /** Query heads that share one key/value head (grouped-query attention). */
    public int groupSize() {
        return numHeads / numKvHeads;
    }
}
