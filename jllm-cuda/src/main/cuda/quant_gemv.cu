// Weight-only quantized linear layers (W8A16, W4A16) in jllm's layouts (docs/engine.md), weights kept as stored:
//   int8: weight [n, in] signed bytes, scales [n] f32:                W[o, i] = q * scale[o];
//   int4: packed [n, in / 2] bytes, scales and zeros [n, in / group]:  W[o, j] = (q - zero[o, g]) * scale[o, g],
//         g = j / group; each row is cut into blocks of 32 columns in 16 bytes, byte k holding column k in its low
//         nibble and column k + 16 in its high nibble; packed column j multiplies x[order[j]] when order is given
//         (act-order GPTQ), else x[j].
//
// quant_gemv_{int8,int4}_{1,2,4,8}: decode-sized products (at most GEMV_MAX_BATCH rows) with the prologues and
// epilogues of gemv.cu (same codes, same roundings), the 16-byte weight vectors streamed once with non-caching loads.
// The work split is gemv.cu's: pairs of output rows per warp group, k_split warps per pair, a one-wave grid walking
// the pairs. The input rows sit in shared memory as f32 (rounded to bf16 first, as a stored activation would be), in
// packed-column order, so the inner loop needs no unpacking of x and no gather.
// A weight byte becomes a float without a conversion instruction: byte_perm puts it into the low mantissa bits of
// 2^23 (0x4B000000), and one subtraction of 2^23 + offset leaves the code minus its offset, exactly. int8 bytes are
// flipped to unsigned first (offset 128); an int4 high nibble is masked in place, so its float is 16 times the code
// and its partial sum is scaled by 1/16 once per 32 columns. The scales multiply per row (int8) or per 32 columns
// (int4), outside the per-weight loop.
//
// dequantize_{int8,int4}: the same weights as a bf16 [n, in] matrix in input order, for cuBLASLt on larger batches.
#pragma once
#include "common.cuh"
#include "gemv.cu"

#define QUANT_INT8 0
#define QUANT_INT4 1

#define QUANT_MAGIC 8388608.0f

// ---- kernels ----

// The four bytes of w, each as 2^23 + byte (floats).
__device__ __forceinline__ void bytes_to_magic_floats(unsigned int w, float* f) {
    f[0] = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7540));
    f[1] = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7541));
    f[2] = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7542));
    f[3] = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7543));
}

__device__ __forceinline__ uint4 load_streaming_bytes(const unsigned char* address) {
    return load_streaming(reinterpret_cast<const bf16*>(address));
}

// Where packed column j of a batch row sits in shared memory: the rows are f32 in groups of four columns, stored
// [slot][vector] with vector = j / vector_columns (16 int8 or 32 int4 columns per 16-byte weight vector) and
// slot = (j % vector_columns) / 4, so that the lanes of a warp, which take consecutive weight vectors, read
// consecutive 16-byte pieces (no bank conflicts).
__device__ __forceinline__ int quant_x_index(int j, int vector_columns, int vectors) {
    return (((j % vector_columns) >> 2) * vectors + j / vector_columns) * 4 + (j & 3);
}

