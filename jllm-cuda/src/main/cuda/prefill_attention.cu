// Causal grouped-query attention of the prefill sequences of a step, in the FlashAttention-2 manner (Dao 2023) on the
// tensor cores: mma.sync m16n8k16 with bf16 operands and f32 accumulators, operands fed by ldmatrix from shared
// memory, an online softmax in base 2. Sequences are packed without padding (query_start), and every key and value
// comes from the paged cache through the sequence's block table, the cached prefix of a chunked prefill or a reused
// prefix included (this step's own keys are already there: rope_write_kv ran first).
//
// GQA: the rows of a block are (token, query head) pairs of one KV head's group, head fastest, so the heads sharing a
// KV head share every key and value tile that the block loads: row r of a sequence's packed rows is token r / group,
// head kv_head * group + r % group. A block of WARPS warps takes 16 packed rows per warp and walks the keys its rows
// see in tiles of PREFILL_KEYS, two stages deep: the next tile's keys and values stream in (cp.async) while this
// tile's are used.
#pragma once
#include "common.cuh"
#include "kv_cache.cuh"

#define PREFILL_KEYS 64
// bf16 elements of padding after each shared-memory row (16 bytes): the 8 rows one ldmatrix reads then start in
// different bank groups.
#define PREFILL_PAD 8

// ---- kernels ----

extern __shared__ uint4 prefill_shared[];

__device__ __forceinline__ unsigned shared_address(const void* pointer) {
    unsigned address;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(address) : "l"(pointer));
    return address;
}

// 16 bytes from global to shared memory without passing through registers; with valid false it writes 16 zero bytes
// and reads nothing (source may then be any address).
__device__ __forceinline__ void copy_16_async(void* shared, const void* source, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(shared_address(shared)), "l"(source),
                 "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void copy_async_commit() {
    asm volatile("cp.async.commit_group;");
}

// Waits until at most `pending` of this thread's committed copy groups are still in flight.
template <int pending>
__device__ __forceinline__ void copy_async_wait() {
    asm volatile("cp.async.wait_group %0;" ::"n"(pending));
}

// Four 8x8 bf16 matrices from shared memory; lane l gives the address of row l % 8 of matrix l / 8.
__device__ __forceinline__ void load_matrix_x4(unsigned* fragment, const bf16* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(fragment[0]), "=r"(fragment[1]), "=r"(fragment[2]), "=r"(fragment[3])
                 : "r"(shared_address(row)));
}

// The same, each matrix transposed.
__device__ __forceinline__ void load_matrix_x4_transposed(unsigned* fragment, const bf16* row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(fragment[0]), "=r"(fragment[1]), "=r"(fragment[2]), "=r"(fragment[3])
                 : "r"(shared_address(row)));
}

// c [16x8] f32 += a [16x16] bf16 (row-major fragment) * b [16x8] bf16 (column-major fragment).
__device__ __forceinline__ void mma_bf16_16x8x16(float* c, const unsigned* a, unsigned b0, unsigned b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
                 "{%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats rounded to bf16 (nearest even) in one 32-bit word, low first: the pair order of every fragment.
__device__ __forceinline__ unsigned pack_bf16x2(float low, float high) {
    unsigned packed;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(high), "f"(low));
    return packed;
}

