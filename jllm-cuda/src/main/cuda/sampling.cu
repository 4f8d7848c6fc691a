// The sampling op on the GPU, with the contract of ai.jllm.sampling.HostSampling (read it for the order of the steps
// and the tie rules). Two kernels per batch:
//   sample_prepare, grid (rows, chunks): writes a row's penalties and masks into its work row (a row with neither
//     samples its logits row as it is) and reduces each chunk of the vocabulary to its max, first argmax and sum of
//     exp(x - max), from which the finish kernel forms log-softmax normalizers;
//   sample_finish, grid (rows), SAMPLE_THREADS: greedy rows take the argmax; sampled rows find the top-k threshold and
//     the top-p cut by radix selection (four 8-bit passes over an order-preserving key of the logit, counting tokens
//     or summing probabilities), drop what min-p drops, and draw with one Philox4x32-10 number by an ordered scan of
//     the kept probabilities; then the log probabilities, rank and top entries the row asks for.
// Probabilities are floats, exp((x - max) / temperature); every sum is a double. The host sums in another order, so
// the two may choose differently only where a cumulative sum lands within rounding of the drawn target or of the
// top-p mass.
//
// The batch arrives as one block of 32-bit words (params), laid out by ai.jllm.cuda.SamplingUpload:
//   15 sections of R words: logits row, temperature (f32), top-k, top-p (f32), min-p (f32), repetition, presence and
//   frequency penalties (f32), seed low and high words, counter low and high words, logprobs mode, top count, work
//   row; then maskStart [R + 1], penaltyStart [R + 1], maskTokens [M], penaltyTokens [P], penaltyCounts [P],
//   penaltyInPrompt [P].
// Outputs (out, 32-bit words): tokens [R], logprobs [R] (f32), ranks [R], top ids [R, maxTop], top logprobs
// [R, maxTop] (f32); the log-probability fields of a row that asks for none are left as they were.
#pragma once
#include "common.cuh"
#include "reduce.cuh"
#include "select.cuh"

#define SAMPLE_PREPARE_THREADS 256
#define SAMPLE_THREADS 1024
#define SAMPLE_PARAM_SECTIONS 15
#define SAMPLE_MODE_NONE 0
#define SAMPLE_MODE_MODEL 1
#define SAMPLE_MODE_PENALIZED 2
// Top-logprob entries a row may ask for: they are collected in the histogram's count array.
#define SAMPLE_MAX_TOP (RADIX_COPIES * RADIX_BUCKETS)

// Per (row, chunk) reductions of sample_prepare. Sums are of exp(x - that chunk's max).
struct SampleChunk {
    double work_sum;
    double raw_sum;
    float work_max;
    float raw_max;
    int work_argmax;
    int padding;
};

struct SampleRow {
    int logits_row;
    float temperature;
    int top_k;
    float top_p;
    float min_p;
    float repetition;
    float presence;
    float frequency;
    unsigned int seed_low;
    unsigned int seed_high;
    unsigned int counter_low;
    unsigned int counter_high;
    int mode;
    int top_count;
    int work_row;
    int mask_begin;
    int mask_end;
    int penalty_begin;
    int penalty_end;
    const int* mask_tokens;
    const int* penalty_tokens;
    const int* penalty_counts;
    const int* penalty_in_prompt;
};

// ---- kernels ----

__device__ SampleRow sample_row(const int* params, int rows, int masked, int penalties, int r) {
    SampleRow row;
    row.logits_row = params[0 * rows + r];
    row.temperature = __int_as_float(params[1 * rows + r]);
    row.top_k = params[2 * rows + r];
    row.top_p = __int_as_float(params[3 * rows + r]);
    row.min_p = __int_as_float(params[4 * rows + r]);
    row.repetition = __int_as_float(params[5 * rows + r]);
    row.presence = __int_as_float(params[6 * rows + r]);
    row.frequency = __int_as_float(params[7 * rows + r]);
    row.seed_low = (unsigned int) params[8 * rows + r];
    row.seed_high = (unsigned int) params[9 * rows + r];
    row.counter_low = (unsigned int) params[10 * rows + r];
    row.counter_high = (unsigned int) params[11 * rows + r];
    row.mode = params[12 * rows + r];
    row.top_count = params[13 * rows + r];
    row.work_row = params[14 * rows + r];
    const int* mask_start = params + SAMPLE_PARAM_SECTIONS * rows;
    const int* penalty_start = mask_start + rows + 1;
    row.mask_begin = mask_start[r];
    row.mask_end = mask_start[r + 1];
    row.penalty_begin = penalty_start[r];
    row.penalty_end = penalty_start[r + 1];
    row.mask_tokens = penalty_start + rows + 1;
    row.penalty_tokens = row.mask_tokens + masked;
    row.penalty_counts = row.penalty_tokens + penalties;
    row.penalty_in_prompt = row.penalty_counts + penalties;
    return row;
}

