package ai.jllm.cuda;

import ai.jllm.backend.AttentionShape;

/**
 * What a decode GEMV (gemv.cu) does with its outputs y = x W^T (+ b), each rounded to bf16 first (as a stored
 * activation would be) except in {@link Store} to f32.
 */
sealed interface GemvEpilogue {

    /** The kernel's code for this epilogue. */
    int code();

    /** y into out.  out: [rows, n], bf16 or f32 */
    record Store(long out, boolean float32) implements GemvEpilogue {
        @Override
        public int code() {
            return float32 ? 1 : 0;
        }
    }

    /** y into delta, and residual += delta (rounded to bf16).  delta, residual: [rows, n] bf16 */
    record AddResidual(long delta, long residual) implements GemvEpilogue {
        @Override
        public int code() {
            return 2;
        }
    }

    /**
     * y = [gate | up] into gateUp, and activated = silu(gate) * up.
     * gateUp: [rows, n] bf16, activated: [rows, n / 2] bf16
     */
    record SiluMul(long gateUp, long activated) implements GemvEpilogue {
        @Override
        public int code() {
            return 3;
        }
    }

    /**
     * y = [q | k | v] into qkv with q and k rotated by each row's position (rotate-half), and k, v written into the
     * cache at each row's slot: what rope_write_kv does to a stored qkv.
     * qkv: [rows, n] bf16, table: [maxPositions, headDim] f32, positions and slots: [rows] int (the step's metadata),
     * caches: one layer's [numSlots, numKvHeads * headDim] bf16
     */
    record Rope(long qkv, long table, long positions, long slots, long keyCache, long valueCache,
                AttentionShape shape) implements GemvEpilogue {
        @Override
        public int code() {
            return 4;
        }
    }
}
