// Matrix-vector products for decode-sized batches (at most GEMV_MAX_BATCH rows): y = x W^T (+ b) with the bf16
// weights streamed once at memory bandwidth and float32 accumulation, where cuBLASLt's tiles would mostly idle.
// The element-wise ops that sit between the products of a decoder layer run inside them:
//   prologue, how a block builds its copy of x in shared memory: a plain copy, or the RMS norm of the source rows
//     (block 0 also stores the normed rows, so that tensor holds what an unfused norm would have written);
//   epilogue, what becomes of each pair of outputs: stored (bf16 or f32); stored and added into the residual stream;
//     stored as gate/up and their SwiGLU product; stored as q/k/v with the rotary embedding applied to q and k and
//     k, v written into the paged cache.
// Every tensor an unfused sequence of ops would write is written, with the same roundings.
//
// Work split: a block is 4 or 8 warps. Outputs go in pairs: a warp reads 16-byte vectors of both weight rows of a pair and
// accumulates them against every batch row. k_split warps share a pair, each taking every k_split-th 512-byte piece of
// the rows, and meet in shared memory. The grid is one wave (as many blocks as fit at once); blocks walk the pairs
// grid-stride, so the prologue runs once per block.
#pragma once
#include "common.cuh"

#define GEMV_MAX_WARPS 8
#define GEMV_UNROLL 4
#define GEMV_MAX_BATCH 8

#define GEMV_PROLOGUE_COPY 0
#define GEMV_PROLOGUE_NORM 1

#define GEMV_STORE_BF16 0
#define GEMV_STORE_F32 1
#define GEMV_ADD_RESIDUAL 2
#define GEMV_SILU_MUL 3
#define GEMV_ROPE 4

// ---- kernels ----

// Weights are read once: not kept in L1.
__device__ __forceinline__ uint4 load_streaming(const bf16* address) {
    uint4 v;
    asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
        : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
        : "l"(address));
    return v;
}

__device__ __forceinline__ float dot_bf16x8(uint4 a, uint4 b, float acc) {
    acc = fmaf(__uint_as_float(a.x << 16), __uint_as_float(b.x << 16), acc);
    acc = fmaf(__uint_as_float(a.x & 0xffff0000u), __uint_as_float(b.x & 0xffff0000u), acc);
    acc = fmaf(__uint_as_float(a.y << 16), __uint_as_float(b.y << 16), acc);
    acc = fmaf(__uint_as_float(a.y & 0xffff0000u), __uint_as_float(b.y & 0xffff0000u), acc);
    acc = fmaf(__uint_as_float(a.z << 16), __uint_as_float(b.z << 16), acc);
    acc = fmaf(__uint_as_float(a.z & 0xffff0000u), __uint_as_float(b.z & 0xffff0000u), acc);
    acc = fmaf(__uint_as_float(a.w << 16), __uint_as_float(b.w << 16), acc);
    acc = fmaf(__uint_as_float(a.w & 0xffff0000u), __uint_as_float(b.w & 0xffff0000u), acc);
    return acc;
}

// The output rows of pair p. SwiGLU pairs gate row p with up row p + n/2; rotary pairs rotate-half partners
// (row i and i + headDim/2 of a q or k head); every other pair is two neighbouring rows (v rows too).
__device__ __forceinline__ void gemv_pair_rows(int pair, int epilogue, int n, int head_dim, int rotated_heads,
                                               int* row0, int* row1) {
    if (epilogue == GEMV_SILU_MUL) {
        *row0 = pair;
        *row1 = pair + n / 2;
        return;
    }
    if (epilogue == GEMV_ROPE) {
        int half = head_dim / 2;
        if (pair < rotated_heads * half) {
            int head = pair / half;
            *row0 = head * head_dim + (pair - head * half);
            *row1 = *row0 + half;
            return;
        }
    }
    *row0 = 2 * pair;
    *row1 = 2 * pair + 1;
}

// Fills xs [BATCH, in] (bf16, as 16-byte vectors) with rows [0, rows) of x or their RMS norm; rows past `rows` are
// zero. x: [rows, in] bf16, norm_weight: [in] f32, normed: [rows, in] bf16 (written by block 0 when norming).
template <int BATCH>
__device__ void gemv_prologue(uint4* xs, const bf16* __restrict__ x, int in, int rows, int prologue,
                              const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed) {
    int chunks = in >> 3;
    for (int b = 0; b < BATCH; b++) {
        uint4* target = xs + b * chunks;
        if (b >= rows) {
            for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
                target[c] = zero_uint4();
            }
            continue;
        }
        const uint4* source = reinterpret_cast<const uint4*>(x + (long long) b * in);
        if (prologue == GEMV_PROLOGUE_COPY) {
            for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
                target[c] = source[c];
            }
            continue;
        }
        float squares = 0.0f;
        for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
            float v[8];
            unpack_bf16x8(source[c], v);
