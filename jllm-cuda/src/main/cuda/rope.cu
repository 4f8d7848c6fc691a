// Rotary position embedding (rotate-half convention) of queries and keys, fused with the write of each token's key
// and value into its slot of the paged cache.
#pragma once
#include "common.cuh"
#include "kv_cache.cuh"

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

// As rope_write_kv, into an 8-bit cache (Fp8Cache or Int8Cache): the rotated keys (rounded to bf16 in qkv, as the bf16
// cache stores them) and the values are quantized per (kv head): one warp per row of headDim takes the row's amax,
// stores scale = amax / CODE_MAX and writes code = encode(x / scale) (0 for an all-zero row, whose scale is 0).
// k_cache, v_cache: [numSlots, numKvHeads * headDim] codes; k_scales, v_scales: [numSlots, numKvHeads] f32.
template <typename Cache>
__device__ void rope_write_kv_quantized(bf16* __restrict__ qkv, const float* __restrict__ table,
                                        const int* __restrict__ positions, const int* __restrict__ slots,
                                        typename Cache::Element* __restrict__ k_cache,
                                        typename Cache::Element* __restrict__ v_cache, float* __restrict__ k_scales,
                                        float* __restrict__ v_scales, int row_width, int num_heads,
                                        int num_kv_heads, int head_dim) {
    wait_for_previous_kernels();
    int token = blockIdx.x;
    int half = head_dim / 2;
    int kv_size = num_kv_heads * head_dim;
    int q_size = num_heads * head_dim;
    bf16* row = qkv + (long long) token * row_width;
    const float* angles = table + (long long) positions[token] * head_dim;
    int pairs = (num_heads + num_kv_heads) * half;
    for (int p = threadIdx.x; p < pairs; p += blockDim.x) {
        int head = p / half;
        int i = p - head * half;
        int first = head * head_dim + i;
        float cos = angles[i];
        float sin = angles[half + i];
        float x1 = bf16_to_float(row[first]);
        float x2 = bf16_to_float(row[first + half]);
        row[first] = float_to_bf16(x1 * cos - x2 * sin);
        row[first + half] = float_to_bf16(x2 * cos + x1 * sin);
    }
    // The rotated keys were written by other threads of the block.
    __syncthreads();
    int slot = slots[token];
    int lane = threadIdx.x & 31;
    for (int item = threadIdx.x >> 5; item < 2 * num_kv_heads; item += blockDim.x >> 5) {
        bool value = item >= num_kv_heads;
        int kv_head = value ? item - num_kv_heads : item;
        const bf16* source = row + q_size + (value ? kv_size : 0) + kv_head * head_dim;
        float amax = 0.0f;
        for (int i = lane; i < head_dim; i += 32) {
            amax = fmaxf(amax, fabsf(bf16_to_float(source[i])));
        }
        amax = warp_max(amax);
        float scale = __fdiv_rn(amax, Cache::CODE_MAX);
        if (lane == 0) {
            (value ? v_scales : k_scales)[(long long) slot * num_kv_heads + kv_head] = scale;
        }
        typename Cache::Element* codes = (value ? v_cache : k_cache) + (long long) slot * kv_size + kv_head * head_dim;
        for (int i = lane; i < head_dim; i += 32) {
            unsigned int code = scale == 0.0f ? 0u : Cache::encode(__fdiv_rn(bf16_to_float(source[i]), scale));
            codes[i] = (typename Cache::Element) code;
        }
    }
}

// grid: (numTokens), block: a multiple of 32.  See rope_write_kv_quantized.
extern "C" __global__ void rope_write_kv_fp8(bf16* __restrict__ qkv, const float* __restrict__ table,
                                             const int* __restrict__ positions, const int* __restrict__ slots,
                                             unsigned char* __restrict__ k_cache, unsigned char* __restrict__ v_cache,
                                             float* __restrict__ k_scales, float* __restrict__ v_scales,
                                             int row_width, int num_heads, int num_kv_heads, int head_dim) {
    rope_write_kv_quantized<Fp8Cache>(qkv, table, positions, slots, k_cache, v_cache, k_scales, v_scales, row_width,
                                      num_heads, num_kv_heads, head_dim);
}

extern "C" __global__ void rope_write_kv_int8(bf16* __restrict__ qkv, const float* __restrict__ table,
                                              const int* __restrict__ positions, const int* __restrict__ slots,
                                              signed char* __restrict__ k_cache, signed char* __restrict__ v_cache,
                                              float* __restrict__ k_scales, float* __restrict__ v_scales,
                                              int row_width, int num_heads, int num_kv_heads, int head_dim) {
    rope_write_kv_quantized<Int8Cache>(qkv, table, positions, slots, k_cache, v_cache, k_scales, v_scales, row_width,
                                       num_heads, num_kv_heads, head_dim);
}
