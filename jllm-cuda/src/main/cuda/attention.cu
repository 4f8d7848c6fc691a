// Causal grouped-query attention over the paged KV cache for a mixed batch of prefills, prefill chunks and decodes,
// split along the keys (flash-decoding): block (token, head, split) runs an online softmax (Milakov & Gimelshein
// 2018) over its split's keys; with one split it writes the output directly, otherwise each block stores its partial
// result and the last block of a (token, head) to finish merges them all (counted on a per-(token, head) counter that
// it resets, so the next launch or graph replay starts from zero). Each token divides its own keys evenly among the
// splits, so one grid (a recorded decode step) serves every context length. Inside a block, 8 lanes share a key:
// each lane reads vectors of 8 elements of the key and value rows (16 bytes of bf16, 8 bytes of an 8-bit cache), so a
// warp takes 4 keys at a time and a block 16. The kernel is templated on the cache's element type (kv_cache.cuh): an
// 8-bit cache's codes are decoded in registers and its per-(token, kv head) scales applied once per key: to the dot
// product for K, folded into the softmax weight for V.
#pragma once
#include "common.cuh"
#include "kv_cache.cuh"

#define ATTENTION_WARPS 4
#define ATTENTION_THREADS (ATTENTION_WARPS * 32)
#define ATTENTION_GROUP_LANES 8
#define ATTENTION_GROUPS (ATTENTION_THREADS / ATTENTION_GROUP_LANES)
#define ATTENTION_MAX_HEAD_DIM 256
#define ATTENTION_MAX_SPLITS 256
// Vectors of 8 elements per lane: a group's 8 lanes cover 64 dimensions per vector.
#define ATTENTION_VECTORS (ATTENTION_MAX_HEAD_DIM / (8 * ATTENTION_GROUP_LANES))

// ---- kernels ----

// Combines the partial results of `splits` blocks (each: weighted value sum, max, sum of weights) into out [headDim].
// parts is read volatile: other blocks wrote it during this launch. splits <= ATTENTION_MAX_SPLITS.
__device__ void merge_splits(const volatile float* parts, int splits, int head_dim, bf16* out) {
    __shared__ float split_max[ATTENTION_MAX_SPLITS];
    __shared__ float split_total[ATTENTION_MAX_SPLITS];
    __shared__ float denominator;
    for (int s = threadIdx.x; s < splits; s += blockDim.x) {
        split_max[s] = parts[s * (head_dim + 2) + head_dim];
        split_total[s] = parts[s * (head_dim + 2) + head_dim + 1];
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float overall_max = NEGATIVE_INFINITY;
        for (int s = 0; s < splits; s++) {
            if (split_total[s] > 0.0f) {
                overall_max = fmaxf(overall_max, split_max[s]);
            }
        }
        float sum = 0.0f;
        for (int s = 0; s < splits; s++) {
            // A split that saw no key has total 0: its weight is exactly 0.
            float weight = split_total[s] > 0.0f ? expf(split_max[s] - overall_max) : 0.0f;
            split_max[s] = weight;
            sum += split_total[s] * weight;
        }
        denominator = sum;
    }
    __syncthreads();
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
        for (int s = 0; s < splits; s++) {
            float weight = split_max[s];
            if (weight > 0.0f) {
                sum += parts[s * (head_dim + 2) + d] * weight;
            }
        }
        out[d] = float_to_bf16(sum / denominator);
    }
}