// Fills xs [BATCH, in] f32 (in quant_x_index's order) with rows [0, rows) of x or their RMS norm (each value rounded
// to bf16 as a stored activation would be), packed column j holding input order[j] (or j); rows past `rows` are
// zero. Block 0 also stores the normed rows in input order when norming. x: [rows, in] bf16, norm_weight: [in] f32,
// normed: [rows, in] bf16, order: [in] int or null.
template <int BATCH>
__device__ void quant_prologue(float* xs, const bf16* __restrict__ x, int in, int vector_columns, int rows,
                               int prologue, const float* __restrict__ norm_weight, float eps,
                               bf16* __restrict__ normed, const int* __restrict__ order) {
    int chunks = in >> 3;
    int vectors = in / vector_columns;
    for (int b = 0; b < BATCH; b++) {
        float* target = xs + b * in;
        if (b >= rows) {
            for (int i = threadIdx.x; i < in; i += blockDim.x) {
                target[i] = 0.0f;
            }
            continue;
        }
        const bf16* row = x + (long long) b * in;
        const uint4* source = reinterpret_cast<const uint4*>(row);
        float scale = 1.0f;
        if (prologue == GEMV_PROLOGUE_NORM) {
            float squares = 0.0f;
            for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
                float v[8];
                unpack_bf16x8(source[c], v);
#pragma unroll
                for (int e = 0; e < 8; e++) {
                    squares += v[e] * v[e];
                }
            }
            scale = rsqrtf(block_sum(squares) / in + eps);
        }
        if (order == nullptr || (prologue == GEMV_PROLOGUE_NORM && blockIdx.x == 0)) {
            uint4* stored = reinterpret_cast<uint4*>(normed + (long long) b * in);
            for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
                float v[8];
                unpack_bf16x8(source[c], v);
                if (prologue == GEMV_PROLOGUE_NORM) {
#pragma unroll
                    for (int e = 0; e < 8; e++) {
                        v[e] = bf16_to_float(float_to_bf16(norm_weight[8 * c + e] * (v[e] * scale)));
                    }
                    if (blockIdx.x == 0) {
                        stored[c] = pack_bf16x8(v);
                    }
                }
                if (order == nullptr) {
                    // Columns 8c .. 8c + 3 and 8c + 4 .. 8c + 7: two groups of four, each one 16-byte piece.
                    float4* low = reinterpret_cast<float4*>(target + quant_x_index(8 * c, vector_columns, vectors));
                    float4* high = reinterpret_cast<float4*>(target + quant_x_index(8 * c + 4, vector_columns,
                                                                                    vectors));
                    *low = make_float4(v[0], v[1], v[2], v[3]);
                    *high = make_float4(v[4], v[5], v[6], v[7]);
                }
            }
        }
        if (order != nullptr) {
            for (int j = threadIdx.x; j < in; j += blockDim.x) {
                int i = order[j];
                float v = bf16_to_float(row[i]);
                if (prologue == GEMV_PROLOGUE_NORM) {
                    v = bf16_to_float(float_to_bf16(norm_weight[i] * (v * scale)));
                }
                target[quant_x_index(j, vector_columns, vectors)] = v;
            }
        }
    }
}

// The sums over weight vector c (16 int8 columns) of rows a and b (as codes) times each batch row of xs.
template <int BATCH>
__device__ __forceinline__ void int8_vectors(uint4 wa, uint4 wb, const float* xs, int in, int vectors, int c,
                                             float* acc0, float* acc1) {
    unsigned int words0[4] = {wa.x ^ 0x80808080u, wa.y ^ 0x80808080u, wa.z ^ 0x80808080u, wa.w ^ 0x80808080u};
    unsigned int words1[4] = {wb.x ^ 0x80808080u, wb.y ^ 0x80808080u, wb.z ^ 0x80808080u, wb.w ^ 0x80808080u};
#pragma unroll
    for (int i = 0; i < 4; i++) {
        float f0[4];
        float f1[4];
        bytes_to_magic_floats(words0[i], f0);
        bytes_to_magic_floats(words1[i], f1);
#pragma unroll
        for (int k = 0; k < 4; k++) {
            f0[k] -= QUANT_MAGIC + 128.0f;
            f1[k] -= QUANT_MAGIC + 128.0f;
        }
#pragma unroll
        for (int r = 0; r < BATCH; r++) {
            float4 v = *reinterpret_cast<const float4*>(xs + r * in + (i * vectors + c) * 4);
            acc0[r] = fmaf(f0[0], v.x, acc0[r]);
            acc0[r] = fmaf(f0[1], v.y, acc0[r]);
            acc0[r] = fmaf(f0[2], v.z, acc0[r]);
            acc0[r] = fmaf(f0[3], v.w, acc0[r]);
            acc1[r] = fmaf(f1[0], v.x, acc1[r]);
            acc1[r] = fmaf(f1[1], v.y, acc1[r]);
            acc1[r] = fmaf(f1[2], v.z, acc1[r]);
            acc1[r] = fmaf(f1[3], v.w, acc1[r]);
        }
    }
}

