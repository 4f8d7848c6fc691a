// RMS norms (Zhang & Sennrich 2019) in float32 arithmetic over bf16 activations and float32 weights:
// plain, fused with the residual add that precedes it, and per attention head (Qwen3's QK-norm).
#pragma once
#include "common.cuh"

// ---- kernels ----

// grid: (rows), block: multiple of 32.  x, out: [rows, width] bf16, weight: [width] f32
extern "C" __global__ void rms_norm(const bf16* __restrict__ x, const float* __restrict__ weight, float eps, int width,
                                    bf16* __restrict__ out) {
    wait_for_previous_kernels();
    const bf16* row = x + (long long) blockIdx.x * width;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        float value = bf16_to_float(row[i]);
        squares += value * value;
    }
    float scale = rsqrtf(block_sum(squares) / width + eps);
    bf16* target = out + (long long) blockIdx.x * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        target[i] = float_to_bf16(weight[i] * (bf16_to_float(row[i]) * scale));
    }
}

// residual += delta (rounded to bf16, as the stream is stored), then out = rmsNorm(residual) * weight.
// Each thread reads back only the elements it wrote itself, so the two passes need no barrier between them.
// grid: (rows), block: multiple of 32.  residual, delta, out: [rows, width] bf16, weight: [width] f32
extern "C" __global__ void add_rms_norm(bf16* __restrict__ residual, const bf16* __restrict__ delta,
                                        const float* __restrict__ weight, float eps, int width,
                                        bf16* __restrict__ out) {
    wait_for_previous_kernels();
    long long offset = (long long) blockIdx.x * width;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        bf16 sum = float_to_bf16(bf16_to_float(residual[offset + i]) + bf16_to_float(delta[offset + i]));
        residual[offset + i] = sum;
        float value = bf16_to_float(sum);
        squares += value * value;
    }
    float scale = rsqrtf(block_sum(squares) / width + eps);
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        out[offset + i] = float_to_bf16(weight[i] * (bf16_to_float(residual[offset + i]) * scale));
    }
}

// In place over every query head and key head of each token; one warp per head.
// grid: (rows, numHeads + numKvHeads), block: 32.  qkv: [rows, rowWidth] bf16, weights: [headDim] f32
extern "C" __global__ void qk_norm(bf16* __restrict__ qkv, const float* __restrict__ q_weight,
                                   const float* __restrict__ k_weight, float eps, int row_width, int num_heads,
                                   int head_dim) {
    wait_for_previous_kernels();
    int head = blockIdx.y;
    const float* weight = head < num_heads ? q_weight : k_weight;
    bf16* values = qkv + (long long) blockIdx.x * row_width + head * head_dim;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < head_dim; i += 32) {
        float value = bf16_to_float(values[i]);
        squares += value * value;
    }
    float scale = rsqrtf(warp_sum(squares) / head_dim + eps);
    for (int i = threadIdx.x; i < head_dim; i += 32) {
        values[i] = float_to_bf16(weight[i] * (bf16_to_float(values[i]) * scale));
    }
}