// grid: (numTokens, numHeads, splits), block: ATTENTION_THREADS.  head_dim: a multiple of 8, at most 256.
// qkv: [numTokens, rowWidth] bf16 (queries rotated), k_cache, v_cache: [numSlots, numKvHeads * headDim] of the cache's
// elements, k_scales, v_scales: [numSlots, numKvHeads] f32 for an 8-bit cache (unused for bf16),
// positions, token_seq: [numTokens], block_tables: [numSequences, maxBlocks].
// A query at position p sees keys at positions [max(0, p - window + 1), p] of its own sequence; split s takes the
// s-th run of ceil(keys / splits) of them (rounded up to the 16 keys of a pass). out: [numTokens, outWidth] bf16.
// With several splits: partial [numTokens, numHeads, splits, headDim + 2] f32 = (sum of exp(score - max) * value,
// max, sum of exp(score - max)) and counters [numTokens, numHeads] int, zero before and after the launch.
template <typename Cache>
__device__ void paged_attention_body(const bf16* __restrict__ qkv,
                                     const typename Cache::Element* __restrict__ k_cache,
                                     const typename Cache::Element* __restrict__ v_cache,
                                     const float* __restrict__ k_scales, const float* __restrict__ v_scales,
                                     const int* __restrict__ positions, const int* __restrict__ token_seq,
                                     const int* __restrict__ block_tables, int max_blocks, int block_size,
                                     int row_width, int num_heads, int num_kv_heads, int head_dim, float scale,
                                     int window, float* __restrict__ partial, int* __restrict__ counters,
                                     bf16* __restrict__ out, int out_width) {
    wait_for_previous_kernels();
    __shared__ float group_max[ATTENTION_GROUPS];
    __shared__ float group_total[ATTENTION_GROUPS];
    __shared__ float group_acc[ATTENTION_GROUPS][ATTENTION_MAX_HEAD_DIM];

    int token = blockIdx.x;
    int head = blockIdx.y;
    int split = blockIdx.z;
    int group = threadIdx.x / ATTENTION_GROUP_LANES;
    int sub = threadIdx.x % ATTENTION_GROUP_LANES;
    int kv_head = head / (num_heads / num_kv_heads);
    int kv_size = num_kv_heads * head_dim;
    int position = positions[token];
    int first = position - window + 1 > 0 ? position - window + 1 : 0;
    int per_split = (position - first + gridDim.z) / gridDim.z;
    int keys_per_split = (per_split + ATTENTION_GROUPS - 1) / ATTENTION_GROUPS * ATTENTION_GROUPS;
    int split_first = first + split * keys_per_split;
    int split_last = split_first + keys_per_split - 1 < position ? split_first + keys_per_split - 1 : position;
    const int* table = block_tables + (long long) token_seq[token] * max_blocks;

    const uint4* query = reinterpret_cast<const uint4*>(qkv + (long long) token * row_width + head * head_dim);
    float q[ATTENTION_VECTORS][8];
    float acc[ATTENTION_VECTORS][8];
#pragma unroll
    for (int v = 0; v < ATTENTION_VECTORS; v++) {
        int vector = sub + ATTENTION_GROUP_LANES * v;
        if (8 * vector < head_dim) {
            unpack_bf16x8(query[vector], q[v]);
        } else {
#pragma unroll
            for (int e = 0; e < 8; e++) {
                q[v][e] = 0.0f;
            }
        }
#pragma unroll
        for (int e = 0; e < 8; e++) {
            acc[v][e] = 0.0f;
        }
    }

    float max_score = NEGATIVE_INFINITY;
    float total = 0.0f;
    // Every warp runs the same number of iterations so that the group shuffles always have all lanes present.
    for (int base = split_first; base <= split_last; base += ATTENTION_GROUPS) {
        int j = base + group;
        bool valid = j <= split_last;
        float dot = 0.0f;
        // Key and value rows load together: the value is needed as soon as the score is known.
        typename Cache::Vector values[ATTENTION_VECTORS];
        float key_scale = 1.0f;
        float value_scale = 1.0f;
        if (valid) {
            long long slot = (long long) table[j / block_size] * block_size + j % block_size;
            long long row = slot * kv_size + kv_head * head_dim;
            if (Cache::SCALED) {
                key_scale = k_scales[slot * num_kv_heads + kv_head];
                value_scale = v_scales[slot * num_kv_heads + kv_head];
            }
            const typename Cache::Vector* key = reinterpret_cast<const typename Cache::Vector*>(k_cache + row);
            const typename Cache::Vector* value = reinterpret_cast<const typename Cache::Vector*>(v_cache + row);
            typename Cache::Vector keys[ATTENTION_VECTORS];
#pragma unroll
            for (int v = 0; v < ATTENTION_VECTORS; v++) {
                int vector = sub + ATTENTION_GROUP_LANES * v;
                if (8 * vector < head_dim) {
                    keys[v] = key[vector];
                    values[v] = value[vector];
                }
            }
#pragma unroll
            for (int v = 0; v < ATTENTION_VECTORS; v++) {
                int vector = sub + ATTENTION_GROUP_LANES * v;
                if (8 * vector < head_dim) {
                    float k[8];
                    Cache::unpack(keys[v], k);
#pragma unroll
                    for (int e = 0; e < 8; e++) {
                        dot += q[v][e] * k[e];
                    }
                }
            }
        }
#pragma unroll
        for (int offset = 1; offset < ATTENTION_GROUP_LANES; offset <<= 1) {
            dot += __shfl_xor_sync(0xffffffffu, dot, offset);
        }
        if (valid) {
            float score = dot * key_scale * scale;
            float new_max = fmaxf(max_score, score);
            float correction = expf(max_score - new_max);
            float weight = expf(score - new_max);
            total = total * correction + weight;
            float value_weight = weight * value_scale;
#pragma unroll
            for (int v = 0; v < ATTENTION_VECTORS; v++) {
                int vector = sub + ATTENTION_GROUP_LANES * v;
                if (8 * vector < head_dim) {
                    float x[8];
                    Cache::unpack(values[v], x);
#pragma unroll
                    for (int e = 0; e < 8; e++) {
                        acc[v][e] = acc[v][e] * correction + value_weight * x[e];
                    }
                }
            }
            max_score = new_max;
        }
    }

    if (sub == 0) {
        group_max[group] = max_score;
        group_total[group] = total;
    }
#pragma unroll
    for (int v = 0; v < ATTENTION_VECTORS; v++) {
        int vector = sub + ATTENTION_GROUP_LANES * v;
        if (8 * vector < head_dim) {
#pragma unroll
            for (int e = 0; e < 8; e++) {
                group_acc[group][8 * vector + e] = acc[v][e];
            }
        }
    }
    __syncthreads();

    float overall_max = NEGATIVE_INFINITY;
    for (int g = 0; g < ATTENTION_GROUPS; g++) {
        overall_max = fmaxf(overall_max, group_max[g]);
    }
    float denominator = 0.0f;
    float weights[ATTENTION_GROUPS];
#pragma unroll
    for (int g = 0; g < ATTENTION_GROUPS; g++) {
        // A group that saw no key has max -inf and total 0: its weight is exactly 0.
        weights[g] = group_total[g] > 0.0f ? expf(group_max[g] - overall_max) : 0.0f;
        denominator += group_total[g] * weights[g];
    }
    bool direct = gridDim.z == 1;
    long long partial_offset = (((long long) token * num_heads + head) * gridDim.z + split) * (head_dim + 2);
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
#pragma unroll
        for (int g = 0; g < ATTENTION_GROUPS; g++) {
            sum += group_acc[g][d] * weights[g];
        }
        if (direct) {
            out[(long long) token * out_width + head * head_dim + d] = float_to_bf16(sum / denominator);
        } else {
            partial[partial_offset + d] = sum;
        }
    }
    if (direct) {
        return;
    }
    if (threadIdx.x == 0) {
        partial[partial_offset + head_dim] = overall_max;
        partial[partial_offset + head_dim + 1] = denominator;
    }
    // Publish this block's partial result before counting it; the last block then sees every split's.
    __threadfence();
    __syncthreads();
    __shared__ bool last;
    if (threadIdx.x == 0) {
        int counter = token * num_heads + head;
        last = atomicAdd(&counters[counter], 1) == (int) gridDim.z - 1;
        if (last) {
            counters[counter] = 0;
        }
    }
    __syncthreads();
    if (last) {
        __threadfence();
        const volatile float* parts = partial + ((long long) token * num_heads + head) * gridDim.z * (head_dim + 2);
        merge_splits(parts, gridDim.z, head_dim, out + (long long) token * out_width + head * head_dim);
    }
}