// The one place the cache's elements are read: keys (or values) of positions [first, first + PREFILL_KEYS) of one KV
// head into tile [PREFILL_KEYS][HEAD_DIM + PREFILL_PAD] bf16, positions at or past `context` as zeros (their scores
// are masked, and a zero value keeps 0 * value finite). cache: [slots, kv_size] of the Cache's elements, slot =
// block * block_size + offset; table: the sequence's blocks. A bf16 cache streams in with cp.async; an 8-bit cache
// (kv_cache.cuh) is read into registers, each row's codes times its scale (scales: [slots, kv_size / HEAD_DIM] f32)
// rounded to bf16 and stored, so the tensor-core products below are the same for every cache type.
template <int HEAD_DIM, int THREADS, typename Cache>
__device__ __forceinline__ void load_kv_tile(bf16* tile, const typename Cache::Element* __restrict__ cache,
                                             const float* __restrict__ scales, const int* __restrict__ table,
                                             int block_size, int kv_size, int kv_offset, int first, int context) {
    constexpr int CHUNKS = HEAD_DIM / 8;
#pragma unroll
    for (int k = 0; k < PREFILL_KEYS * CHUNKS / THREADS; k++) {
        int i = threadIdx.x + k * THREADS;
        int row = i / CHUNKS;
        int chunk = i % CHUNKS;
        int position = first + row;
        bool valid = position < context;
        long long slot = 0;
        if (valid) {
            slot = (long long) table[position / block_size] * block_size + position % block_size;
        }
        bf16* destination = tile + row * (HEAD_DIM + PREFILL_PAD) + chunk * 8;
        if constexpr (Cache::SCALED) {
            uint4 packed = zero_uint4();
            if (valid) {
                typename Cache::Vector codes = *reinterpret_cast<const typename Cache::Vector*>(
                        cache + slot * kv_size + kv_offset + chunk * 8);
                float scale = scales[slot * (kv_size / HEAD_DIM) + kv_offset / HEAD_DIM];
                float values[8];
                Cache::unpack(codes, values);
#pragma unroll
                for (int e = 0; e < 8; e++) {
                    values[e] *= scale;
                }
                packed = pack_bf16x8(values);
            }
            *reinterpret_cast<uint4*>(destination) = packed;
        } else {
            copy_16_async(destination, valid ? cache + slot * kv_size + kv_offset + chunk * 8 : cache, valid);
        }
    }
}

// grid: (tiles of 16 * WARPS of the longest sequence's packed rows, numSequences, numKvHeads), block: 32 * WARPS,
// dynamic shared memory: (16 * WARPS + 4 * PREFILL_KEYS) * (HEAD_DIM + PREFILL_PAD) bf16 (the query tile, two stages
// of key and value tiles), whatever the cache type (an 8-bit tile is stored dequantized).
// qkv: [numTokens, row_width] bf16 (queries rotated), k_cache, v_cache: [numSlots, numKvHeads * HEAD_DIM] of the
// Cache's elements, k_scales, v_scales: [numSlots, numKvHeads] f32 for an 8-bit cache (unused for bf16), positions:
// [numTokens] (consecutive within a sequence), query_start: [numSequences + 1], block_tables: [numSequences,
// max_blocks]. A query at position p sees keys [max(0, p - window + 1), p] of its own sequence.
// scale_log2: the softmax scale times log2(e). out: [numTokens, out_width] bf16.
template <int HEAD_DIM, int WARPS, typename Cache>
__device__ __forceinline__ void prefill_attention(const bf16* __restrict__ qkv,
                                                  const typename Cache::Element* __restrict__ k_cache,
                                                  const typename Cache::Element* __restrict__ v_cache,
                                                  const float* __restrict__ k_scales,
                                                  const float* __restrict__ v_scales,
                                                  const int* __restrict__ positions,
                                                  const int* __restrict__ query_start,
                                                  const int* __restrict__ block_tables, int max_blocks, int block_size,
                                                  int row_width, int num_heads, int num_kv_heads, float scale_log2,
                                                  int window, bf16* __restrict__ out, int out_width) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    constexpr int THREADS = WARPS * 32;
    constexpr int ROWS = WARPS * 16;
    constexpr int STRIDE = HEAD_DIM + PREFILL_PAD;
    constexpr int CHUNKS = HEAD_DIM / 8;
    constexpr int DIM_STEPS = HEAD_DIM / 16;      // k-steps of the score product
    constexpr int DIM_TILES = HEAD_DIM / 8;       // n-tiles of the output
    constexpr int KEY_TILES = PREFILL_KEYS / 8;   // n-tiles of the scores
    constexpr int KEY_STEPS = PREFILL_KEYS / 16;  // k-steps of the value product
    bf16* q_tile = reinterpret_cast<bf16*>(prefill_shared);
    // Two stages of key and value tiles: tile j + 1 streams in while tile j is used.
    bf16* k_tiles = q_tile + ROWS * STRIDE;
    bf16* v_tiles = k_tiles + 2 * PREFILL_KEYS * STRIDE;

    wait_for_previous_kernels();
    int sequence = blockIdx.y;
    int kv_head = blockIdx.z;
    int group = num_heads / num_kv_heads;
    int query_first = query_start[sequence];
    int queries = query_start[sequence + 1] - query_first;
    int rows = queries * group;
    // The last tiles see the most keys: they start first.
    int row_first = (gridDim.x - 1 - blockIdx.x) * ROWS;
    if (row_first >= rows) {
        return;
    }
    int start_position = positions[query_first];
    int context = start_position + queries;
    int lowest = start_position + row_first / group;
    int highest = start_position + (min(row_first + ROWS, rows) - 1) / group;
    int key_first = max(0, lowest - window + 1) / PREFILL_KEYS * PREFILL_KEYS;
    const int* table = block_tables + (long long) sequence * max_blocks;
    int kv_size = num_kv_heads * HEAD_DIM;
    int kv_offset = kv_head * HEAD_DIM;

