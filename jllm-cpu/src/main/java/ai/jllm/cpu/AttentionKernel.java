package ai.jllm.cpu;

import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.ForwardBatch;
import java.util.Arrays;

/**
 * Causal grouped-query attention over the paged cache for a mixed batch. Every (token, query head) pair is one
 * independent item: its query attends to the keys of positions {@code [first, position]} of its own sequence
 * (first = 0, or the start of the sliding window), fetched through the sequence's block table.
 * This is the reference the CUDA kernels are tested against, so it favours plain, exact float32 math.
 */
final class AttentionKernel {

    private final WorkerPool pool;
    private float[][] scores;

    AttentionKernel(WorkerPool pool) {
        this.pool = pool;
        this.scores = new float[pool.threads()][0];
    }

    /** qkv: [T, Q + 2 KV] (queries already rotated), kv: the layer's cache, out: [T, Q] */
    void run(float[] qkv, int qkvWidth, CpuKvLayer kv, AttentionShape shape, ForwardBatch batch, float[] out,
             int outWidth) {
        int longest = 0;
        for (int s = 0; s < batch.numSequences(); s++) {
            longest = Math.max(longest, batch.seqLens()[s]);
        }
        if (scores[0].length < longest) {
            int capacity = Math.max(longest, 2 * scores[0].length);
            for (int w = 0; w < scores.length; w++) {
                scores[w] = new float[capacity];
            }
        }
        int heads = shape.numHeads();
        pool.parallelFor(batch.numTokens() * heads, 4, (start, end, worker) -> {
            for (int item = start; item < end; item++) {
                attendOne(item / heads, item % heads, qkv, qkvWidth, kv, shape, batch, out, outWidth, scores[worker]);
            }
        });
    }

    private static void attendOne(int token, int head, float[] qkv, int qkvWidth, CpuKvLayer kv,
                                  AttentionShape shape, ForwardBatch batch, float[] out, int outWidth, float[] score) {
        int headDim = shape.headDim();
        int kvHead = head / shape.groupSize();
        int sequence = sequenceOf(token, batch);
        int blockSize = batch.blockSize();
        int tableOffset = sequence * batch.maxBlocksPerSequence();
        int[] blockTables = batch.blockTables();
        int position = batch.positions()[token];
        int first = shape.slidingWindow().isPresent()
                ? Math.max(0, position - shape.slidingWindow().getAsInt() + 1) : 0;
        int queryOffset = token * qkvWidth + head * headDim;

        float max = Float.NEGATIVE_INFINITY;
        for (int j = first; j <= position; j++) {
            int slot = blockTables[tableOffset + j / blockSize] * blockSize + j % blockSize;
            float s = kv.dotKey(qkv, queryOffset, slot, kvHead) * shape.scale();
            score[j - first] = s;
            max = Math.max(max, s);
        }
        float total = 0f;
        for (int j = 0; j <= position - first; j++) {
            float e = (float) Math.exp(score[j] - max);
            score[j] = e;
            total += e;
        }
        int outOffset = token * outWidth + head * headDim;
        Arrays.fill(out, outOffset, outOffset + headDim, 0f);
        float inverse = 1f / total;
        for (int j = first; j <= position; j++) {
            int slot = blockTables[tableOffset + j / blockSize] * blockSize + j % blockSize;
            kv.addValue(score[j - first] * inverse, slot, kvHead, out, outOffset);
        }
    }

    /** The sequence owning a token row: the last s with queryStart[s] <= token. */
    static int sequenceOf(int token, ForwardBatch batch) {
        int[] queryStart = batch.queryStart();
        int low = 0;
        int high = batch.numSequences() - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (queryStart[middle] <= token) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        return low;
    }
}
