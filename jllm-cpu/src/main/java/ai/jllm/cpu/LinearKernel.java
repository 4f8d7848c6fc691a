package ai.jllm.cpu;

import ai.jllm.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * {@code out[t, o] = x[t] · W[o] + b[o]} for a fused, stored weight. The output rows are split between the threads;
 * each thread streams its weight rows once and reuses every row for four tokens at a time, so a prefill reads the
 * weights T/4 times fewer than token-by-token would, and a decode step reads them exactly once.
 */
final class LinearKernel {

    private static final int ROWS_PER_CHUNK = 8;

    private final WorkerPool pool;
    private final float[][] sums;

    LinearKernel(WorkerPool pool) {
        this.pool = pool;
        this.sums = new float[pool.threads()][4];
    }

    /** x: [rows, in] (row stride xWidth), out: [rows, out] (row stride outWidth) */
    void run(float[] x, int xWidth, int rows, CpuLinear linear, float[] out, int outWidth) {
        int in = linear.inFeatures();
        pool.parallelFor(linear.outFeatures(), ROWS_PER_CHUNK,
                (start, end, worker) -> rowRange(x, xWidth, rows, linear, out, outWidth, in, start, end, sums[worker]));
    }

    private static void rowRange(float[] x, int xWidth, int rows, CpuLinear linear, float[] out, int outWidth, int in,
                                 int start, int end, float[] sums) {
        StoredMatrix[] parts = linear.parts();
        float[] bias = linear.bias().orElse(null);
        int part = 0;
        for (int o = start; o < end; o++) {
            while (o >= linear.partStart(part + 1)) {
                part++;
            }
            StoredMatrix matrix = parts[part];
            MemorySegment w = matrix.data();
            long wOffset = (o - linear.partStart(part)) * matrix.rowBytes();
            boolean bf16 = matrix.dtype() == DType.BF16;
            float b = bias == null ? 0f : bias[o];
            int t = 0;
            for (; t + 4 <= rows; t += 4) {
                if (bf16) {
                    VectorKernels.dot4Bf16(w, wOffset, x, t * xWidth, xWidth, in, sums);
                } else {
                    VectorKernels.dot4F32(w, wOffset, x, t * xWidth, xWidth, in, sums);
                }
                out[t * outWidth + o] = sums[0] + b;
                out[(t + 1) * outWidth + o] = sums[1] + b;
                out[(t + 2) * outWidth + o] = sums[2] + b;
                out[(t + 3) * outWidth + o] = sums[3] + b;
            }
            for (; t < rows; t++) {
                float dot = bf16
                        ? VectorKernels.dotBf16(w, wOffset, x, t * xWidth, in)
                        : VectorKernels.dotF32(w, wOffset, x, t * xWidth, in);
                out[t * outWidth + o] = dot + b;
            }
        }
    }
}