#pragma unroll
    for (int k = 0; k < ROWS * CHUNKS / THREADS; k++) {
        int i = threadIdx.x + k * THREADS;
        int row = i / CHUNKS;
        int chunk = i % CHUNKS;
        int packed = row_first + row;
        bool valid = packed < rows;
        const bf16* source = qkv;
        if (valid) {
            source = qkv + (long long) (query_first + packed / group) * row_width
                    + (kv_head * group + packed % group) * HEAD_DIM + chunk * 8;
        }
        copy_16_async(q_tile + row * STRIDE + chunk * 8, source, valid);
    }
    load_kv_tile<HEAD_DIM, THREADS, Cache>(k_tiles, k_cache, k_scales, table, block_size, kv_size, kv_offset,
                                           key_first, context);
    load_kv_tile<HEAD_DIM, THREADS, Cache>(v_tiles, v_cache, v_scales, table, block_size, kv_size, kv_offset,
                                           key_first, context);
    copy_async_commit();
    copy_async_wait<0>();
    __syncthreads();

    int warp = threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    unsigned q[DIM_STEPS][4];
#pragma unroll
    for (int step = 0; step < DIM_STEPS; step++) {
        load_matrix_x4(q[step], q_tile + (warp * 16 + lane % 16) * STRIDE + step * 16 + lane / 16 * 8);
    }
    // This thread's rows of the accumulators: lane / 4 and lane / 4 + 8 of its warp's 16 (rows past the sequence get
    // later positions; they are computed and never written).
    int packed_row = row_first + warp * 16 + lane / 4;
    int row_position[2] = {start_position + packed_row / group, start_position + (packed_row + 8) / group};
    float o[DIM_TILES][4];
