// The int4 decode GEMV on tensor cores, for groups of a multiple of 128 columns (jllm build's default, GPTQ's usual):
// y = x W^T (+ b) with W in jllm's int4 layout (see quant_gemv.cu), the prologues and epilogues of gemv.cu.
//
// Why: turning a code into a float and multiplying it costs the CUDA cores about three instructions a weight
// (quant_gemv.cu), which at int4's 2 weights a byte is more than a multiprocessor issues while the bytes stream in.
// Here one LOP3 turns two codes into a bf16 pair 128 + q (0x4300 | q), and mma.sync m16n8k16 multiplies them by the
// inputs with float32 accumulation, so a weight costs about one instruction. The 128 + zero offset and the scale are
// applied once per quad of vectors (128 columns, within one group): sum_j (q_j - z) s x_j = s (sum_j (128 + q_j) x_j
// - (128 + z) S), S = sum_j x_j over the quad's columns, which the prologue computes once per block.
//
// Tiles: a warp takes 8 output pairs (tile rows 0-7: each pair's first row, 8-15: its second) against up to 8 batch
// rows (the mma's n), over a k_split share of the input. Lane (g, t) = (lane / 4, lane % 4) loads 16-byte vectors
// 4q + t of its pair's two rows (a quad's four vectors are 128 columns of one group); word i of a vector gives two mma
// steps: its low nibbles (columns 4i + 0..3, as k-slots 2t, 2t+1 = columns 4i, 4i+2 and 2t+8, 2t+9 = 4i+1, 4i+3) and
// its high nibbles (the same, 16 columns on). The inputs sit in shared memory as bf16 pairs in exactly the order the
// B fragments need them, so that a lane reads one 16-byte piece per word without bank conflicts.
#pragma once
#include "common.cuh"
#include "gemv.cu"
#include "quant_gemv.cu"

#define QUANT_MMA_UNROLL 4

// ---- kernels ----

// (v & 0x000F000F) | 0x43004300: the nibbles at bits 0-3 and 16-19 as the bf16 pair (128 + low, 128 + high).
__device__ __forceinline__ unsigned int nibbles_to_bf16x2(unsigned int v) {
    unsigned int result;
    asm("lop3.b32 %0, %1, %2, %3, 0xea;" : "=r"(result) : "r"(v), "r"(0x000F000Fu), "r"(0x43004300u));
    return result;
}

// c += a b for one m16n8k16 bf16 tile with float32 accumulation.
__device__ __forceinline__ void mma_bf16(float* c, unsigned int a0, unsigned int a1, unsigned int a2,
                                         unsigned int a3, unsigned int b0, unsigned int b1) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
                 "{%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// Where packed column j of batch row b sits among the bf16 inputs: [b][word i][vector (padded to an odd count)]
// of 16-byte pieces, each piece (low b0, low b1, high b0, high b1) as two bf16 each; see the file comment.
__device__ __forceinline__ int mma_x_index(int b, int j, int padded_vectors) {
    int vector = j >> 5;
    int within = j & 31;
    int high = within >> 4;
    int word = (within & 15) >> 2;
    int k = within & 3;
    int piece = (b * 4 + word) * padded_vectors + vector;
    return (piece * 4 + high * 2 + (k & 1)) * 2 + (k >> 1);
}

// Fills the inputs (bf16, mma_x_index's order) for rows [0, rows) of x or their RMS norm, packed column j holding
// input order[j] (or j), then sums[b * quads + q] = the sum of row b's inputs over packed columns 128 q .. 128 q + 127
// (quad q). Block 0 also stores the
// normed rows in input order when norming. x: [rows, in] bf16, norm_weight: [in] f32, normed: [rows, in] bf16.
__device__ void mma_prologue(bf16* xs, float* sums, const bf16* __restrict__ x, int in, int rows, int prologue,
                             const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed,
                             const int* __restrict__ order, int padded_vectors) {
    int chunks = in >> 3;
    for (int b = 0; b < rows; b++) {
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
                        v[e] = norm_weight[8 * c + e] * (v[e] * scale);
                    }
                    if (blockIdx.x == 0) {
                        stored[c] = pack_bf16x8(v);
                    }
                }
                if (order == nullptr) {
#pragma unroll
                    for (int e = 0; e < 8; e++) {
                        xs[mma_x_index(b, 8 * c + e, padded_vectors)] = float_to_bf16(v[e]);
                    }
                }
            }
        }
        if (order != nullptr) {
            for (int j = threadIdx.x; j < in; j += blockDim.x) {
                int i = order[j];
                bf16 v = row[i];
                if (prologue == GEMV_PROLOGUE_NORM) {
                    v = float_to_bf16(norm_weight[i] * (bf16_to_float(v) * scale));
                }
                xs[mma_x_index(b, j, padded_vectors)] = v;
            }
        }
    }
    __syncthreads();
    int quads = in >> 7;
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    for (int entry = warp; entry < rows * quads; entry += blockDim.x >> 5) {
        int b = entry / quads;
        int first = (entry - b * quads) << 7;
        float sum = 0.0f;
        for (int j = first + lane; j < first + 128; j += 32) {
            sum += bf16_to_float(xs[mma_x_index(b, j, padded_vectors)]);
        }
        sum = warp_sum(sum);
        if (lane == 0) {
            sums[entry] = sum;
        }
    }
    __syncthreads();
}

