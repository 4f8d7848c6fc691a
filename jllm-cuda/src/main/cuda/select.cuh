// Radix selection over a row of float logits in one block: where, walking the values from the largest down, a running
// count of tokens or sum of their probabilities first reaches a target (sampling.cu's top-k threshold, top-p cut and
// top logprobs), and which token holds a given rank among equal values.
#pragma once
#include "common.cuh"
#include "reduce.cuh"

#define RADIX_BUCKETS 256
// Histogram copies in shared memory (4 warps share one) to spread the atomic adds of tokens with close logits.
#define RADIX_COPIES 8

// An unsigned key that orders floats from the largest down (-0 after +0, as the host's sort keys have it).
__device__ __forceinline__ unsigned int descending_key(float value) {
    unsigned int bits = __float_as_uint(value);
    return ~(bits ^ ((bits >> 31) != 0u ? 0xffffffffu : 0x80000000u));
}

__device__ __forceinline__ float key_value(unsigned int key) {
    unsigned int ascending = ~key;
    return __uint_as_float((ascending & 0x80000000u) != 0u ? ascending ^ 0x80000000u : ~ascending);
}

// A sampled row's unnormalized probabilities: exp((x - max) / temperature) for tokens at or above the top-k threshold.
struct SampleWeights {
    float max;
    float inverse_temperature;
    float threshold;
};

__device__ __forceinline__ float sample_weight(float x, const SampleWeights& weights) {
    return x >= weights.threshold ? expf((x - weights.max) * weights.inverse_temperature) : 0.0f;
}

// Where radix_select stopped: the value (as its key), the measure of every larger value, and its own measure/count.
struct Selection {
    unsigned int key;
    double before;
    double group;
    int group_count;
};

// Walks the values of x[0, vocab) from the largest down, equal values as one, and stops at the value where the running
// measure first reaches target: the number of tokens (by_mass false) or the sum of their weights (by_mass true).
// Four passes, one per byte of the key, each a histogram of the tokens that match the bytes chosen so far.
// counts: [RADIX_COPIES * RADIX_BUCKETS], masses: the same, in shared memory.
__device__ Selection radix_select(const float* x, int vocab, bool by_mass, const SampleWeights& weights, double target,
                                  int* counts, double* masses) {
    __shared__ unsigned int chosen_prefix;
    __shared__ double chosen_before;
    unsigned int prefix = 0u;
    unsigned int mask = 0u;
    double before = 0.0;
    int copy = (threadIdx.x >> 5) % RADIX_COPIES;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int i = threadIdx.x; i < RADIX_COPIES * RADIX_BUCKETS; i += blockDim.x) {
            counts[i] = 0;
            masses[i] = 0.0;
        }
        __syncthreads();
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            float value = x[i];
            unsigned int key = descending_key(value);
            if ((key & mask) != prefix) {
                continue;
            }
            int bucket = copy * RADIX_BUCKETS + ((key >> shift) & 0xffu);
            atomicAdd(&counts[bucket], 1);
            if (by_mass) {
                float weight = sample_weight(value, weights);
                if (weight > 0.0f) {
                    atomicAdd(&masses[bucket], (double) weight);
                }
            }
        }
        __syncthreads();
        for (int b = threadIdx.x; b < RADIX_BUCKETS; b += blockDim.x) {
            int count = 0;
            double mass = 0.0;
            for (int c = 0; c < RADIX_COPIES; c++) {
                count += counts[c * RADIX_BUCKETS + b];
                mass += masses[c * RADIX_BUCKETS + b];
            }
            counts[b] = count;
            masses[b] = mass;
        }
        __syncthreads();
        if (threadIdx.x < 32) {
            // Warp 0: each lane sums 8 consecutive buckets; the first lane whose running total reaches the target
            // walks its own buckets to the one that does.
            int lane = threadIdx.x;
            double local = 0.0;
            for (int j = 0; j < 8; j++) {
                local += by_mass ? masses[8 * lane + j] : (double) counts[8 * lane + j];
            }
            double inclusive = local;
            for (int offset = 1; offset < 32; offset <<= 1) {
                double other = __shfl_up_sync(0xffffffffu, inclusive, offset);
                if (lane >= offset) {
                    inclusive += other;
                }
            }
            double exclusive = __shfl_up_sync(0xffffffffu, inclusive, 1);
            if (lane == 0) {
                exclusive = 0.0;
            }
            unsigned int reaching = __ballot_sync(0xffffffffu, local > 0.0 && before + inclusive >= target);
            unsigned int nonempty = __ballot_sync(0xffffffffu, local > 0.0);
            // Rounding may leave the target unreached: then the last tokens there are (the smallest values).
            int walker = reaching != 0u ? __ffs(reaching) - 1 : 31 - __clz(nonempty | 1u);
            if (lane == walker) {
                double running = before + exclusive;
                int bucket = 8 * lane;
                double at_bucket = running;
                for (int j = 0; j < 8; j++) {
                    double measure = by_mass ? masses[8 * lane + j] : (double) counts[8 * lane + j];
                    if (measure > 0.0) {
                        bucket = 8 * lane + j;
                        at_bucket = running;
                        if (running + measure >= target) {
                            break;
                        }
                    }
                    running += measure;
                }
                chosen_prefix = prefix | ((unsigned int) bucket << shift);
                chosen_before = at_bucket;
            }
        }
        __syncthreads();
        prefix = chosen_prefix;
        before = chosen_before;
        mask |= 0xffu << shift;
        __syncthreads();
    }
    Selection selection;
    selection.key = prefix;
    selection.before = before;
    selection.group = masses[prefix & 0xffu];
    selection.group_count = counts[prefix & 0xffu];
    __syncthreads();
    return selection;
}

// The index of the nth (from 1) token of x whose key is `key`, in index order. Each thread scans a contiguous run.
__device__ int nth_with_key(const float* x, int vocab, unsigned int key, int nth) {
    __shared__ int found;
    int run = (vocab + blockDim.x - 1) / blockDim.x;
    int begin = min(vocab, (int) threadIdx.x * run);
    int end = min(vocab, begin + run);
    int count = 0;
    for (int i = begin; i < end; i++) {
        count += descending_key(x[i]) == key ? 1 : 0;
    }
    if (threadIdx.x == 0) {
        found = vocab - 1;
    }
    int total;
    int seen = block_exclusive_scan(count, &total);
    if (seen < nth && nth <= seen + count) {
        for (int i = begin; i < end; i++) {
            if (descending_key(x[i]) == key && ++seen == nth) {
                found = i;
                break;
            }
        }
    }
    __syncthreads();
    int result = found;
    __syncthreads();
    return result;
}