#pragma unroll
    for (int t = 0; t < DIM_TILES; t++) {
        o[t][0] = o[t][1] = o[t][2] = o[t][3] = 0.0f;
    }
    float row_max[2] = {NEGATIVE_INFINITY, NEGATIVE_INFINITY};
    float row_sum[2] = {0.0f, 0.0f};

    int stage = 0;
    for (int key_base = key_first; key_base <= highest; key_base += PREFILL_KEYS, stage ^= 1) {
        if (key_base + PREFILL_KEYS <= highest) {
            int next = (stage ^ 1) * PREFILL_KEYS * STRIDE;
            load_kv_tile<HEAD_DIM, THREADS, Cache>(k_tiles + next, k_cache, k_scales, table, block_size, kv_size,
                                                   kv_offset, key_base + PREFILL_KEYS, context);
            load_kv_tile<HEAD_DIM, THREADS, Cache>(v_tiles + next, v_cache, v_scales, table, block_size, kv_size,
                                                   kv_offset, key_base + PREFILL_KEYS, context);
            copy_async_commit();
            copy_async_wait<1>();  // this tile's keys and values
        } else {
            copy_async_wait<0>();
        }
        __syncthreads();
        const bf16* k_tile = k_tiles + stage * PREFILL_KEYS * STRIDE;
        const bf16* v_tile = v_tiles + stage * PREFILL_KEYS * STRIDE;

        // s [16 rows, PREFILL_KEYS] = q k^T: k_tile's rows are the column-major b fragments as they lie.
        float s[KEY_TILES][4];
#pragma unroll
        for (int t = 0; t < KEY_TILES; t++) {
            s[t][0] = s[t][1] = s[t][2] = s[t][3] = 0.0f;
        }
#pragma unroll
        for (int step = 0; step < DIM_STEPS; step++) {
#pragma unroll
            for (int t = 0; t < KEY_TILES; t += 2) {
                unsigned b[4];
                load_matrix_x4(b, k_tile + (t * 8 + lane / 16 * 8 + lane % 8) * STRIDE + step * 16
                        + (lane / 8) % 2 * 8);
                mma_bf16_16x8x16(s[t], q[step], b[0], b[1]);
                mma_bf16_16x8x16(s[t + 1], q[step], b[2], b[3]);
            }
        }

        // Only tiles crossing the diagonal or the window's edge need the mask.
        bool masked = key_base + PREFILL_KEYS - 1 > lowest || key_base < highest - window + 1;
#pragma unroll
        for (int t = 0; t < KEY_TILES; t++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                float score = s[t][e] * scale_log2;
                if (masked) {
                    int key = key_base + t * 8 + lane % 4 * 2 + e % 2;
                    int position = row_position[e / 2];
                    if (key > position || key < position - window + 1) {
                        score = NEGATIVE_INFINITY;
                    }
                }
                s[t][e] = score;
            }
        }
#pragma unroll
        for (int h = 0; h < 2; h++) {
            float tile_max = row_max[h];
#pragma unroll
            for (int t = 0; t < KEY_TILES; t++) {
                tile_max = fmaxf(tile_max, fmaxf(s[t][2 * h], s[t][2 * h + 1]));
            }
            tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
            tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 2));
            // A row that has seen no visible key yet keeps max -inf: subtract 0 instead so exp2 gives exact zeros.
            float base = tile_max == NEGATIVE_INFINITY ? 0.0f : tile_max;
            float correction = exp2f(row_max[h] - base);
            row_max[h] = tile_max;
            float sum = 0.0f;
#pragma unroll
            for (int t = 0; t < KEY_TILES; t++) {
                s[t][2 * h] = exp2f(s[t][2 * h] - base);
                s[t][2 * h + 1] = exp2f(s[t][2 * h + 1] - base);
                sum += s[t][2 * h] + s[t][2 * h + 1];
            }
            row_sum[h] = row_sum[h] * correction + sum;
#pragma unroll
            for (int t = 0; t < DIM_TILES; t++) {
                o[t][2 * h] *= correction;
                o[t][2 * h + 1] *= correction;
            }
        }

        // o [16 rows, HEAD_DIM] += p v. The probabilities as a fragments: the accumulator layout of two score n-tiles
        // is one k-step's a fragment. v_tile is row-major [key][dim], so its b fragments load transposed.
#pragma unroll
        for (int step = 0; step < KEY_STEPS; step++) {
            unsigned p[4];
            p[0] = pack_bf16x2(s[2 * step][0], s[2 * step][1]);
            p[1] = pack_bf16x2(s[2 * step][2], s[2 * step][3]);
            p[2] = pack_bf16x2(s[2 * step + 1][0], s[2 * step + 1][1]);
            p[3] = pack_bf16x2(s[2 * step + 1][2], s[2 * step + 1][3]);
#pragma unroll
            for (int t = 0; t < DIM_TILES; t += 2) {
                unsigned b[4];
                load_matrix_x4_transposed(b, v_tile + (step * 16 + (lane / 8) % 2 * 8 + lane % 8) * STRIDE + t * 8
                        + lane / 16 * 8);
                mma_bf16_16x8x16(o[t], p, b[0], b[1]);
                mma_bf16_16x8x16(o[t + 1], p, b[2], b[3]);
            }
        }
        __syncthreads();  // every warp is done with this stage before the next iteration refills it
    }