// What a lane reads from global memory for QUANT_MMA_UNROLL consecutive quads: its vector of each of its pair's rows,
// with their groups' scales and 128 + zero points (loaded together, so that one round trip serves the round).
struct MmaRound {
    uint4 a[QUANT_MMA_UNROLL];
    uint4 b[QUANT_MMA_UNROLL];
    float scale0[QUANT_MMA_UNROLL];
    float scale1[QUANT_MMA_UNROLL];
    float offset0[QUANT_MMA_UNROLL];
    float offset1[QUANT_MMA_UNROLL];
};

// Loads quads first .. first + QUANT_MMA_UNROLL - 1 (those below end) of rows row0 and row1: vector 4 q + t of each,
// zero where a row or quad is out of range; rows past n take row 0's scales. packed: [n, vectors * 16] bytes.
__device__ __forceinline__ void mma_load(const unsigned char* __restrict__ packed, const float* __restrict__ scales,
                                         const unsigned char* __restrict__ zeros, int vectors, int groups,
                                         int group_shift, int row0, int row1, bool valid0, bool valid1, int first,
                                         int end, int t, MmaRound* round) {
    const unsigned char* w0 = packed + (long long) row0 * vectors * 16;
    const unsigned char* w1 = packed + (long long) row1 * vectors * 16;
    long long groups0 = (long long) (valid0 ? row0 : 0) * groups;
    long long groups1 = (long long) (valid1 ? row1 : 0) * groups;
#pragma unroll
    for (int u = 0; u < QUANT_MMA_UNROLL; u++) {
        int q = first + u;
        int c = 4 * q + t;
        round->a[u] = valid0 && q < end ? load_streaming_bytes(w0 + 16 * c) : zero_uint4();
        round->b[u] = valid1 && q < end ? load_streaming_bytes(w1 + 16 * c) : zero_uint4();
        int group_index = q < end ? c >> group_shift : 0;
        round->scale0[u] = scales[groups0 + group_index];
        round->scale1[u] = scales[groups1 + group_index];
        round->offset0[u] = 128.0f + (float) zeros[groups0 + group_index];
        round->offset1[u] = 128.0f + (float) zeros[groups1 + group_index];
    }
}

