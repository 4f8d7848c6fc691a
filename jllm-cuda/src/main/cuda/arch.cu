// Which architecture the loaded module's code was compiled for. The backend launches kernels as programmatic
// dependents (sm_90) only when the code carries the waits that make that safe (common.cuh): a module JIT-compiled from
// older PTX does not.
#pragma once
#include "common.cuh"

// ---- kernels ----

// grid: 1, block: 1.  out: [1] int, __CUDA_ARCH__ (e.g. 900 for sm_90 code).
extern "C" __global__ void compiled_arch(int* out) {
#if defined(__CUDA_ARCH__)
    *out = __CUDA_ARCH__;
#endif
}