#pragma unroll
    for (int h = 0; h < 2; h++) {
        float sum = row_sum[h];
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
        int packed = packed_row + 8 * h;
        if (packed < rows) {
            float inverse = 1.0f / sum;
            bf16* row = out + (long long) (query_first + packed / group) * out_width
                    + (kv_head * group + packed % group) * HEAD_DIM + lane % 4 * 2;
#pragma unroll
            for (int t = 0; t < DIM_TILES; t++) {
                *reinterpret_cast<unsigned*>(row + t * 8) = pack_bf16x2(o[t][2 * h] * inverse,
                                                                        o[t][2 * h + 1] * inverse);
            }
        }
    }
#else
    __trap();  // the backend runs this kernel only on sm_80 and newer
#endif
}

// One kernel per cache element type, head size and block size, each with the same arguments (scales unused for
// bf16): prefill_attention[_fp8|_int8]_{HEAD_DIM}x{WARPS}. Blocks of 8 warps (measured faster than 4 for every
// benchmark shape, see BENCHMARKS.md); 4 warps for head size 128 on GPUs whose blocks get at most 99 KB of shared
// memory (sm_86, sm_89), where 8 warps do not fit. Each asks for one resident block per multiprocessor at least, so
// ptxas does not cap its registers for several resident blocks: the 8-bit tile loads (codes and scales through
// registers) need more than cp.async does, and under the default cap they spilled on sm_80-89. Written out one by one
// so that every kernel's name can be found in the source (KernelResourcesTest checks each against the fatbin and PTX).
extern "C" __global__ void __launch_bounds__(256, 1) prefill_attention_64x8(
        const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<64, 8, Bf16Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}

extern "C" __global__ void __launch_bounds__(256, 1) prefill_attention_128x8(
        const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<128, 8, Bf16Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}

extern "C" __global__ void __launch_bounds__(128, 1) prefill_attention_128x4(
        const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<128, 4, Bf16Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}

extern "C" __global__ void __launch_bounds__(256, 1) prefill_attention_fp8_64x8(
        const bf16* __restrict__ qkv, const unsigned char* __restrict__ k_cache,
        const unsigned char* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<64, 8, Fp8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}

extern "C" __global__ void __launch_bounds__(256, 1) prefill_attention_fp8_128x8(
        const bf16* __restrict__ qkv, const unsigned char* __restrict__ k_cache,
        const unsigned char* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<128, 8, Fp8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}

extern "C" __global__ void __launch_bounds__(128, 1) prefill_attention_fp8_128x4(
        const bf16* __restrict__ qkv, const unsigned char* __restrict__ k_cache,
        const unsigned char* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<128, 4, Fp8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}

extern "C" __global__ void __launch_bounds__(256, 1) prefill_attention_int8_64x8(
        const bf16* __restrict__ qkv, const signed char* __restrict__ k_cache,
        const signed char* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<64, 8, Int8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}

extern "C" __global__ void __launch_bounds__(256, 1) prefill_attention_int8_128x8(
        const bf16* __restrict__ qkv, const signed char* __restrict__ k_cache,
        const signed char* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<128, 8, Int8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}

extern "C" __global__ void __launch_bounds__(128, 1) prefill_attention_int8_128x4(
        const bf16* __restrict__ qkv, const signed char* __restrict__ k_cache,
        const signed char* __restrict__ v_cache,
        const float* __restrict__ k_scales, const float* __restrict__ v_scales, const int* __restrict__ positions,
        const int* __restrict__ query_start, const int* __restrict__ block_tables, int max_blocks, int block_size,
        int row_width, int num_heads, int num_kv_heads, float scale_log2, int window, bf16* __restrict__ out,
        int out_width) {
    prefill_attention<128, 4, Int8Cache>(qkv, k_cache, v_cache, k_scales, v_scales, positions, query_start,
                                         block_tables, max_blocks, block_size, row_width, num_heads, num_kv_heads,
                                         scale_log2, window, out, out_width);
}
