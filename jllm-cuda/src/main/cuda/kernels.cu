// The single translation unit that nvcc (fatbin, PTX) and NVRTC compile: every op family, one file each.
// Kernels are extern "C" so that their names in the module are the plain names the Java side looks up.
#include "common.cuh"
#include "arch.cu"
#include "embedding.cu"
#include "norm.cu"
#include "rope.cu"
#include "attention.cu"
#include "activation.cu"
#include "gather.cu"
#include "gemv.cu"
#include "reduce.cuh"
#include "select.cuh"
#include "sampling.cu"