// grid: at most one wave (blocks walk groups of 8 pairs per team), block: 32 * warps threads (warps <=
// GEMV_MAX_WARPS), dynamic shared memory: rows * (64 * padded_vectors + 4 * in / 128) bytes. packed: [n, in / 2],
// scales: [n, in / group] f32, zeros: [n, in / group] bytes, group_shift: log2(group / 32) >= 2, order: [in] int or
// null, rows <= 8; the rest as gemv.cu's gemv. k_split warps share 8 pairs, each taking a run of consecutive quads
// (so that a lane's loads of a round are 256 contiguous bytes of each row).
extern "C" __global__ void quant_gemv_int4_mma(
    const unsigned char* __restrict__ packed, const float* __restrict__ scales, const unsigned char* __restrict__ zeros,
    const int* __restrict__ order, int group_shift, const bf16* __restrict__ bias, const bf16* __restrict__ x, int in,
    int n, int rows, int prologue, const float* __restrict__ norm_weight, float eps, bf16* __restrict__ normed,
    int epilogue, void* __restrict__ out, bf16* __restrict__ aux, int k_split, const float* __restrict__ rope_table,
    const int* __restrict__ positions, const int* __restrict__ slots, bf16* __restrict__ k_cache,
    bf16* __restrict__ v_cache, int head_dim, int num_heads, int num_kv_heads) {
    extern __shared__ uint4 shared_inputs[];
    __shared__ float partial[GEMV_MAX_WARPS][8][2][8];

    int vectors = in >> 5;
    int quads = vectors >> 2;
    int padded_vectors = vectors | 1;
    int groups = vectors >> group_shift;
    bf16* xs = reinterpret_cast<bf16*>(shared_inputs);
    float* sums = reinterpret_cast<float*>(xs + rows * 4 * padded_vectors * 8);
    const uint4* pieces = shared_inputs;

    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int g = lane >> 2;
    int t = lane & 3;
    int slice = warp % k_split;
    int team = warp / k_split;
    int teams = (blockDim.x >> 5) / k_split;
    int pairs = (n + 1) / 2;
    int rotated_heads = num_heads + num_kv_heads;

    int quads_per_slice = (quads + k_split - 1) / k_split;
    int begin = slice * quads_per_slice;
    int end = min(quads, begin + quads_per_slice);

    MmaRound round;
    {
        int pair = blockIdx.x * teams * 8 + team * 8 + g;
        int row0;
        int row1;
        gemv_pair_rows(pair, epilogue, n, head_dim, rotated_heads, &row0, &row1);
        mma_load(packed, scales, zeros, vectors, groups, group_shift, row0, row1, pair < pairs,
                 pair < pairs && row1 < n, begin, end, t, &round);
    }
    bool prefetched = true;

    wait_for_previous_kernels();
    mma_prologue(xs, sums, x, in, rows, prologue, norm_weight, eps, normed, order, padded_vectors);

    for (int base = blockIdx.x * teams * 8; base < pairs; base += gridDim.x * teams * 8) {
        int pair = base + team * 8 + g;
        int row0;
        int row1;
        gemv_pair_rows(pair, epilogue, n, head_dim, rotated_heads, &row0, &row1);
        bool valid0 = pair < pairs;
        bool valid1 = valid0 && row1 < n;
        float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int first = begin; first < end; first += QUANT_MMA_UNROLL) {
            if (!prefetched) {
                mma_load(packed, scales, zeros, vectors, groups, group_shift, row0, row1, valid0, valid1, first, end,
                         t, &round);
            }
            prefetched = false;
#pragma unroll
            for (int u = 0; u < QUANT_MMA_UNROLL; u++) {
                int q = first + u;
                if (q < end) {
                    int c = 4 * q + t;
                    unsigned int words0[4] = {round.a[u].x, round.a[u].y, round.a[u].z, round.a[u].w};
                    unsigned int words1[4] = {round.b[u].x, round.b[u].y, round.b[u].z, round.b[u].w};
                    // Low and high nibbles in two tiles: two independent chains of mma.
                    float low[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                    float high[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
                    for (int i = 0; i < 4; i++) {
                        uint4 inputs = g < rows ? pieces[(g * 4 + i) * padded_vectors + c] : zero_uint4();
                        mma_bf16(low, nibbles_to_bf16x2(words0[i]), nibbles_to_bf16x2(words1[i]),
                                 nibbles_to_bf16x2(words0[i] >> 8), nibbles_to_bf16x2(words1[i] >> 8), inputs.x,
                                 inputs.y);
                        mma_bf16(high, nibbles_to_bf16x2(words0[i] >> 4), nibbles_to_bf16x2(words1[i] >> 4),
                                 nibbles_to_bf16x2(words0[i] >> 12), nibbles_to_bf16x2(words1[i] >> 12), inputs.z,
                                 inputs.w);
                    }
                    // rows (row0, row1) x batch rows (2t, 2t + 1) over quad q, which lies in one group.
                    float sum_even = 2 * t < rows ? sums[2 * t * quads + q] : 0.0f;
                    float sum_odd = 2 * t + 1 < rows ? sums[(2 * t + 1) * quads + q] : 0.0f;
                    acc[0] = fmaf(round.scale0[u], fmaf(-round.offset0[u], sum_even, low[0] + high[0]), acc[0]);
                    acc[1] = fmaf(round.scale0[u], fmaf(-round.offset0[u], sum_odd, low[1] + high[1]), acc[1]);
                    acc[2] = fmaf(round.scale1[u], fmaf(-round.offset1[u], sum_even, low[2] + high[2]), acc[2]);
                    acc[3] = fmaf(round.scale1[u], fmaf(-round.offset1[u], sum_odd, low[3] + high[3]), acc[3]);
                }
            }
        }
        prefetched = false;
        partial[warp][g][0][2 * t] = acc[0];
        partial[warp][g][0][2 * t + 1] = acc[1];
        partial[warp][g][1][2 * t] = acc[2];
        partial[warp][g][1][2 * t + 1] = acc[3];
        __syncthreads();
        for (int entry = threadIdx.x; entry < teams * 64; entry += blockDim.x) {
            int owner = entry >> 6;
            int pair_in_team = (entry >> 3) & 7;
            int r = entry & 7;
            int p = base + owner * 8 + pair_in_team;
            if (p < pairs && r < rows) {
                float v0 = 0.0f;
                float v1 = 0.0f;
                for (int s = 0; s < k_split; s++) {
                    v0 += partial[owner * k_split + s][pair_in_team][0][r];
                    v1 += partial[owner * k_split + s][pair_in_team][1][r];
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