// One kernel per cache element type, each with the same arguments (k_scales, v_scales unused for bf16).
extern "C" __global__ void paged_attention(const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache,
                                           const bf16* __restrict__ v_cache, const float* __restrict__ k_scales,
                                           const float* __restrict__ v_scales, const int* __restrict__ positions,
                                           const int* __restrict__ token_seq, const int* __restrict__ block_tables,
                                           int max_blocks, int block_size, int row_width, int num_heads,
                                           int num_kv_heads, int head_dim, float scale, int window,
                                           float* __restrict__ partial, int* __restrict__ counters,
                                           bf16* __restrict__ out, int out_width) {
    paged_attention_body<Bf16Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, token_seq, block_tables,
                                    max_blocks, block_size, row_width, num_heads, num_kv_heads, head_dim, scale,
                                    window, partial, counters, out, out_width);
}

extern "C" __global__ void paged_attention_fp8(const bf16* __restrict__ qkv, const unsigned char* __restrict__ k_cache,
                                               const unsigned char* __restrict__ v_cache,
                                               const float* __restrict__ k_scales, const float* __restrict__ v_scales,
                                               const int* __restrict__ positions, const int* __restrict__ token_seq,
                                               const int* __restrict__ block_tables, int max_blocks, int block_size,
                                               int row_width, int num_heads, int num_kv_heads, int head_dim,
                                               float scale, int window, float* __restrict__ partial,
                                               int* __restrict__ counters, bf16* __restrict__ out, int out_width) {
    paged_attention_body<Fp8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, token_seq, block_tables,
                                   max_blocks, block_size, row_width, num_heads, num_kv_heads, head_dim, scale,
                                   window, partial, counters, out, out_width);
}

