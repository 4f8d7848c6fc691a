// Rotary position embedding (rotate-half convention) of queries and keys, fused with the write of each token's key
// and value into its slot of the paged cache.
#pragma once
#include "common.cuh"

// ---- kernels ----

// grid: (numTokens), block: multiple of 32.
// qkv: [numTokens, rowWidth] bf16 = [q: numHeads * headDim | k: numKvHeads * headDim | v: numKvHeads * headDim],
// rotated in place; table: [maxPositions, headDim] f32 (cos in [0, headDim/2), sin in [headDim/2, headDim));
// k_cache, v_cache: [numSlots, numKvHeads * headDim] bf16 (one layer).
extern "C" __global__ void rope_write_kv(bf16* __restrict__ qkv, const float* __restrict__ table,
                                         const int* __restrict__ positions, const int* __restrict__ slots,
                                         bf16* __restrict__ k_cache, bf16* __restrict__ v_cache, int row_width,
                                         int num_heads, int num_kv_heads, int head_dim) {
    wait_for_previous_kernels();
    int token = blockIdx.x;
    int half = head_dim / 2;
    int kv_size = num_kv_heads * head_dim;
    int q_size = num_heads * head_dim;
    bf16* row = qkv + (long long) token * row_width;
    const float* angles = table + (long long) positions[token] * head_dim;
    long long slot_offset = (long long) slots[token] * kv_size;
    int pairs = (num_heads + num_kv_heads) * half;
    for (int p = threadIdx.x; p < pairs; p += blockDim.x) {
        int head = p / half;
        int i = p - head * half;
        int first = head * head_dim + i;
        float cos = angles[i];
        float sin = angles[half + i];
        float x1 = bf16_to_float(row[first]);
        float x2 = bf16_to_float(row[first + half]);
        bf16 r1 = float_to_bf16(x1 * cos - x2 * sin);
        bf16 r2 = float_to_bf16(x2 * cos + x1 * sin);
        row[first] = r1;
        row[first + half] = r2;
        if (head >= num_heads) {
            int k_index = first - q_size;
            k_cache[slot_offset + k_index] = r1;
            k_cache[slot_offset + k_index + half] = r2;
        }
    }
    const bf16* v = row + q_size + kv_size;
    for (int i = threadIdx.x; i < kv_size; i += blockDim.x) {
        v_cache[slot_offset + i] = v[i];
    }
}