__device__ __forceinline__ bool sample_penalized(const SampleRow& row) {
    return row.repetition != 1.0f || row.presence != 0.0f || row.frequency != 0.0f;
}

// Whether the row samples from a work row of its own (penalties or masks change its logits).
__device__ __forceinline__ bool sample_modified(const SampleRow& row) {
    return sample_penalized(row) || row.mask_end > row.mask_begin;
}

__device__ __forceinline__ bool sample_greedy(const SampleRow& row) {
    return row.temperature == 0.0f || row.top_k == 1;
}

// Philox4x32-10 word 0 for counter (c0..c3) and key (k0, k1), as ai.jllm.sampling.Philox.word.
__device__ unsigned int philox_word0(unsigned int c0, unsigned int c1, unsigned int c2, unsigned int c3,
                                     unsigned int k0, unsigned int k1) {
    for (int round = 0; round < 10; round++) {
        unsigned long long p0 = 0xD2511F53ull * c0;
        unsigned long long p1 = 0xCD9E8D57ull * c2;
        unsigned int n0 = (unsigned int) (p1 >> 32) ^ c1 ^ k0;
        unsigned int n1 = (unsigned int) p1;
        unsigned int n2 = (unsigned int) (p0 >> 32) ^ c3 ^ k1;
        unsigned int n3 = (unsigned int) p0;
        c0 = n0;
        c1 = n1;
        c2 = n2;
        c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return c0;
}

// Philox.uniform(seed, counter): 24 random bits as a float in [0, 1).
__device__ float philox_uniform(const SampleRow& row) {
    unsigned int bits = philox_word0(row.counter_low, row.counter_high, 0u, 0u, row.seed_low, row.seed_high);
    return (float) (bits >> 8) * (1.0f / 16777216.0f);
}

// Which tokens survive top-p: those before the cut in the descending order (ties by lower index).
struct TopPCut {
    unsigned int key;
    int last_index;
};

__device__ __forceinline__ bool before_cut(float x, int i, const TopPCut& cut) {
    unsigned int key = descending_key(x);
    return key < cut.key || (key == cut.key && i <= cut.last_index);
}

// The draw of a sampled row whose largest logit is finite. x: the row after penalties and masks.
__device__ int sample_draw(const float* x, int vocab, const SampleRow& row, float largest, int* counts,
                           double* masses) {
    SampleWeights weights;
    weights.max = largest;
    weights.inverse_temperature = 1.0f / row.temperature;
    weights.threshold = NEGATIVE_INFINITY;
    if (row.top_k > 0 && row.top_k < vocab) {
        weights.threshold = key_value(radix_select(x, vocab, false, weights, (double) row.top_k, counts, masses).key);
    }
    TopPCut cut;
    cut.key = 0xffffffffu;
    cut.last_index = vocab;
    if (row.top_p < 1.0f) {
        double total = 0.0;
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            total += sample_weight(x[i], weights);
        }
        double mass = (double) row.top_p * block_sum_double(total);
        Selection selection = radix_select(x, vocab, true, weights, mass, counts, masses);
        // The host keeps tied tokens, lower index first, while the mass before them is below the target.
        __shared__ int ties;
        if (threadIdx.x == 0) {
            double before = selection.before;
            double weight = sample_weight(key_value(selection.key), weights);
            int kept = 0;
            while (kept < selection.group_count && before < mass) {
                before += weight;
                kept++;
            }
            ties = max(kept, 1);
        }
        __syncthreads();
        cut.key = selection.key;
        cut.last_index = nth_with_key(x, vocab, selection.key, ties);
    }
    // Ordered scan of the kept probabilities: each thread a contiguous run, then the run the target falls in.
    int run = (vocab + blockDim.x - 1) / blockDim.x;
    int begin = min(vocab, (int) threadIdx.x * run);
    int end = min(vocab, begin + run);
    double local = 0.0;
    int last_kept = 0;
    for (int i = begin; i < end; i++) {
        float weight = sample_weight(x[i], weights);
        if (weight > 0.0f && !(weight < row.min_p) && before_cut(x[i], i, cut)) {
            local += weight;
            last_kept = i;
        }
    }
    double kept_total;
    double running = block_exclusive_scan(local, &kept_total);
    // The host falls back to the last kept token when rounding leaves the target unreached.
    __shared__ int last;
    __shared__ int picked;
    if (threadIdx.x == 0) {
        last = 0;
        picked = NO_INDEX;
    }
    __syncthreads();
    atomicMax(&last, last_kept);
    double target = (double) philox_uniform(row) * kept_total;
    if (local > 0.0 && running <= target && target < running + local) {
        int pick = last_kept;
        for (int i = begin; i < end; i++) {
            float weight = sample_weight(x[i], weights);
            if (weight > 0.0f && !(weight < row.min_p) && before_cut(x[i], i, cut)) {
                running += weight;
                if (running > target) {
                    pick = i;
                    break;
                }
            }
        }
        // Rounding may let two neighbouring runs both claim the target: the first one's token wins.
        atomicMin(&picked, pick);
    }
    __syncthreads();
    int token = picked != NO_INDEX ? picked : last;
    __syncthreads();
    return token;
}

