// The element types of the paged KV cache, as the RoPE/KV write and attention see them: bf16 (the activation type),
// or 8-bit codes with an fp32 scale per (token, kv head) for K and for V, computed when the token is written
// (scale = amax / CODE_MAX, code = round(x / scale)): E4M3 (round to nearest even, saturated at ±448) or int8
// (round to nearest even, clamped to ±127). E4M3 is converted in software with integer and float operations, so the
// same code runs on every GPU (sm_89+ has cvt instructions for it; the conversion is not what bounds attention, which
// waits on memory). ai.jllm.tensor.Fp8E4m3 and ai.jllm.kvcache.KvQuantizer are the Java reference.
#pragma once
#include "common.cuh"

// 0x1p120f: the factor that turns an E4M3 code's bits placed in a float32 into the code's value.
#define E4M3_REBIAS __int_as_float(0x7b800000)

// x as E4M3: nearest even, saturated at ±448, NaN to NaN (0x7f with the sign).
__device__ __forceinline__ unsigned int e4m3_encode(float x) {
    unsigned int sign = (__float_as_uint(x) >> 24) & 0x80u;
    float magnitude = fabsf(x);
    unsigned int code;
    if (magnitude != magnitude) {
        code = 0x7fu;
    } else if (magnitude < 0.015625f) {
        // Subnormal: magnitude = m * 2^-9, m in [0, 8] (8 is the smallest normal's code).
        code = (unsigned int) rintf(magnitude * 512.0f);
    } else if (magnitude >= 448.0f) {
        code = 0x7eu;
    } else {
        // Round the 23-bit mantissa to 3 bits (ties to even, a carry moves into the exponent), rebias 127 -> 7.
        unsigned int bits = __float_as_uint(magnitude);
        bits += 0x7ffffu + ((bits >> 20) & 1u);
        code = min((bits >> 20) - (120u << 3), 0x7eu);
    }
    return sign | code;
}

// An E4M3 code's value: its 7 exponent-and-mantissa bits at the top of a float32's, times 2^120 (exact for normal
// and subnormal codes alike).
__device__ __forceinline__ float e4m3_decode(unsigned int code) {
    return __uint_as_float(((code & 0x80u) << 24) | ((code & 0x7fu) << 20)) * E4M3_REBIAS;
}

// bf16 cache: 8 elements in a 16-byte vector, no scales.
struct Bf16Cache {
    typedef bf16 Element;
    typedef uint4 Vector;
    static constexpr bool SCALED = false;

    __device__ static __forceinline__ void unpack(Vector packed, float* values) {
        unpack_bf16x8(packed, values);
    }
};

// E4M3 cache: 8 codes in an 8-byte vector.
struct Fp8Cache {
    typedef unsigned char Element;
    typedef uint2 Vector;
    static constexpr bool SCALED = true;
    static constexpr float CODE_MAX = 448.0f;

    __device__ static __forceinline__ unsigned int encode(float scaled) {
        return e4m3_encode(scaled);
    }

    __device__ static __forceinline__ void unpack(Vector packed, float* values) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            values[i] = e4m3_decode((packed.x >> (8 * i)) & 0xffu);
            values[4 + i] = e4m3_decode((packed.y >> (8 * i)) & 0xffu);
        }
    }
};

// int8 cache: 8 codes in an 8-byte vector.
struct Int8Cache {
    typedef signed char Element;
    typedef uint2 Vector;
    static constexpr bool SCALED = true;
    static constexpr float CODE_MAX = 127.0f;

    __device__ static __forceinline__ unsigned int encode(float scaled) {
        int code = __float2int_rn(scaled);
        return (unsigned int) (code > 127 ? 127 : code < -127 ? -127 : code) & 0xffu;
    }

    __device__ static __forceinline__ void unpack(Vector packed, float* values) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            values[i] = (float) (signed char) ((packed.x >> (8 * i)) & 0xffu);
            values[4 + i] = (float) (signed char) ((packed.y >> (8 * i)) & 0xffu);
        }
    }
};
