// Embedding lookup: out[t] = table[tokenIds[t]].
#pragma once
#include "common.cuh"

// ---- kernels ----

// grid: (numTokens), block: any multiple of 32.  table: [vocab, hidden] bf16, out: [numTokens, hidden] bf16
// Rows move as 16-byte vectors when hidden is a multiple of 8 (always, for real models), element-wise otherwise.
extern "C" __global__ void embedding_gather(const bf16* __restrict__ table, const int* __restrict__ token_ids,
                                            int hidden, bf16* __restrict__ out) {
    wait_for_previous_kernels();
    int token = blockIdx.x;
    const bf16* source = table + (long long) token_ids[token] * hidden;
    bf16* target = out + (long long) token * hidden;
    if ((hidden & 7) == 0) {
        const uint4* from = reinterpret_cast<const uint4*>(source);
        uint4* to = reinterpret_cast<uint4*>(target);
        for (int i = threadIdx.x; i < hidden / 8; i += blockDim.x) {
            to[i] = from[i];
        }
    } else {
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
            target[i] = source[i];
        }
    }
}