// Log probability, rank and top entries of `token` in y (the raw logits or the work row), with normalizer lse.
__device__ void sample_logprobs(const float* y, int vocab, int token, double lse, int top_count, int r, int rows,
                                int max_top, int* out, int* counts, double* masses) {
    float value = y[token];
    int at_least = 0;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        at_least += y[i] >= value ? 1 : 0;
    }
    int rank = block_sum_int(at_least);
    if (threadIdx.x == 0) {
        out[rows + r] = __float_as_int((float) ((double) value - lse));
        out[2 * rows + r] = rank;
    }
    if (top_count == 0) {
        return;
    }
    SampleWeights unused;
    unused.max = 0.0f;
    unused.inverse_temperature = 1.0f;
    unused.threshold = NEGATIVE_INFINITY;
    Selection selection = radix_select(y, vocab, false, unused, (double) top_count, counts, masses);
    TopPCut cut;
    cut.key = selection.key;
    cut.last_index = nth_with_key(y, vocab, selection.key, top_count - (int) selection.before);
    __shared__ int collected;
    if (threadIdx.x == 0) {
        collected = 0;
    }
    __syncthreads();
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        if (before_cut(y[i], i, cut)) {
            counts[atomicAdd(&collected, 1)] = i;
        }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        int n = min(collected, top_count);
        for (int a = 1; a < n; a++) {
            int id = counts[a];
            float v = y[id];
            int b = a;
            while (b > 0 && (y[counts[b - 1]] < v || (y[counts[b - 1]] == v && counts[b - 1] > id))) {
                counts[b] = counts[b - 1];
                b--;
            }
            counts[b] = id;
        }
        int* top_ids = out + 3 * rows + (long long) r * max_top;
        int* top_logprobs = out + 3 * rows + (long long) rows * max_top + (long long) r * max_top;
        for (int a = 0; a < n; a++) {
            top_ids[a] = counts[a];
            top_logprobs[a] = __float_as_int((float) ((double) y[counts[a]] - lse));
        }
    }
    __syncthreads();
}

// grid: (rows, chunks), block: SAMPLE_PREPARE_THREADS.  logits: [*, vocab] f32, work: [modified rows, vocab] f32,
// chunks: [rows, gridDim.y].
extern "C" __global__ void sample_prepare(const float* __restrict__ logits, int vocab, const int* __restrict__ params,
                                          int rows, int masked, int penalties, float* __restrict__ work,
                                          SampleChunk* __restrict__ chunks) {
    wait_for_previous_kernels();
    SampleRow row = sample_row(params, rows, masked, penalties, blockIdx.x);
    int size = (vocab + gridDim.y - 1) / gridDim.y;
    int begin = min(vocab, (int) blockIdx.y * size);
    int end = min(vocab, begin + size);
    const float* raw = logits + (long long) row.logits_row * vocab;
    const float* x = raw;
    bool modified = sample_modified(row);
    if (modified) {
        float* target = work + (long long) row.work_row * vocab;
        for (int i = begin + threadIdx.x; i < end; i += blockDim.x) {
            target[i] = raw[i];
        }
        __syncthreads();
        // Each token is listed once per row, so no two threads touch one logit; the rounding steps are the host's.
        for (int e = row.penalty_begin + threadIdx.x; e < row.penalty_end; e += blockDim.x) {
            int token = row.penalty_tokens[e];
            if (token < begin || token >= end) {
                continue;
            }
            int count = row.penalty_counts[e];
            float logit = target[token];
            if (count > 0 || row.penalty_in_prompt[e] != 0) {
                logit = logit > 0.0f ? __fdiv_rn(logit, row.repetition) : __fmul_rn(logit, row.repetition);
            }
            if (count > 0) {
                logit = __fsub_rn(logit, __fmul_rn(row.frequency, (float) count));
                logit = __fsub_rn(logit, row.presence);
            }
            target[token] = logit;
        }
        __syncthreads();
        for (int e = row.mask_begin + threadIdx.x; e < row.mask_end; e += blockDim.x) {
            int token = row.mask_tokens[e];
            if (token >= begin && token < end) {
                target[token] = NEGATIVE_INFINITY;
            }
        }
        __syncthreads();
        x = target;
    }
    float best = NEGATIVE_INFINITY;
    int best_index = NO_INDEX;
    for (int i = begin + threadIdx.x; i < end; i += blockDim.x) {
        argmax_combine(&best, &best_index, x[i], i);
    }
    block_argmax(&best, &best_index);
    SampleChunk result;
    result.work_max = best;
    result.work_argmax = best_index;
    result.work_sum = 0.0;
    result.raw_max = best;
    result.raw_sum = 0.0;
    result.padding = 0;
    if (row.mode != SAMPLE_MODE_NONE && best != NEGATIVE_INFINITY) {
        double sum = 0.0;
        for (int i = begin + threadIdx.x; i < end; i += blockDim.x) {
            sum += (double) expf(x[i] - best);
        }
        result.work_sum = block_sum_double(sum);
    }
    if (row.mode == SAMPLE_MODE_MODEL && modified) {
        float raw_best = NEGATIVE_INFINITY;
        int raw_index = NO_INDEX;
        for (int i = begin + threadIdx.x; i < end; i += blockDim.x) {
            argmax_combine(&raw_best, &raw_index, raw[i], i);
        }
        block_argmax(&raw_best, &raw_index);
        result.raw_max = raw_best;
        double sum = 0.0;
        if (raw_best != NEGATIVE_INFINITY) {
            for (int i = begin + threadIdx.x; i < end; i += blockDim.x) {
                sum += (double) expf(raw[i] - raw_best);
            }
        }
        result.raw_sum = block_sum_double(sum);
    } else {
        result.raw_sum = result.work_sum;
    }
    if (threadIdx.x == 0) {
        chunks[(long long) blockIdx.x * gridDim.y + blockIdx.y] = result;
    }
}

