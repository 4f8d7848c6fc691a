package ai.jllm.weights;

import ai.jllm.config.ModelConfig;

/**
 * The canonical tensor names of an engine's rank files. A linear layer {@code P} is stored as {@code P.weight} (its
 * dense or packed matrix), {@code P.bias}, and for quantized layers {@code P.scales}, {@code P.zeros} (int4) and
 * {@code P.input_order} (int4 repacked from act-order GPTQ).
 */
public final class EngineTensorNames {

    /** [V, H], the engine dtype; replicated on every rank. */
    public static final String EMBEDDING = "embedding.weight";
    /** [H] float32. */
    public static final String FINAL_NORM = "final_norm.weight";
    /** [V / tp, H], the engine dtype; absent when the embedding is tied to it and there is one rank. */
    public static final String LM_HEAD = "lm_head.weight";

    public static final String WEIGHT = ".weight";
    public static final String BIAS = ".bias";
    public static final String SCALES = ".scales";
    public static final String ZEROS = ".zeros";
    public static final String INPUT_ORDER = ".input_order";

    /** The projections of a layer and how tensor parallelism splits them (Megatron's column and row parallelism). */
    public enum Projection {
        /** [q; k; v] fused; each rank holds its heads' rows of q, k and v (column parallel). */
        QKV("attn.qkv", true),
        /** Each rank holds the input columns of its heads (row parallel; the ranks' outputs are summed). */
        O("attn.o", false),
        /** [gate; up] fused; each rank holds its share of the rows of gate and of up (column parallel). */
        GATE_UP("ffn.gate_up", true),
        /** Each rank holds its share of the input columns (row parallel). */
        DOWN("ffn.down", false);

        private final String suffix;
        private final boolean columnParallel;

        Projection(String suffix, boolean columnParallel) {
            this.suffix = suffix;
            this.columnParallel = columnParallel;
        }

        /** The layer's tensor name prefix, e.g. {@code layers.3.attn.qkv}. */
        public String name(int layer) {
            return layer(layer) + suffix;
        }

        /** Whether ranks split the output rows (true) or the input columns (false). */
        public boolean columnParallel() {
            return columnParallel;
        }

        /** The output rows of each stacked part of the whole (unsplit) projection: [q, k, v], [gate, up] or one. */
        public int[] partRows(ModelConfig config) {
            return switch (this) {
                case QKV -> new int[] {config.qSize(), config.kvSize(), config.kvSize()};
                case O, DOWN -> new int[] {config.hiddenSize()};
                case GATE_UP -> new int[] {config.intermediateSize(), config.intermediateSize()};
            };
        }

        /** The input columns of the whole (unsplit) projection. */
        public int inFeatures(ModelConfig config) {
            return switch (this) {
                case QKV, GATE_UP -> config.hiddenSize();
                case O -> config.qSize();
                case DOWN -> config.intermediateSize();
            };
        }

        /** One rank's share: [out, in] of its matrix when {@code tpSize} ranks split the projection. */
        public int[] rankShape(ModelConfig config, int tpSize) {
            int out = 0;
            for (int rows : partRows(config)) {
                out += rows;
            }
            int in = inFeatures(config);
            return columnParallel ? new int[] {out / tpSize, in} : new int[] {out, in / tpSize};
        }
    }

    private EngineTensorNames() {}

    /** The prefix of layer {@code index}: {@code layers.N.} */
    public static String layer(int index) {
        return "layers." + index + ".";
    }

    /** [H] float32 */
    public static String attentionNorm(int layer) {
        return layer(layer) + "attn_norm.weight";
    }

    /** [headDim] float32 (Qwen3) */
    public static String qNorm(int layer) {
        return layer(layer) + "attn.q_norm.weight";
    }

    /** [headDim] float32 (Qwen3) */
    public static String kNorm(int layer) {
        return layer(layer) + "attn.k_norm.weight";
    }

    /** [H] float32 */
    public static String ffnNorm(int layer) {
        return layer(layer) + "ffn_norm.weight";
    }
}
