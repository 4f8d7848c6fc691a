package ai.jllm.cpu;

import ai.jllm.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * {@code out[t, o] = x[t] · W[o] + b[o]} for a fused, stored or quantized weight. The output rows are split between
 * the threads; each thread streams its weight rows once and reuses every row for four tokens at a time, so a prefill
 * reads the weights T/4 times fewer than token-by-token would, and a decode step reads them exactly once. Quantized
 * rows are widened to floats in registers (see {@link QuantKernels}).
 */
final class LinearKernel {

    private static final int ROWS_PER_CHUNK = 8;

    private final WorkerPool pool;
    private final float[][] sums;
    /** int4 only, grown as needed: the activations in packed column order, and their sums per group. */
    private float[] reordered = new float[0];
    private float[] groupSums = new float[0];

    LinearKernel(WorkerPool pool) {
        this.pool = pool;
        this.sums = new float[pool.threads()][4];
    }

    /**
     * x: [rows, in] (row stride xWidth), out: [rows, out] (row stride outWidth). Synchronized because the int4
     * scratch lives across several pool loops, and engines on different threads may share the backend.
     */
    synchronized void run(float[] x, int xWidth, int rows, CpuLinear linear, float[] out, int outWidth) {
        int in = linear.inFeatures();
        switch (linear.parts()[0]) {
            case StoredMatrix stored -> pool.parallelFor(linear.outFeatures(), ROWS_PER_CHUNK,
                    (start, end, worker) -> denseRows(x, xWidth, rows, linear, out, outWidth, in, start, end,
                            sums[worker]));
            case Int8Matrix int8 -> pool.parallelFor(linear.outFeatures(), ROWS_PER_CHUNK,
                    (start, end, worker) -> int8Rows(x, xWidth, rows, int8, linear, out, outWidth, start, end,
                            sums[worker]));
            case Int4Matrix int4 -> {
                float[] input = x;
                int stride = xWidth;
                if (int4.inputOrder().isPresent()) {
                    input = reorder(x, xWidth, rows, int4.inputOrder().get());
                    stride = in;
                }
                float[] sumsPerGroup = groupSums(input, stride, rows, int4);
                float[] activations = input;
                int activationStride = stride;
                pool.parallelFor(linear.outFeatures(), ROWS_PER_CHUNK,
                        (start, end, worker) -> int4Rows(activations, activationStride, rows, int4, sumsPerGroup,
                                linear, out, outWidth, start, end, sums[worker]));
            }
        }
    }

    private static void denseRows(float[] x, int xWidth, int rows, CpuLinear linear, float[] out, int outWidth,
                                  int in, int start, int end, float[] sums) {
        CpuMatrix[] parts = linear.parts();
        float[] bias = linear.bias().orElse(null);
        int part = 0;
        for (int o = start; o < end; o++) {
            while (o >= linear.partStart(part + 1)) {
                part++;
            }
            StoredMatrix matrix = (StoredMatrix) parts[part];
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
                store(sums, 1f, b, out, t, outWidth, o);
            }
            for (; t < rows; t++) {
                float dot = bf16
                        ? VectorKernels.dotBf16(w, wOffset, x, t * xWidth, in)
                        : VectorKernels.dotF32(w, wOffset, x, t * xWidth, in);
                out[t * outWidth + o] = dot + b;
            }
        }
    }

    private static void int8Rows(float[] x, int xWidth, int rows, Int8Matrix matrix, CpuLinear linear, float[] out,
                                 int outWidth, int start, int end, float[] sums) {
        float[] bias = linear.bias().orElse(null);
        int in = matrix.columns();
        for (int o = start; o < end; o++) {
            long wOffset = (long) o * in;
            float scale = matrix.scale(o);
            float b = bias == null ? 0f : bias[o];
            int t = 0;
            for (; t + 4 <= rows; t += 4) {
                QuantKernels.dot4Int8(matrix.weight(), wOffset, x, t * xWidth, xWidth, in, sums);
                store(sums, scale, b, out, t, outWidth, o);
            }
            for (; t < rows; t++) {
                out[t * outWidth + o] = QuantKernels.dotInt8(matrix.weight(), wOffset, x, t * xWidth, in) * scale + b;
            }
        }
    }

    private static void int4Rows(float[] x, int xWidth, int rows, Int4Matrix matrix, float[] groupSums,
                                 CpuLinear linear, float[] out, int outWidth, int start, int end, float[] sums) {
        float[] bias = linear.bias().orElse(null);
        int groups = matrix.numGroups();
        for (int o = start; o < end; o++) {
            float b = bias == null ? 0f : bias[o];
            int t = 0;
            for (; t + 4 <= rows; t += 4) {
                QuantKernels.dot4Int4(matrix, o, x, t * xWidth, xWidth, groupSums, t * groups, groups, sums);
                store(sums, 1f, b, out, t, outWidth, o);
            }
            for (; t < rows; t++) {
                out[t * outWidth + o] = QuantKernels.dotInt4(matrix, o, x, t * xWidth, groupSums, t * groups) + b;
            }
        }
    }

    private static void store(float[] sums, float scale, float bias, float[] out, int t, int outWidth, int o) {
        out[t * outWidth + o] = sums[0] * scale + bias;
        out[(t + 1) * outWidth + o] = sums[1] * scale + bias;
        out[(t + 2) * outWidth + o] = sums[2] * scale + bias;
        out[(t + 3) * outWidth + o] = sums[3] * scale + bias;
    }

    /** The activations gathered into packed column order: reordered[t, j] = x[t, order[j]]. */
    private float[] reorder(float[] x, int xWidth, int rows, int[] order) {
        int in = order.length;
        if (reordered.length < rows * in) {
            reordered = new float[rows * in];
        }
        float[] target = reordered;
        pool.parallelFor(rows, 4, (start, end, worker) -> {
            for (int t = start; t < end; t++) {
                for (int j = 0; j < in; j++) {
                    target[t * in + j] = x[t * xWidth + order[j]];
                }
            }
        });
        return target;
    }

    /** The sum of each row's activations over each group: [rows, numGroups]. */
    private float[] groupSums(float[] x, int xWidth, int rows, Int4Matrix matrix) {
        int groups = matrix.numGroups();
        int groupSize = matrix.groupSize();
        if (groupSums.length < rows * groups) {
            groupSums = new float[rows * groups];
        }
        float[] target = groupSums;
        pool.parallelFor(rows, 4, (start, end, worker) -> {
            for (int t = start; t < end; t++) {
                for (int g = 0; g < groups; g++) {
                    target[t * groups + g] = VectorKernels.sum(x, t * xWidth + g * groupSize, groupSize);
                }
            }
        });
        return target;
    }
}