// log(sum(exp(x))) of a row from its chunks' maxima and sums (-inf when every value is -inf).
__device__ double chunk_log_sum_exp(const SampleChunk* chunks, int count, bool raw) {
    float largest = NEGATIVE_INFINITY;
    for (int c = 0; c < count; c++) {
        largest = fmaxf(largest, raw ? chunks[c].raw_max : chunks[c].work_max);
    }
    if (largest == NEGATIVE_INFINITY) {
        return (double) NEGATIVE_INFINITY;
    }
    double sum = 0.0;
    for (int c = 0; c < count; c++) {
        float chunk_max = raw ? chunks[c].raw_max : chunks[c].work_max;
        if (chunk_max != NEGATIVE_INFINITY) {
            sum += (raw ? chunks[c].raw_sum : chunks[c].work_sum) * exp((double) chunk_max - (double) largest);
        }
    }
    return (double) largest + log(sum);
}

// grid: (rows), block: SAMPLE_THREADS, dynamic shared memory: RADIX_COPIES * RADIX_BUCKETS * (4 + 8) bytes.
// chunks: [rows, numChunks] from sample_prepare; out: see the file comment.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS) sample_finish(
        const float* __restrict__ logits, int vocab, const int* __restrict__ params, int rows, int masked,
        int penalties, const float* __restrict__ work, const SampleChunk* __restrict__ chunks, int num_chunks,
        int max_top, int* __restrict__ out) {
    wait_for_previous_kernels();
    extern __shared__ double radix_masses[];
    int* radix_counts = reinterpret_cast<int*>(radix_masses + RADIX_COPIES * RADIX_BUCKETS);
    int r = blockIdx.x;
    SampleRow row = sample_row(params, rows, masked, penalties, r);
    const float* raw = logits + (long long) row.logits_row * vocab;
    const float* x = sample_modified(row) ? work + (long long) row.work_row * vocab : raw;
    const SampleChunk* own = chunks + (long long) r * num_chunks;

    __shared__ float row_max;
    __shared__ int row_argmax;
    if (threadIdx.x == 0) {
        float best = NEGATIVE_INFINITY;
        int best_index = NO_INDEX;
        for (int c = 0; c < num_chunks; c++) {
            argmax_combine(&best, &best_index, own[c].work_max, own[c].work_argmax);
        }
        row_max = best;
        row_argmax = best_index;
    }
    __syncthreads();
    float largest = row_max;
    int token;
    if (sample_greedy(row)) {
        token = row_argmax;
    } else if (largest == NEGATIVE_INFINITY) {
        token = 0;
    } else {
        token = sample_draw(x, vocab, row, largest, radix_counts, radix_masses);
    }
    if (threadIdx.x == 0) {
        out[r] = token;
    }
    if (row.mode == SAMPLE_MODE_NONE) {
        return;
    }
    bool model = row.mode == SAMPLE_MODE_MODEL;
    __shared__ double lse;
    if (threadIdx.x == 0) {
        lse = chunk_log_sum_exp(own, num_chunks, model);
    }
    __syncthreads();
    sample_logprobs(model ? raw : x, vocab, token, lse, row.top_count, r, rows, max_top, out, radix_counts,
                    radix_masses);
}