#pragma unroll
            for (int e = 0; e < 8; e++) {
                squares += v[e] * v[e];
            }
        }
        float scale = rsqrtf(block_sum(squares) / in + eps);
        uint4* stored = reinterpret_cast<uint4*>(normed + (long long) b * in);
        for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
            float v[8];
            unpack_bf16x8(source[c], v);
#pragma unroll
            for (int e = 0; e < 8; e++) {
                v[e] = norm_weight[8 * c + e] * (v[e] * scale);
            }
            uint4 packed = pack_bf16x8(v);
            target[c] = packed;
            if (blockIdx.x == 0) {
                stored[c] = packed;
            }
        }
    }
}

// One pair of outputs of batch row r, sums v0 (row0) and v1 (row1). See the file comment for the epilogues.
// out: [rows, n] (bf16, or f32 for GEMV_STORE_F32); aux: the residual stream [rows, n] for GEMV_ADD_RESIDUAL, the
// activation [rows, n/2] for GEMV_SILU_MUL; rope_table: [maxPositions, headDim] f32 (cos | sin), positions and
// slots: [rows], caches: [numSlots, numKvHeads * headDim] bf16.
__device__ __forceinline__ void gemv_epilogue(int epilogue, int pair, int row0, int row1, int r, float v0, float v1,
                                              const bf16* __restrict__ bias, int n, void* __restrict__ out,
                                              bf16* __restrict__ aux, const float* __restrict__ rope_table,
                                              const int* __restrict__ positions, const int* __restrict__ slots,
                                              bf16* __restrict__ k_cache, bf16* __restrict__ v_cache, int head_dim,
                                              int num_heads, int num_kv_heads) {
    bool second = row1 < n;
    if (bias != nullptr) {
        v0 += bf16_to_float(bias[row0]);
        if (second) {
            v1 += bf16_to_float(bias[row1]);
        }
    }
    long long offset = (long long) r * n;
    if (epilogue == GEMV_STORE_F32) {
        float* y = static_cast<float*>(out) + offset;
        y[row0] = v0;
        if (second) {
            y[row1] = v1;
        }
        return;
    }
    bf16* y = static_cast<bf16*>(out) + offset;
    bf16 d0 = float_to_bf16(v0);
    bf16 d1 = float_to_bf16(v1);
    if (epilogue == GEMV_ROPE) {
        int half = head_dim / 2;
        int q_size = num_heads * head_dim;
        int kv_size = num_kv_heads * head_dim;
        long long slot = (long long) slots[r] * kv_size;
        if (pair < (num_heads + num_kv_heads) * half) {
            int i = row0 % head_dim;
            const float* angles = rope_table + (long long) positions[r] * head_dim;
            float cos = angles[i];
            float sin = angles[half + i];
            float x1 = bf16_to_float(d0);
            float x2 = bf16_to_float(d1);
            d0 = float_to_bf16(x1 * cos - x2 * sin);
            d1 = float_to_bf16(x2 * cos + x1 * sin);
            if (row0 >= q_size) {
                k_cache[slot + row0 - q_size] = d0;
                k_cache[slot + row1 - q_size] = d1;
            }
        } else {
            v_cache[slot + row0 - q_size - kv_size] = d0;
            v_cache[slot + row1 - q_size - kv_size] = d1;
        }
    }
    y[row0] = d0;
    if (second) {
        y[row1] = d1;
    }
    if (epilogue == GEMV_ADD_RESIDUAL) {
        bf16* residual = aux + offset;
        residual[row0] = float_to_bf16(bf16_to_float(residual[row0]) + bf16_to_float(d0));
        if (second) {
            residual[row1] = float_to_bf16(bf16_to_float(residual[row1]) + bf16_to_float(d1));
        }
    } else if (epilogue == GEMV_SILU_MUL) {
        float gate = bf16_to_float(d0);
        float silu = gate / (1.0f + expf(-gate));
        aux[(long long) r * (n / 2) + pair] = float_to_bf16(silu * bf16_to_float(d1));
    }
}

