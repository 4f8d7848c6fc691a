// FP8 (E4M3) linear layers, W8A8 with per-output-channel weight scales and per-token activation scales:
//   prefill-sized products: fp8_quantize_rows turns the bf16 activations into E4M3 codes and one scale per row
//     (amax / 448), cuBLASLt multiplies the codes (FP8 tensor cores, float accumulation, bf16 result), and
//     fp8_scale_rows applies row scale x channel scale (+ bias) to that result in place;
//   decode-sized products (at most GEMV_MAX_BATCH rows): gemv_fp8, gemv.cu's kernel with E4M3 weights read as bytes
//     and widened in registers, against the bf16 activations as they are (no activation quantization), with the same
//     prologues and epilogues.
// E4M3 is 1 sign, 4 exponent (bias 7), 3 mantissa bits; 0x7f / 0xff are NaN; the largest finite value is 448.
#pragma once
#include "common.cuh"
#include "gemv.cu"

#define FP8_MAX 448.0f

// ---- kernels ----

// The E4M3 code of v: round to nearest, ties to even, saturating at +-448 (cvt.rn.satfinite.e4m3x2.f32, and
// ai.jllm.tensor.Fp8E4m3.encode, bit for bit). Written with integer operations so that it also compiles for sm_80 PTX.
__device__ __forceinline__ unsigned int fp8_encode(float v) {
    unsigned int bits = __float_as_uint(v);
    unsigned int sign = (bits >> 24) & 0x80u;
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return 0x7fu;
    }
    float magnitude = fminf(fabsf(v), FP8_MAX);
    unsigned int code;
    if (magnitude < 0.015625f) {
        // Subnormals: multiples of 2^-9 below 2^-6 (code 8, the first normal, is where rounding up lands).
        code = (unsigned int) rintf(magnitude * 512.0f);
    } else {
        unsigned int m = __float_as_uint(magnitude);
        m += 0x7ffffu + ((m >> 20) & 1u);
        code = (m >> 20) - ((127u - 7u) << 3);
    }
    return sign | code;
}

// The value of code b times 2^-120, as a float: the code's 7 magnitude bits land in float's exponent and mantissa, so
// that E4M3 normals become float normals and E4M3 subnormals float subnormals, both exactly 2^-120 of their value.
// The product's scale carries the 2^120 back (FP8_DECODE_SCALE).
#define FP8_DECODE_SCALE 0x1p120f
__device__ __forceinline__ float fp8_decode_scaled(unsigned int byte_at_top) {
    // byte_at_top: the code in bits 31..24 (lower bits are masked off). Sign stays at bit 31, magnitude moves to bits
    // 26..20.
    return __uint_as_float((byte_at_top & 0x80000000u) | ((byte_at_top >> 4) & 0x07f00000u));
}

// Sixteen E4M3 weights (16 bytes) against sixteen bf16 inputs (x0: inputs 0..7, x1: 8..15), accumulated.
__device__ __forceinline__ float dot_e4m3x16(uint4 w, uint4 x0, uint4 x1, float acc) {
    unsigned int words[4] = {w.x, w.y, w.z, w.w};
    unsigned int xs[8] = {x0.x, x0.y, x0.z, x0.w, x1.x, x1.y, x1.z, x1.w};
#pragma unroll
    for (int i = 0; i < 4; i++) {
        unsigned int word = words[i];
        unsigned int xa = xs[2 * i];
        unsigned int xb = xs[2 * i + 1];
        acc = fmaf(fp8_decode_scaled(word << 24), __uint_as_float(xa << 16), acc);
        acc = fmaf(fp8_decode_scaled(word << 16), __uint_as_float(xa & 0xffff0000u), acc);
        acc = fmaf(fp8_decode_scaled(word << 8), __uint_as_float(xb << 16), acc);
        acc = fmaf(fp8_decode_scaled(word), __uint_as_float(xb & 0xffff0000u), acc);
    }
    return acc;
}

// Per-token quantization. grid: (rows), block: multiple of 32.
// x: [rows, width] bf16, codes: [rows, width] E4M3, scales: [rows] f32 (amax / 448, 1 for a zero row).
extern "C" __global__ void fp8_quantize_rows(const bf16* __restrict__ x, int width, unsigned char* __restrict__ codes,
                                             float* __restrict__ scales) {
    __shared__ float partial[32];
    wait_for_previous_kernels();
    const bf16* row = x + (long long) blockIdx.x * width;
    float amax = 0.0f;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        amax = fmaxf(amax, fabsf(bf16_to_float(row[i])));
    }
    amax = warp_max(amax);
    if ((threadIdx.x & 31) == 0) {
        partial[threadIdx.x >> 5] = amax;
    }
    __syncthreads();
    amax = 0.0f;
    for (int w = 0; w < (int) (blockDim.x >> 5); w++) {
        amax = fmaxf(amax, partial[w]);
    }
    float scale = amax > 0.0f ? amax / FP8_MAX : 1.0f;
    unsigned char* target = codes + (long long) blockIdx.x * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        target[i] = (unsigned char) fp8_encode(bf16_to_float(row[i]) / scale);
    }
    if (threadIdx.x == 0) {
        scales[blockIdx.x] = scale;
    }
}