extern "C" __global__ void paged_attention_int8(const bf16* __restrict__ qkv, const signed char* __restrict__ k_cache,
                                                const signed char* __restrict__ v_cache,
                                                const float* __restrict__ k_scales, const float* __restrict__ v_scales,
                                                const int* __restrict__ positions, const int* __restrict__ token_seq,
                                                const int* __restrict__ block_tables, int max_blocks, int block_size,
                                                int row_width, int num_heads, int num_kv_heads, int head_dim,
                                                float scale, int window, float* __restrict__ partial,
                                                int* __restrict__ counters, bf16* __restrict__ out, int out_width) {
    paged_attention_body<Int8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, token_seq, block_tables,
                                    max_blocks, block_size, row_width, num_heads, num_kv_heads, head_dim, scale,
                                    window, partial, counters, out, out_width);
}

// ---- grouped decode attention: one block per (token, kv head, split) for all query heads of the KV head ----
// The query heads of a KV head (GQA) read the same key and value rows; here they are read once. Warp w of the block
// is query head kv_head * group + w (group = num_heads / num_kv_heads <= GROUPED_MAX_WARPS, blockDim = 32 * group).
// Per tile of GROUPED_TILE keys all threads copy the key and value rows (and 8-bit scales) into shared memory, then
// each warp runs paged_attention's scheme on its head (8 lanes per key, 4 keys at a time) out of shared memory and
// merges its four lane groups by shuffles. Split-K as in paged_attention, with the same partial layout per query
// head; the counter of a (token, kv head) is that of its first query head, and the last block merges every head.
#define GROUPED_MAX_WARPS 8
#define GROUPED_TILE 32