// Loads the weight vectors of chunks first, first + stride, ... (GEMV_UNROLL of them) of rows row0 and row1, zero
// where a row or chunk is out of range.
__device__ __forceinline__ void gemv_load(const bf16* __restrict__ weight, int in, int chunks, int row0, int row1,
                                          bool valid0, bool valid1, int first, int stride, uint4* a, uint4* b) {
    const bf16* w0 = weight + (long long) row0 * in;
    const bf16* w1 = weight + (long long) row1 * in;
#pragma unroll
    for (int u = 0; u < GEMV_UNROLL; u++) {
        int c = first + u * stride;
        a[u] = valid0 && c < chunks ? load_streaming(w0 + 8 * c) : zero_uint4();
        b[u] = valid1 && c < chunks ? load_streaming(w1 + 8 * c) : zero_uint4();
    }
}

// grid: at most one wave (blocks walk the pairs), block: 32 * warps threads (warps <= GEMV_MAX_WARPS), dynamic
// shared memory: BATCH * in * 2 bytes. weight: [n, in] bf16 (in a multiple of 8), bias: [n] bf16 or null,
// x: [rows, in] bf16, rows <= BATCH. k_split: warps per pair, a power of two dividing the block's warps. The rope arguments are read only by GEMV_ROPE (n = qkv width).
// The first weights a warp needs are loaded before waiting for the previous kernel (they are constant), so under
// programmatic dependent launch they stream in while that kernel finishes.
template <int BATCH>
__device__ void gemv(const bf16* __restrict__ weight, const bf16* __restrict__ bias, const bf16* __restrict__ x,
                     int in, int n, int rows, int prologue, const float* __restrict__ norm_weight, float eps,
                     bf16* __restrict__ normed, int epilogue, void* __restrict__ out, bf16* __restrict__ aux,
                     int k_split, const float* __restrict__ rope_table, const int* __restrict__ positions,
                     const int* __restrict__ slots, bf16* __restrict__ k_cache, bf16* __restrict__ v_cache,
                     int head_dim, int num_heads, int num_kv_heads) {
    extern __shared__ uint4 xs[];
    __shared__ float sums[GEMV_MAX_WARPS][2][BATCH];

    int chunks = in >> 3;
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int slice = warp % k_split;
    int group = warp / k_split;
    int groups = (blockDim.x >> 5) / k_split;
    int pairs = (n + 1) / 2;
    int stride = 32 * k_split;
    int rotated_heads = num_heads + num_kv_heads;
    int start = slice * 32 + lane;

    uint4 a[GEMV_UNROLL];
    uint4 b[GEMV_UNROLL];
    {
        int pair = blockIdx.x * groups + group;
        int row0;
        int row1;
        gemv_pair_rows(pair, epilogue, n, head_dim, rotated_heads, &row0, &row1);
        gemv_load(weight, in, chunks, row0, row1, pair < pairs, pair < pairs && row1 < n, start, stride, a, b);
    }
    bool prefetched = true;

    wait_for_previous_kernels();
    gemv_prologue<BATCH>(xs, x, in, rows, prologue, norm_weight, eps, normed);
    __syncthreads();

    for (int base = blockIdx.x * groups; base < pairs; base += gridDim.x * groups) {
        int pair = base + group;
        int row0;
        int row1;
        gemv_pair_rows(pair, epilogue, n, head_dim, rotated_heads, &row0, &row1);
        bool valid0 = pair < pairs;
        bool valid1 = valid0 && row1 < n;
        float acc0[BATCH];
        float acc1[BATCH];
#pragma unroll
        for (int r = 0; r < BATCH; r++) {
            acc0[r] = 0.0f;
            acc1[r] = 0.0f;
        }
        for (int first = start; first < chunks; first += GEMV_UNROLL * stride) {
            if (!prefetched) {
                gemv_load(weight, in, chunks, row0, row1, valid0, valid1, first, stride, a, b);
            }
            prefetched = false;
#pragma unroll
            for (int u = 0; u < GEMV_UNROLL; u++) {
                int c = first + u * stride;
                if (c < chunks) {
#pragma unroll
                    for (int r = 0; r < BATCH; r++) {
                        uint4 v = xs[r * chunks + c];
                        acc0[r] = dot_bf16x8(a[u], v, acc0[r]);
                        acc1[r] = dot_bf16x8(b[u], v, acc1[r]);
                    }
                }
            }
        }
        prefetched = false;
#pragma unroll
        for (int r = 0; r < BATCH; r++) {
            acc0[r] = warp_sum(acc0[r]);
            acc1[r] = warp_sum(acc1[r]);
        }
        if (lane == 0) {
#pragma unroll
            for (int r = 0; r < BATCH; r++) {
                sums[warp][0][r] = acc0[r];
                sums[warp][1][r] = acc1[r];
            }
        }
        __syncthreads();
        if (threadIdx.x < groups * BATCH) {
            int g = threadIdx.x / BATCH;
            int r = threadIdx.x % BATCH;
            int p = base + g;
            if (p < pairs && r < rows) {
                float v0 = 0.0f;
                float v1 = 0.0f;
                for (int s = 0; s < k_split; s++) {
                    v0 += sums[g * k_split + s][0][r];
                    v1 += sums[g * k_split + s][1][r];
                }
                int r0;
                int r1;
                gemv_pair_rows(p, epilogue, n, head_dim, rotated_heads, &r0, &r1);
                gemv_epilogue(epilogue, p, r0, r1, r, v0, v1, bias, n, out, aux, rope_table, positions, slots,
                              k_cache, v_cache, head_dim, num_heads, num_kv_heads);
            }
        }
        __syncthreads();
    }
}