// y = product * row_scales[r] * channel_scales[c] (+ bias[c]), in place, rounded to bf16. grid: (ceil(n / 8 / blockDim.x), rows), eight outputs per thread.
// y: [rows, n] bf16 (n a multiple of 8; cuBLASLt's product of the codes), row_scales: [rows] f32,
// channel_scales: [n] f32, bias: [n] bf16 or null.
extern "C" __global__ void fp8_scale_rows(bf16* __restrict__ y, int n, const float* __restrict__ row_scales,
                                          const float* __restrict__ channel_scales, const bf16* __restrict__ bias) {
    wait_for_previous_kernels();
    int c = 8 * (blockIdx.x * blockDim.x + threadIdx.x);
    if (c >= n) {
        return;
    }
    uint4* target = reinterpret_cast<uint4*>(y + (long long) blockIdx.y * n + c);
    float row_scale = row_scales[blockIdx.y];
    float values[8];
    unpack_bf16x8(*target, values);
    float biases[8];
    if (bias != nullptr) {
        unpack_bf16x8(*reinterpret_cast<const uint4*>(bias + c), biases);
    }
#pragma unroll
    for (int e = 0; e < 8; e++) {
        values[e] *= row_scale * channel_scales[c + e];
        if (bias != nullptr) {
            values[e] += biases[e];
        }
    }
    *target = pack_bf16x8(values);
}

// gemv.cu's gemv<BATCH> with E4M3 weights: a lane's 16-byte load is 16 weights (two of the bf16 kernel's chunks), and
// each output's sum is multiplied by its channel's scale before the epilogue. weight: [n, in] E4M3 (in a multiple of
// 16), scales: [n] f32; every other argument as gemv's.
template <int BATCH>
__device__ void gemv_fp8(const unsigned char* __restrict__ weight, const float* __restrict__ scales,
                         const bf16* __restrict__ bias, const bf16* __restrict__ x, int in, int n, int rows,
                         int prologue, const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed,
                         int epilogue, void* __restrict__ out, bf16* __restrict__ aux, int k_split,
                         const float* __restrict__ rope_table, const int* __restrict__ positions,
                         const int* __restrict__ slots, bf16* __restrict__ k_cache, bf16* __restrict__ v_cache,
                         int head_dim, int num_heads, int num_kv_heads) {
    extern __shared__ uint4 xs[];
    __shared__ float sums[GEMV_MAX_WARPS][2][BATCH];

    int x_chunks = in >> 3;
    int chunks = in >> 4;
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int slice = warp % k_split;
    int group = warp / k_split;
    int groups = (blockDim.x >> 5) / k_split;
    int pairs = (n + 1) / 2;
    int stride = 32 * k_split;
    int rotated_heads = num_heads + num_kv_heads;
    int start = slice * 32 + lane;
    // gemv_load reads 8 bf16 (16 bytes) per chunk: as bf16 pointers, E4M3 rows are in / 2 elements long.
    const bf16* weight16 = reinterpret_cast<const bf16*>(weight);
    int in16 = in >> 1;

    uint4 a[GEMV_UNROLL];
    uint4 b[GEMV_UNROLL];
    {
        int pair = blockIdx.x * groups + group;
        int row0;
        int row1;
        gemv_pair_rows(pair, epilogue, n, head_dim, rotated_heads, &row0, &row1);
        gemv_load(weight16, in16, chunks, row0, row1, pair < pairs, pair < pairs && row1 < n, start, stride, a, b);
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
                gemv_load(weight16, in16, chunks, row0, row1, valid0, valid1, first, stride, a, b);
            }
            prefetched = false;
#pragma unroll
            for (int u = 0; u < GEMV_UNROLL; u++) {
                int c = first + u * stride;
                if (c < chunks) {
#pragma unroll
                    for (int r = 0; r < BATCH; r++) {
                        uint4 v0 = xs[r * x_chunks + 2 * c];
                        uint4 v1 = xs[r * x_chunks + 2 * c + 1];
                        acc0[r] = dot_e4m3x16(a[u], v0, v1, acc0[r]);
                        acc1[r] = dot_e4m3x16(b[u], v0, v1, acc1[r]);
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
                v0 *= scales[r0] * FP8_DECODE_SCALE;
                if (r1 < n) {
                    v1 *= scales[r1] * FP8_DECODE_SCALE;
                }
                gemv_epilogue(epilogue, p, r0, r1, r, v0, v1, bias, n, out, aux, rope_table, positions, slots,
                              k_cache, v_cache, head_dim, num_heads, num_kv_heads);
            }
        }
        __syncthreads();
    }
}

#define GEMV_FP8_KERNEL(BATCH)                                                                                        \
    extern "C" __global__ void gemv_fp8_##BATCH(                                                                      \
        const unsigned char* __restrict__ weight, const float* __restrict__ scales, const bf16* __restrict__ bias,   \
        const bf16* __restrict__ x, int in, int n, int rows, int prologue, const float* __restrict__ norm_weight,    \
        float eps, bf16* __restrict__ normed, int epilogue, void* __restrict__ out, bf16* __restrict__ aux,           \
        int k_split, const float* __restrict__ rope_table, const int* __restrict__ positions,                        \
        const int* __restrict__ slots, bf16* __restrict__ k_cache, bf16* __restrict__ v_cache, int head_dim,          \
        int num_heads, int num_kv_heads) {                                                                            \
        gemv_fp8<BATCH>(weight, scales, bias, x, in, n, rows, prologue, norm_weight, eps, normed, epilogue, out, aux, \
                        k_split, rope_table, positions, slots, k_cache, v_cache, head_dim, num_heads, num_kv_heads); \
    }

// One kernel per batch bucket, as for gemv.
GEMV_FP8_KERNEL(1)
GEMV_FP8_KERNEL(2)
GEMV_FP8_KERNEL(4)
GEMV_FP8_KERNEL(8)
