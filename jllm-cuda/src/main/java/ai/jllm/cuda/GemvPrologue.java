package ai.jllm.cuda;

/** How a decode GEMV (gemv.cu) builds its input rows x [rows, in] in shared memory. */
sealed interface GemvPrologue {

    /** The kernel's code for this prologue. */
    int code();

    /** Whether building the rows reads device memory at {@code pointer}. */
    boolean reads(long pointer);

    /** x as it is.  x: [rows, in] bf16 */
    record Copy(long x) implements GemvPrologue {
        @Override
        public int code() {
            return 0;
        }

        @Override
        public boolean reads(long pointer) {
            return pointer == x;
        }
    }

    /**
     * The RMS norm of each source row times {@code weight}, rounded to bf16 as the rms_norm kernel rounds it; block 0
     * also stores the rows into {@code normed}, so that tensor ends up as an unfused norm would leave it.
     * source, normed: [rows, in] bf16, weight: [in] f32
     */
    record Norm(long source, long weight, float eps, long normed) implements GemvPrologue {
        @Override
        public int code() {
            return 1;
        }

        @Override
        public boolean reads(long pointer) {
            return pointer == source;
        }
    }
}