template <typename Cache>
__device__ void grouped_attention_body(const bf16* __restrict__ qkv,
                                       const typename Cache::Element* __restrict__ k_cache,
                                       const typename Cache::Element* __restrict__ v_cache,
                                       const float* __restrict__ k_scales, const float* __restrict__ v_scales,
                                       const int* __restrict__ positions, const int* __restrict__ token_seq,
                                       const int* __restrict__ block_tables, int max_blocks, int block_size,
                                       int row_width, int num_heads, int num_kv_heads, int head_dim, float scale,
                                       int window, float* __restrict__ partial, int* __restrict__ counters,
                                       bf16* __restrict__ out, int out_width) {
    wait_for_previous_kernels();
    typedef typename Cache::Vector Vector;
    constexpr int ROW_VECTORS = ATTENTION_MAX_HEAD_DIM / 8;
    __shared__ Vector tile_keys[GROUPED_TILE][ROW_VECTORS];
    __shared__ Vector tile_values[GROUPED_TILE][ROW_VECTORS];
    __shared__ float tile_key_scales[GROUPED_TILE];
    __shared__ float tile_value_scales[GROUPED_TILE];

    int token = blockIdx.x;
    int kv_head = blockIdx.y;
    int split = blockIdx.z;
    int group_size = num_heads / num_kv_heads;
    int warp = threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    int quad = lane / ATTENTION_GROUP_LANES;
    int sub = lane % ATTENTION_GROUP_LANES;
    int head = kv_head * group_size + warp;
    int kv_size = num_kv_heads * head_dim;
    int row_vectors = head_dim / 8;
    int position = positions[token];
    int first = position - window + 1 > 0 ? position - window + 1 : 0;
    int per_split = (position - first + gridDim.z) / gridDim.z;
    int keys_per_split = (per_split + GROUPED_TILE - 1) / GROUPED_TILE * GROUPED_TILE;
    int split_first = first + split * keys_per_split;
    int split_last = split_first + keys_per_split - 1 < position ? split_first + keys_per_split - 1 : position;
    const int* table = block_tables + (long long) token_seq[token] * max_blocks;

    const uint4* query = reinterpret_cast<const uint4*>(qkv + (long long) token * row_width + head * head_dim);
    float q[ATTENTION_VECTORS][8];
    float acc[ATTENTION_VECTORS][8];
#pragma unroll
    for (int v = 0; v < ATTENTION_VECTORS; v++) {
        int vector = sub + ATTENTION_GROUP_LANES * v;
        if (vector < row_vectors) {
            unpack_bf16x8(query[vector], q[v]);
        } else {
#pragma unroll
            for (int e = 0; e < 8; e++) {
                q[v][e] = 0.0f;
            }
        }
#pragma unroll
        for (int e = 0; e < 8; e++) {
            acc[v][e] = 0.0f;
        }
    }

    float max_score = NEGATIVE_INFINITY;
    float total = 0.0f;
    for (int base = split_first; base <= split_last; base += GROUPED_TILE) {
        int tile_keys_count = split_last - base + 1 < GROUPED_TILE ? split_last - base + 1 : GROUPED_TILE;
        // Copy the tile: element i is vector i % row_vectors of key i / row_vectors.
        for (int i = threadIdx.x; i < tile_keys_count * row_vectors; i += blockDim.x) {
            int key = i / row_vectors;
            int vector = i % row_vectors;
            int j = base + key;
            long long slot = (long long) table[j / block_size] * block_size + j % block_size;
            long long row = slot * kv_size + kv_head * head_dim;
            tile_keys[key][vector] = reinterpret_cast<const Vector*>(k_cache + row)[vector];
            tile_values[key][vector] = reinterpret_cast<const Vector*>(v_cache + row)[vector];
            if (Cache::SCALED && vector == 0) {
                tile_key_scales[key] = k_scales[slot * num_kv_heads + kv_head];
                tile_value_scales[key] = v_scales[slot * num_kv_heads + kv_head];
            }
        }
        __syncthreads();
        // Every lane of a warp runs the same iterations so that the group shuffles have all lanes present.
        for (int key = quad; key < GROUPED_TILE; key += 32 / ATTENTION_GROUP_LANES) {
            bool valid = key < tile_keys_count;
            float dot = 0.0f;
            if (valid) {
#pragma unroll
                for (int v = 0; v < ATTENTION_VECTORS; v++) {
                    int vector = sub + ATTENTION_GROUP_LANES * v;
                    if (vector < row_vectors) {
                        float k[8];
                        Cache::unpack(tile_keys[key][vector], k);
#pragma unroll
                        for (int e = 0; e < 8; e++) {
                            dot += q[v][e] * k[e];
                        }
                    }
                }
            }
#pragma unroll
            for (int offset = 1; offset < ATTENTION_GROUP_LANES; offset <<= 1) {
                dot += __shfl_xor_sync(0xffffffffu, dot, offset);
            }
            if (valid) {
                float key_scale = Cache::SCALED ? tile_key_scales[key] : 1.0f;
                float value_scale = Cache::SCALED ? tile_value_scales[key] : 1.0f;
                float score = dot * key_scale * scale;
                float new_max = fmaxf(max_score, score);
                float correction = expf(max_score - new_max);
                float weight = expf(score - new_max);
                total = total * correction + weight;
                float value_weight = weight * value_scale;
#pragma unroll
                for (int v = 0; v < ATTENTION_VECTORS; v++) {
                    int vector = sub + ATTENTION_GROUP_LANES * v;
                    if (vector < row_vectors) {
                        float x[8];
                        Cache::unpack(tile_values[key][vector], x);
#pragma unroll
                        for (int e = 0; e < 8; e++) {
                            acc[v][e] = acc[v][e] * correction + value_weight * x[e];
                        }
                    }
                }
                max_score = new_max;
            }
        }
        __syncthreads();
    }

    // Merge the warp's four lane groups (lanes sub, sub + 8, sub + 16, sub + 24 hold the same dimensions).
    float overall_max = max_score;
#pragma unroll
    for (int offset = ATTENTION_GROUP_LANES; offset < 32; offset <<= 1) {
        overall_max = fmaxf(overall_max, __shfl_xor_sync(0xffffffffu, overall_max, offset));
    }
    // A lane group that saw no key has total 0: its weight is exactly 0.
    float weight = total > 0.0f ? expf(max_score - overall_max) : 0.0f;
    float denominator = total * weight;
#pragma unroll
    for (int offset = ATTENTION_GROUP_LANES; offset < 32; offset <<= 1) {
        denominator += __shfl_xor_sync(0xffffffffu, denominator, offset);
    }
#pragma unroll
    for (int v = 0; v < ATTENTION_VECTORS; v++) {
#pragma unroll
        for (int e = 0; e < 8; e++) {
            float sum = acc[v][e] * weight;
#pragma unroll
            for (int offset = ATTENTION_GROUP_LANES; offset < 32; offset <<= 1) {
                sum += __shfl_xor_sync(0xffffffffu, sum, offset);
            }
            acc[v][e] = sum;
        }
    }
    bool direct = gridDim.z == 1;
    long long partial_offset = (((long long) token * num_heads + head) * gridDim.z + split) * (head_dim + 2);
    if (quad == 0) {
#pragma unroll
        for (int v = 0; v < ATTENTION_VECTORS; v++) {
            int vector = sub + ATTENTION_GROUP_LANES * v;
            if (vector < row_vectors) {
#pragma unroll
                for (int e = 0; e < 8; e++) {
                    int d = 8 * vector + e;
                    if (direct) {
                        out[(long long) token * out_width + head * head_dim + d] =
                                float_to_bf16(acc[v][e] / denominator);
                    } else {
                        partial[partial_offset + d] = acc[v][e];
                    }
                }
            }
        }
    }
    if (direct) {
        return;
    }
    if (lane == 0) {
        partial[partial_offset + head_dim] = overall_max;
        partial[partial_offset + head_dim + 1] = denominator;
    }
    // Publish this block's partial results before counting them; the last block then sees every split's.
    __threadfence();
    __syncthreads();
    __shared__ bool last;
    if (threadIdx.x == 0) {
        int counter = token * num_heads + kv_head * group_size;
        last = atomicAdd(&counters[counter], 1) == (int) gridDim.z - 1;
        if (last) {
            counters[counter] = 0;
        }
    }
    __syncthreads();
    if (last) {
        __threadfence();
        for (int g = 0; g < group_size; g++) {
            int merged = kv_head * group_size + g;
            const volatile float* parts =
                    partial + ((long long) token * num_heads + merged) * gridDim.z * (head_dim + 2);
            merge_splits(parts, gridDim.z, head_dim, out + (long long) token * out_width + merged * head_dim);
            // merge_splits' shared arrays are rewritten by the next head's merge.
            __syncthreads();
        }
    }
}