// One row's part of a 32-column int4 vector: the codes of word `word` (low or high nibbles) minus the zero point,
// as floats (high nibbles come out 16 times too large; int4_vectors scales their sums back).
__device__ __forceinline__ void int4_floats(unsigned int word, bool high, float offset, float* f) {
    bytes_to_magic_floats(word & (high ? 0xF0F0F0F0u : 0x0F0F0F0Fu), f);
#pragma unroll
    for (int k = 0; k < 4; k++) {
        f[k] -= offset;
    }
}

// acc[r] += scale * sum over weight vector c (32 int4 columns) of (q - zero) * x[r], for rows a and b.
template <int BATCH>
__device__ __forceinline__ void int4_vectors(uint4 wa, uint4 wb, float scale0, float zero0, float scale1,
                                             float zero1, const float* xs, int in, int vectors, int c, float* acc0,
                                             float* acc1) {
    unsigned int words0[4] = {wa.x, wa.y, wa.z, wa.w};
    unsigned int words1[4] = {wb.x, wb.y, wb.z, wb.w};
    float low_offset0 = QUANT_MAGIC + zero0;
    float high_offset0 = QUANT_MAGIC + 16.0f * zero0;
    float low_offset1 = QUANT_MAGIC + zero1;
    float high_offset1 = QUANT_MAGIC + 16.0f * zero1;
    float low0[BATCH];
    float high0[BATCH];
    float low1[BATCH];
    float high1[BATCH];
#pragma unroll
    for (int r = 0; r < BATCH; r++) {
        low0[r] = 0.0f;
        high0[r] = 0.0f;
        low1[r] = 0.0f;
        high1[r] = 0.0f;
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        float fl0[4];
        float fh0[4];
        float fl1[4];
        float fh1[4];
        int4_floats(words0[i], false, low_offset0, fl0);
        int4_floats(words0[i], true, high_offset0, fh0);
        int4_floats(words1[i], false, low_offset1, fl1);
        int4_floats(words1[i], true, high_offset1, fh1);
#pragma unroll
        for (int r = 0; r < BATCH; r++) {
            const float* row = xs + r * in;
            float4 vl = *reinterpret_cast<const float4*>(row + (i * vectors + c) * 4);
            float4 vh = *reinterpret_cast<const float4*>(row + ((4 + i) * vectors + c) * 4);
            low0[r] = fmaf(fl0[0], vl.x, low0[r]);
            low0[r] = fmaf(fl0[1], vl.y, low0[r]);
            low0[r] = fmaf(fl0[2], vl.z, low0[r]);
            low0[r] = fmaf(fl0[3], vl.w, low0[r]);
            high0[r] = fmaf(fh0[0], vh.x, high0[r]);
            high0[r] = fmaf(fh0[1], vh.y, high0[r]);
            high0[r] = fmaf(fh0[2], vh.z, high0[r]);
            high0[r] = fmaf(fh0[3], vh.w, high0[r]);
            low1[r] = fmaf(fl1[0], vl.x, low1[r]);
            low1[r] = fmaf(fl1[1], vl.y, low1[r]);
            low1[r] = fmaf(fl1[2], vl.z, low1[r]);
            low1[r] = fmaf(fl1[3], vl.w, low1[r]);
            high1[r] = fmaf(fh1[0], vh.x, high1[r]);
            high1[r] = fmaf(fh1[1], vh.y, high1[r]);
            high1[r] = fmaf(fh1[2], vh.z, high1[r]);
            high1[r] = fmaf(fh1[3], vh.w, high1[r]);
        }
    }
#pragma unroll
    for (int r = 0; r < BATCH; r++) {
        acc0[r] = fmaf(scale0, fmaf(high0[r], 0.0625f, low0[r]), acc0[r]);
        acc1[r] = fmaf(scale1, fmaf(high1[r], 0.0625f, low1[r]), acc1[r]);
    }
}