// One kernel per batch bucket, so a batch of one keeps its registers to itself.
extern "C" __global__ void gemv_1(const bf16* __restrict__ weight, const bf16* __restrict__ bias,
                                  const bf16* __restrict__ x, int in, int n, int rows, int prologue,
                                  const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed,
                                  int epilogue, void* __restrict__ out, bf16* __restrict__ aux, int k_split,
                                  const float* __restrict__ rope_table, const int* __restrict__ positions,
                                  const int* __restrict__ slots, bf16* __restrict__ k_cache,
                                  bf16* __restrict__ v_cache, int head_dim, int num_heads, int num_kv_heads) {
    gemv<1>(weight, bias, x, in, n, rows, prologue, norm_weight, eps, normed, epilogue, out, aux, k_split,
            rope_table, positions, slots, k_cache, v_cache, head_dim, num_heads, num_kv_heads);
}

extern "C" __global__ void gemv_2(const bf16* __restrict__ weight, const bf16* __restrict__ bias,
                                  const bf16* __restrict__ x, int in, int n, int rows, int prologue,
                                  const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed,
                                  int epilogue, void* __restrict__ out, bf16* __restrict__ aux, int k_split,
                                  const float* __restrict__ rope_table, const int* __restrict__ positions,
                                  const int* __restrict__ slots, bf16* __restrict__ k_cache,
                                  bf16* __restrict__ v_cache, int head_dim, int num_heads, int num_kv_heads) {
    gemv<2>(weight, bias, x, in, n, rows, prologue, norm_weight, eps, normed, epilogue, out, aux, k_split,
            rope_table, positions, slots, k_cache, v_cache, head_dim, num_heads, num_kv_heads);
}

extern "C" __global__ void gemv_4(const bf16* __restrict__ weight, const bf16* __restrict__ bias,
                                  const bf16* __restrict__ x, int in, int n, int rows, int prologue,
                                  const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed,
                                  int epilogue, void* __restrict__ out, bf16* __restrict__ aux, int k_split,
                                  const float* __restrict__ rope_table, const int* __restrict__ positions,
                                  const int* __restrict__ slots, bf16* __restrict__ k_cache,
                                  bf16* __restrict__ v_cache, int head_dim, int num_heads, int num_kv_heads) {
    gemv<4>(weight, bias, x, in, n, rows, prologue, norm_weight, eps, normed, epilogue, out, aux, k_split,
            rope_table, positions, slots, k_cache, v_cache, head_dim, num_heads, num_kv_heads);
}

extern "C" __global__ void gemv_8(const bf16* __restrict__ weight, const bf16* __restrict__ bias,
                                  const bf16* __restrict__ x, int in, int n, int rows, int prologue,
                                  const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed,
                                  int epilogue, void* __restrict__ out, bf16* __restrict__ aux, int k_split,
                                  const float* __restrict__ rope_table, const int* __restrict__ positions,
                                  const int* __restrict__ slots, bf16* __restrict__ k_cache,
                                  bf16* __restrict__ v_cache, int head_dim, int num_heads, int num_kv_heads) {
    gemv<8>(weight, bias, x, in, n, rows, prologue, norm_weight, eps, normed, epilogue, out, aux, k_split,
            rope_table, positions, slots, k_cache, v_cache, head_dim, num_heads, num_kv_heads);
}
