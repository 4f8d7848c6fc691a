// Causal grouped-query attention over the paged KV cache for a mixed batch of prefills, prefill chunks and decodes.
// Correct first: one block per (token, query head), the block's warps split that query's keys between them, each
// warp keeps an online softmax (Milakov & Gimelshein 2018), and the warps' partial results are merged at the end.
#pragma once
#include "common.cuh"

#define ATTENTION_WARPS 4
#define ATTENTION_MAX_HEAD_DIM 256
#define ATTENTION_DIMS_PER_LANE (ATTENTION_MAX_HEAD_DIM / 32)

// ---- kernels ----

// grid: (numTokens, numHeads), block: 32 * ATTENTION_WARPS.
// qkv: [numTokens, rowWidth] bf16 (queries rotated), k_cache, v_cache: [numSlots, numKvHeads * headDim] bf16,
// positions, token_seq: [numTokens], block_tables: [numSequences, maxBlocks], out: [numTokens, outWidth] bf16.
// A query at position p sees keys at positions [max(0, p - window + 1), p] of its own sequence.
extern "C" __global__ void paged_attention(const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache,
                                           const bf16* __restrict__ v_cache, const int* __restrict__ positions,
                                           const int* __restrict__ token_seq, const int* __restrict__ block_tables,
                                           int max_blocks, int block_size, int row_width, int num_heads,
                                           int num_kv_heads, int head_dim, float scale, int window,
                                           bf16* __restrict__ out, int out_width) {
    __shared__ float warp_max_score[ATTENTION_WARPS];
    __shared__ float warp_total[ATTENTION_WARPS];
    __shared__ float warp_acc[ATTENTION_WARPS][ATTENTION_MAX_HEAD_DIM];

    int token = blockIdx.x;
    int head = blockIdx.y;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int kv_head = head / (num_heads / num_kv_heads);
    int kv_size = num_kv_heads * head_dim;
    int position = positions[token];
    int first = position - window + 1 > 0 ? position - window + 1 : 0;
    const int* table = block_tables + (long long) token_seq[token] * max_blocks;

    const bf16* query = qkv + (long long) token * row_width + head * head_dim;
    float q[ATTENTION_DIMS_PER_LANE];
    float acc[ATTENTION_DIMS_PER_LANE];
#pragma unroll
    for (int i = 0; i < ATTENTION_DIMS_PER_LANE; i++) {
        int d = lane + 32 * i;
        q[i] = d < head_dim ? bf16_to_float(query[d]) : 0.0f;
        acc[i] = 0.0f;
    }

    float max_score = NEGATIVE_INFINITY;
    float total = 0.0f;
    for (int j = first + warp; j <= position; j += ATTENTION_WARPS) {
        long long slot = (long long) table[j / block_size] * block_size + j % block_size;
        const bf16* key = k_cache + slot * kv_size + kv_head * head_dim;
        const bf16* value = v_cache + slot * kv_size + kv_head * head_dim;
        float partial = 0.0f;
#pragma unroll
        for (int i = 0; i < ATTENTION_DIMS_PER_LANE; i++) {
            int d = lane + 32 * i;
            if (d < head_dim) {
                partial += q[i] * bf16_to_float(key[d]);
            }
        }
        float score = warp_sum(partial) * scale;
        float new_max = fmaxf(max_score, score);
        float correction = expf(max_score - new_max);
        float weight = expf(score - new_max);
        total = total * correction + weight;
#pragma unroll
        for (int i = 0; i < ATTENTION_DIMS_PER_LANE; i++) {
            int d = lane + 32 * i;
            if (d < head_dim) {
                acc[i] = acc[i] * correction + weight * bf16_to_float(value[d]);
            }
        }
        max_score = new_max;
    }

    if (lane == 0) {
        warp_max_score[warp] = max_score;
        warp_total[warp] = total;
    }
#pragma unroll
    for (int i = 0; i < ATTENTION_DIMS_PER_LANE; i++) {
        int d = lane + 32 * i;
        if (d < head_dim) {
            warp_acc[warp][d] = acc[i];
        }
    }
    __syncthreads();

    float overall_max = NEGATIVE_INFINITY;
#pragma unroll
    for (int w = 0; w < ATTENTION_WARPS; w++) {
        overall_max = fmaxf(overall_max, warp_max_score[w]);
    }
    float weights[ATTENTION_WARPS];
    float denominator = 0.0f;
#pragma unroll
    for (int w = 0; w < ATTENTION_WARPS; w++) {
        // A warp that saw no key has max -inf and total 0: its weight is exactly 0.
        weights[w] = warp_total[w] > 0.0f ? expf(warp_max_score[w] - overall_max) : 0.0f;
        denominator += warp_total[w] * weights[w];
    }
    bf16* target = out + (long long) token * out_width + head * head_dim;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
#pragma unroll
        for (int w = 0; w < ATTENTION_WARPS; w++) {
            sum += warp_acc[w][d] * weights[w];
        }
        target[d] = float_to_bf16(sum / denominator);
    }
}