// grid: (numTokens, numKvHeads, splits), block: 32 * (numHeads / numKvHeads) threads; arguments as paged_attention.
extern "C" __global__ void grouped_attention(const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache,
                                             const bf16* __restrict__ v_cache, const float* __restrict__ k_scales,
                                             const float* __restrict__ v_scales, const int* __restrict__ positions,
                                             const int* __restrict__ token_seq, const int* __restrict__ block_tables,
                                             int max_blocks, int block_size, int row_width, int num_heads,
                                             int num_kv_heads, int head_dim, float scale, int window,
                                             float* __restrict__ partial, int* __restrict__ counters,
                                             bf16* __restrict__ out, int out_width) {
    grouped_attention_body<Bf16Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, token_seq, block_tables,
                                      max_blocks, block_size, row_width, num_heads, num_kv_heads, head_dim, scale,
                                      window, partial, counters, out, out_width);
}

extern "C" __global__ void grouped_attention_fp8(const bf16* __restrict__ qkv,
                                                 const unsigned char* __restrict__ k_cache,
                                                 const unsigned char* __restrict__ v_cache,
                                                 const float* __restrict__ k_scales, const float* __restrict__ v_scales,
                                                 const int* __restrict__ positions, const int* __restrict__ token_seq,
                                                 const int* __restrict__ block_tables, int max_blocks, int block_size,
                                                 int row_width, int num_heads, int num_kv_heads, int head_dim,
                                                 float scale, int window, float* __restrict__ partial,
                                                 int* __restrict__ counters, bf16* __restrict__ out, int out_width) {
    grouped_attention_body<Fp8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, token_seq, block_tables,
                                     max_blocks, block_size, row_width, num_heads, num_kv_heads, head_dim, scale,
                                     window, partial, counters, out, out_width);
}

extern "C" __global__ void grouped_attention_int8(const bf16* __restrict__ qkv,
                                                  const signed char* __restrict__ k_cache,
                                                  const signed char* __restrict__ v_cache,
                                                  const float* __restrict__ k_scales,
                                                  const float* __restrict__ v_scales,
                                                  const int* __restrict__ positions, const int* __restrict__ token_seq,
                                                  const int* __restrict__ block_tables, int max_blocks, int block_size,
                                                  int row_width, int num_heads, int num_kv_heads, int head_dim,
                                                  float scale, int window, float* __restrict__ partial,
                                                  int* __restrict__ counters, bf16* __restrict__ out, int out_width) {
    grouped_attention_body<Int8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, token_seq, block_tables,
                                      max_blocks, block_size, row_width, num_heads, num_kv_heads, head_dim, scale,
                                      window, partial, counters, out, out_width);
}