// Loads 16-byte weight vectors first, first + stride, ... (GEMV_UNROLL of them) of rows row0 and row1, zero where a
// row or vector is out of range. weight: [n, chunks * 16] bytes.
__device__ __forceinline__ void quant_load(const unsigned char* __restrict__ weight, int chunks, int row0, int row1,
                                           bool valid0, bool valid1, int first, int stride, uint4* a, uint4* b) {
    const unsigned char* w0 = weight + (long long) row0 * chunks * 16;
    const unsigned char* w1 = weight + (long long) row1 * chunks * 16;
#pragma unroll
    for (int u = 0; u < GEMV_UNROLL; u++) {
        int c = first + u * stride;
        a[u] = valid0 && c < chunks ? load_streaming_bytes(w0 + 16 * c) : zero_uint4();
        b[u] = valid1 && c < chunks ? load_streaming_bytes(w1 + 16 * c) : zero_uint4();
    }
}

// grid: at most one wave, block: 32 * warps threads, dynamic shared memory: BATCH * in * 4 bytes. weight: int8
// [n, in] or int4 [n, in / 2] (in a multiple of 16, resp. 32), scales: [n] or [n, in / group] f32, zeros:
// [n, in / group] bytes (int4), group_shift: log2(group / 32) (int4; groups of a power of two times 32, so that a
// vector's group is a shift away), order: [in] int or null (int4), bias: [n] bf16 or null; the rest as gemv.cu's gemv.
template <int BATCH, int FORMAT>
__device__ void quant_gemv(const unsigned char* __restrict__ weight, const float* __restrict__ scales,
                           const unsigned char* __restrict__ zeros, const int* __restrict__ order, int group_shift,
                           const bf16* __restrict__ bias, const bf16* __restrict__ x, int in, int n, int rows,
                           int prologue, const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed,
                           int epilogue, void* __restrict__ out, bf16* __restrict__ aux, int k_split,
                           const float* __restrict__ rope_table, const int* __restrict__ positions,
                           const int* __restrict__ slots, bf16* __restrict__ k_cache, bf16* __restrict__ v_cache,
                           int head_dim, int num_heads, int num_kv_heads) {
    extern __shared__ float4 shared_x[];
    float* xs = reinterpret_cast<float*>(shared_x);
    __shared__ float sums[GEMV_MAX_WARPS][2][BATCH];

    int columns_per_chunk = FORMAT == QUANT_INT8 ? 16 : 32;
    int chunks = in / columns_per_chunk;
    int groups_per_row = FORMAT == QUANT_INT8 ? 1 : chunks >> group_shift;
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int slice = warp % k_split;
    int team = warp / k_split;
    int teams = (blockDim.x >> 5) / k_split;
    int pairs = (n + 1) / 2;
    int stride = 32 * k_split;
    int rotated_heads = num_heads + num_kv_heads;
    int start = slice * 32 + lane;

    uint4 a[GEMV_UNROLL];
    uint4 b[GEMV_UNROLL];
    {
        int pair = blockIdx.x * teams + team;
        int row0;
        int row1;
        gemv_pair_rows(pair, epilogue, n, head_dim, rotated_heads, &row0, &row1);
        quant_load(weight, chunks, row0, row1, pair < pairs, pair < pairs && row1 < n, start, stride, a, b);
    }
    bool prefetched = true;

    wait_for_previous_kernels();
    quant_prologue<BATCH>(xs, x, in, columns_per_chunk, rows, prologue, norm_weight, eps, normed, order);
    __syncthreads();

    for (int base = blockIdx.x * teams; base < pairs; base += gridDim.x * teams) {
        int pair = base + team;
        int row0;
        int row1;
        gemv_pair_rows(pair, epilogue, n, head_dim, rotated_heads, &row0, &row1);
        bool valid0 = pair < pairs;
        bool valid1 = valid0 && row1 < n;
        // The row's first group; rows past n read row 0's (their weights are zero vectors).
        long long groups0 = (long long) (valid0 ? row0 : 0) * groups_per_row;
        long long groups1 = (long long) (valid1 ? row1 : 0) * groups_per_row;
        float acc0[BATCH];
        float acc1[BATCH];
#pragma unroll
        for (int r = 0; r < BATCH; r++) {
            acc0[r] = 0.0f;
            acc1[r] = 0.0f;
        }
        for (int first = start; first < chunks; first += GEMV_UNROLL * stride) {
            if (!prefetched) {
                quant_load(weight, chunks, row0, row1, valid0, valid1, first, stride, a, b);
            }
            prefetched = false;
#pragma unroll
            for (int u = 0; u < GEMV_UNROLL; u++) {
                int c = first + u * stride;
                if (c < chunks) {
                    if (FORMAT == QUANT_INT8) {
                        int8_vectors<BATCH>(a[u], b[u], xs, in, chunks, c, acc0, acc1);
                    } else {
                        long long g0 = groups0 + (c >> group_shift);
                        long long g1 = groups1 + (c >> group_shift);
                        int4_vectors<BATCH>(a[u], b[u], scales[g0], (float) zeros[g0], scales[g1],
                                            (float) zeros[g1], xs, in, chunks, c, acc0, acc1);
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
        if (threadIdx.x < teams * BATCH) {
            int t = threadIdx.x / BATCH;
            int r = threadIdx.x % BATCH;
            int p = base + t;
            if (p < pairs && r < rows) {
                float v0 = 0.0f;
                float v1 = 0.0f;
                for (int s = 0; s < k_split; s++) {
                    v0 += sums[t * k_split + s][0][r];
                    v1 += sums[t * k_split + s][1][r];
                }
                int r0;
                int r1;
                gemv_pair_rows(p, epilogue, n, head_dim, rotated_heads, &r0, &r1);
                if (FORMAT == QUANT_INT8) {
                    v0 *= scales[r0];
                    v1 *= r1 < n ? scales[r1] : 0.0f;
                }
                gemv_epilogue(epilogue, p, r0, r1, r, v0, v1, bias, n, out, aux, rope_table, positions, slots,
                              k_cache, v_cache, head_dim, num_heads, num_kv_heads);
            }
        }
        __syncthreads();
    }
}

// One kernel per format and batch bucket (see gemv.cu), all with these parameters.
#define QUANT_GEMV_PARAMETERS                                                                                        \
    const unsigned char *__restrict__ weight, const float *__restrict__ scales,                                      \
        const unsigned char *__restrict__ zeros, const int *__restrict__ order, int group_shift,                     \
        const bf16 *__restrict__ bias, const bf16 *__restrict__ x, int in, int n, int rows, int prologue,            \
        const float *__restrict__ norm_weight, float eps, bf16 *__restrict__ normed, int epilogue,                   \
        void *__restrict__ out, bf16 *__restrict__ aux, int k_split, const float *__restrict__ rope_table,           \
        const int *__restrict__ positions, const int *__restrict__ slots, bf16 *__restrict__ k_cache,                \
        bf16 *__restrict__ v_cache, int head_dim, int num_heads, int num_kv_heads
#define QUANT_GEMV_ARGUMENTS                                                                                         \
    weight, scales, zeros, order, group_shift, bias, x, in, n, rows, prologue, norm_weight, eps, normed, epilogue,   \
        out, aux, k_split, rope_table, positions, slots, k_cache, v_cache, head_dim, num_heads, num_kv_heads

extern "C" __global__ void quant_gemv_int8_1(QUANT_GEMV_PARAMETERS) {
    quant_gemv<1, QUANT_INT8>(QUANT_GEMV_ARGUMENTS);
}

extern "C" __global__ void quant_gemv_int8_2(QUANT_GEMV_PARAMETERS) {
    quant_gemv<2, QUANT_INT8>(QUANT_GEMV_ARGUMENTS);
}

extern "C" __global__ void quant_gemv_int8_4(QUANT_GEMV_PARAMETERS) {
    quant_gemv<4, QUANT_INT8>(QUANT_GEMV_ARGUMENTS);
}

extern "C" __global__ void quant_gemv_int8_8(QUANT_GEMV_PARAMETERS) {
    quant_gemv<8, QUANT_INT8>(QUANT_GEMV_ARGUMENTS);
}

extern "C" __global__ void quant_gemv_int4_1(QUANT_GEMV_PARAMETERS) {
    quant_gemv<1, QUANT_INT4>(QUANT_GEMV_ARGUMENTS);
}

extern "C" __global__ void quant_gemv_int4_2(QUANT_GEMV_PARAMETERS) {
    quant_gemv<2, QUANT_INT4>(QUANT_GEMV_ARGUMENTS);
}

extern "C" __global__ void quant_gemv_int4_4(QUANT_GEMV_PARAMETERS) {
    quant_gemv<4, QUANT_INT4>(QUANT_GEMV_ARGUMENTS);
}

extern "C" __global__ void quant_gemv_int4_8(QUANT_GEMV_PARAMETERS) {
    quant_gemv<8, QUANT_INT4>(QUANT_GEMV_ARGUMENTS);
}

// Block-stride over the rows, a 16-byte vector of codes per thread and step. weight: [n, in] signed bytes,
// scales: [n] f32, out: [n, in] bf16
extern "C" __global__ void dequantize_int8(const signed char* __restrict__ weight, const float* __restrict__ scales,
                                           int in, int n, bf16* __restrict__ out) {
    wait_for_previous_kernels();
    for (int o = blockIdx.x; o < n; o += gridDim.x) {
        float scale = scales[o];
        const signed char* row = weight + (long long) o * in;
        bf16* target = out + (long long) o * in;
        if ((in & 15) != 0) {
            for (int i = threadIdx.x; i < in; i += blockDim.x) {
                target[i] = float_to_bf16((float) row[i] * scale);
            }
            continue;
        }
        for (int v = threadIdx.x; v < in >> 4; v += blockDim.x) {
            uint4 w = load_streaming_bytes(reinterpret_cast<const unsigned char*>(row) + 16 * v);
            unsigned int words[4] = {w.x ^ 0x80808080u, w.y ^ 0x80808080u, w.z ^ 0x80808080u, w.w ^ 0x80808080u};
            float values[16];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                bytes_to_magic_floats(words[i], values + 4 * i);
#pragma unroll
                for (int k = 0; k < 4; k++) {
                    values[4 * i + k] = (values[4 * i + k] - (QUANT_MAGIC + 128.0f)) * scale;
                }
            }
            uint4* stored = reinterpret_cast<uint4*>(target + 16 * v);
            stored[0] = pack_bf16x8(values);
            stored[1] = pack_bf16x8(values + 8);
        }
    }
}

// Block-stride over the rows, a 16-byte vector (32 columns, one group) per thread and step. packed: [n, in / 2],
// scales: [n, in / group] f32, zeros: [n, in / group] bytes, order: [in] int or null, out: [n, in] bf16 in input
// order (out[o, order[j]] = W[o, j]).
extern "C" __global__ void dequantize_int4(const unsigned char* __restrict__ packed, const float* __restrict__ scales,
                                           const unsigned char* __restrict__ zeros, const int* __restrict__ order,
                                           int group, int in, int n, bf16* __restrict__ out) {
    wait_for_previous_kernels();
    int groups = in / group;
    for (int o = blockIdx.x; o < n; o += gridDim.x) {
        const unsigned char* row = packed + (long long) o * (in / 2);
        bf16* target = out + (long long) o * in;
        for (int v = threadIdx.x; v < in >> 5; v += blockDim.x) {
            int g = o * groups + 32 * v / group;
            float scale = scales[g];
            float zero = (float) zeros[g];
            uint4 w = load_streaming_bytes(row + 16 * v);
            unsigned int words[4] = {w.x, w.y, w.z, w.w};
            float values[32];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int4_floats(words[i], false, QUANT_MAGIC + zero, values + 4 * i);
                int4_floats(words[i], true, QUANT_MAGIC + 16.0f * zero, values + 16 + 4 * i);
#pragma unroll
                for (int k = 0; k < 4; k++) {
                    values[4 * i + k] *= scale;
                    values[16 + 4 * i + k] *= 0.0625f * scale;
                }
            }
            if (order == nullptr) {
                uint4* stored = reinterpret_cast<uint4*>(target + 32 * v);
#pragma unroll
                for (int q = 0; q < 4; q++) {
                    stored[q] = pack_bf16x8(values + 8 * q);
                }
            } else {
#pragma unroll
                for (int t = 0; t < 32; t++) {
                    target[order[32 * v + t]] = float_to_bf16(values[t]);
                }
            }
        }
    }
}
