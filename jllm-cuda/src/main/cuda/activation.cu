// SwiGLU activation: out = silu(gate) * up.
#pragma once
#include "common.cuh"

// ---- kernels ----

// grid-stride over rows * intermediate elements.  gate_up: [rows, 2 * intermediate] = [gate | up], out: [rows, intermediate]
// The product is formed in float32 and rounded once.
extern "C" __global__ void silu_mul(const bf16* __restrict__ gate_up, int rows, int intermediate,
                                    bf16* __restrict__ out) {
    wait_for_previous_kernels();
    long long total = (long long) rows * intermediate;
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < total;
         i += (long long) gridDim.x * blockDim.x) {
        long long row = i / intermediate;
        long long column = i - row * intermediate;
        const bf16* in = gate_up + row * 2 * intermediate;
        float gate = bf16_to_float(in[column]);
        float up = bf16_to_float(in[intermediate + column]);
        float silu = gate / (1.0f + expf(-gate));
        out[i] = float_to_bf16(silu * up);
    }
}
