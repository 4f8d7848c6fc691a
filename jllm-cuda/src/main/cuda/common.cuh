// Shared device helpers for every op family. bfloat16 is handled as its 16 raw bits so that the kernels need no
// CUDA headers at all: NVRTC then compiles the same sources with no include path.
#pragma once

typedef unsigned short bf16;

#define NEGATIVE_INFINITY __int_as_float(0xff800000)

// Programmatic dependent launch (sm_90). The backend launches kernels so that each may start while the kernel before
// it in the stream still runs: a kernel waits here before it touches memory that earlier kernels write (reading
// weights before is fine), then lets the kernel after it start (which is why a wait is always followed by the
// permission: at most one kernel runs ahead). Both are no-ops for an ordinary launch and compile to nothing before
// sm_90, where the backend launches ordinarily.
__device__ __forceinline__ void wait_for_previous_kernels() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;");
#endif
}

__device__ __forceinline__ float bf16_to_float(bf16 value) {
    return __uint_as_float(((unsigned int) value) << 16);
}

// Round to nearest even, as torch and the CPU backend's conversion do; NaN stays a (quiet) NaN.
__device__ __forceinline__ bf16 float_to_bf16(float value) {
    unsigned int bits = __float_as_uint(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return (bf16) ((bits >> 16) | 0x0040u);
    }
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (bf16) (bits >> 16);
}

// Eight bf16 values packed in 16 bytes (the unit of every wide load) to floats, and back (rounded).
__device__ __forceinline__ void unpack_bf16x8(uint4 packed, float* values) {
    unsigned int words[4] = {packed.x, packed.y, packed.z, packed.w};
#pragma unroll
    for (int i = 0; i < 4; i++) {
        values[2 * i] = __uint_as_float(words[i] << 16);
        values[2 * i + 1] = __uint_as_float(words[i] & 0xffff0000u);
    }
}

__device__ __forceinline__ uint4 pack_bf16x8(const float* values) {
    unsigned int words[4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        unsigned int low = float_to_bf16(values[2 * i]);
        unsigned int high = float_to_bf16(values[2 * i + 1]);
        words[i] = low | (high << 16);
    }
    uint4 packed;
    packed.x = words[0];
    packed.y = words[1];
    packed.z = words[2];
    packed.w = words[3];
    return packed;
}

__device__ __forceinline__ uint4 zero_uint4() {
    uint4 zero;
    zero.x = 0u;
    zero.y = 0u;
    zero.z = 0u;
    zero.w = 0u;
    return zero;
}

__device__ __forceinline__ float warp_sum(float value) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        value += __shfl_xor_sync(0xffffffffu, value, offset);
    }
    return value;
}

__device__ __forceinline__ float warp_max(float value) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
    }
    return value;
}

// Sum over the whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
__device__ __forceinline__ float block_sum(float value) {
    __shared__ float partial[32];
    __shared__ float total;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    value = warp_sum(value);
    if (lane == 0) {
        partial[warp] = value;
    }
    __syncthreads();
    if (warp == 0) {
        int warps = blockDim.x >> 5;
        float sum = lane < warps ? partial[lane] : 0.0f;
        sum = warp_sum(sum);
        if (lane == 0) {
            total = sum;
        }
    }
    __syncthreads();
    return total;
}
