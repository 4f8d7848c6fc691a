// Block-wide reductions and scans over float, double and int values, for kernels whose block reduces one row
// (sampling.cu). Every thread gets the result, and the shared scratch is free again on return.
#pragma once
#include "common.cuh"

#define NO_INDEX 0x7fffffff

// Larger value first; equal values: lower index first (torch.argmax's first maximum).
__device__ __forceinline__ void argmax_combine(float* value, int* index, float other_value, int other_index) {
    if (other_value > *value || (other_value == *value && other_index < *index)) {
        *value = other_value;
        *index = other_index;
    }
}

__device__ void block_argmax(float* value, int* index) {
    __shared__ float values[32];
    __shared__ int indices[32];
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    for (int offset = 16; offset > 0; offset >>= 1) {
        argmax_combine(value, index, __shfl_xor_sync(0xffffffffu, *value, offset),
                       __shfl_xor_sync(0xffffffffu, *index, offset));
    }
    if (lane == 0) {
        values[warp] = *value;
        indices[warp] = *index;
    }
    __syncthreads();
    if (warp == 0) {
        int warps = blockDim.x >> 5;
        float v = lane < warps ? values[lane] : NEGATIVE_INFINITY;
        int i = lane < warps ? indices[lane] : NO_INDEX;
        for (int offset = 16; offset > 0; offset >>= 1) {
            argmax_combine(&v, &i, __shfl_xor_sync(0xffffffffu, v, offset), __shfl_xor_sync(0xffffffffu, i, offset));
        }
        if (lane == 0) {
            values[0] = v;
            indices[0] = i;
        }
    }
    __syncthreads();
    *value = values[0];
    *index = indices[0];
    __syncthreads();
}

__device__ double block_sum_double(double value) {
    __shared__ double partial[32];
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    for (int offset = 16; offset > 0; offset >>= 1) {
        value += __shfl_xor_sync(0xffffffffu, value, offset);
    }
    if (lane == 0) {
        partial[warp] = value;
    }
    __syncthreads();
    if (warp == 0) {
        double sum = lane < (int) (blockDim.x >> 5) ? partial[lane] : 0.0;
        for (int offset = 16; offset > 0; offset >>= 1) {
            sum += __shfl_xor_sync(0xffffffffu, sum, offset);
        }
        if (lane == 0) {
            partial[0] = sum;
        }
    }
    __syncthreads();
    double total = partial[0];
    __syncthreads();
    return total;
}

__device__ int block_sum_int(int value) {
    __shared__ int partial[32];
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    for (int offset = 16; offset > 0; offset >>= 1) {
        value += __shfl_xor_sync(0xffffffffu, value, offset);
    }
    if (lane == 0) {
        partial[warp] = value;
    }
    __syncthreads();
    if (warp == 0) {
        int sum = lane < (int) (blockDim.x >> 5) ? partial[lane] : 0;
        for (int offset = 16; offset > 0; offset >>= 1) {
            sum += __shfl_xor_sync(0xffffffffu, sum, offset);
        }
        if (lane == 0) {
            partial[0] = sum;
        }
    }
    __syncthreads();
    int total = partial[0];
    __syncthreads();
    return total;
}

// Exclusive prefix sum over the threads in thread order; *total gets the sum of all.
template <typename T>
__device__ T block_exclusive_scan(T value, T* total) {
    __shared__ T warp_offsets[32];
    __shared__ T grand_total;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    T inclusive = value;
    for (int offset = 1; offset < 32; offset <<= 1) {
        T other = __shfl_up_sync(0xffffffffu, inclusive, offset);
        if (lane >= offset) {
            inclusive += other;
        }
    }
    T within = __shfl_up_sync(0xffffffffu, inclusive, 1);
    if (lane == 0) {
        within = T(0);
    }
    if (lane == 31) {
        warp_offsets[warp] = inclusive;
    }
    __syncthreads();
    if (warp == 0) {
        T own = lane < (int) (blockDim.x >> 5) ? warp_offsets[lane] : T(0);
        T running = own;
        for (int offset = 1; offset < 32; offset <<= 1) {
            T other = __shfl_up_sync(0xffffffffu, running, offset);
            if (lane >= offset) {
                running += other;
            }
        }
        T before = __shfl_up_sync(0xffffffffu, running, 1);
        if (lane == 0) {
            before = T(0);
        }
        warp_offsets[lane] = before;
        if (lane == 31) {
            grand_total = running;
        }
    }
    __syncthreads();
    T result = warp_offsets[warp] + within;
    *total = grand_total;
    __syncthreads();
    return result;
}
