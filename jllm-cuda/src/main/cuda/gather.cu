// Row gather for the logits: out[i] = x[indices[i]].
#pragma once
#include "common.cuh"

// ---- kernels ----

// grid: (numRows), block: any multiple of 32.  x: [*, width] bf16, out: [numRows, width] bf16
extern "C" __global__ void gather_rows(const bf16* __restrict__ x, const int* __restrict__ indices, int width,
                                       bf16* __restrict__ out) {
    wait_for_previous_kernels();
    const bf16* source = x + (long long) indices[blockIdx.x] * width;
    bf16* target = out + (long long) blockIdx.x * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        target[i] = source[i];
    }
}
