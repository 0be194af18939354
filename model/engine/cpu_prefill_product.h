#pragma once
// The product of many rows of f32 activations (a prefill, beams, a batch) with a weight matrix on the CPU, for
// f32 weights and for int8 ones without an f32 copy of them: each thread multiplies six weight rows of 256
// inputs at a time (int8 ones widened into a block that stays in its L1 cache) with the activations, packed
// once in panels of 16 rows, 128 rows a pass over the weights. For a prompt's 71 rows of the real
// configuration it ran at 1.3-1.7x OpenBLAS's rate for the same f32 weights; for 257 rows BLAS was as fast.
#include <cstdint>

namespace kosmos {

// Whether the products below are taken for a weight matrix [out, in]: on a CPU with AVX2 and FMA, for matrices of
// a million weights or more. Below that (the demo model's 192-wide layers) the two splits across threads of
// each call cost more than they save: a 71-row prefill of the demo model took 20 ms against 9.4 ms with BLAS.
bool prefillProductApplies(std::int64_t in, std::int64_t out);

// y[m][o] = scale[o] * sum_i x[m][i] q[o][i] + bias[o] for m < rows, o < out (bias may be null); x, q and y are
// contiguous row-major. Needs cpuHasAvx2Fma() (cpu_parallel.h); splits the outputs across the threads
// (splitAcrossThreads). The sums are f32, as a BLAS product with the dequantised weights would be.
void int8PrefillProduct(const float* x, std::int64_t rows, std::int64_t in, const std::int8_t* q, const float* scale,
                        const float* bias, float* y, std::int64_t out);

// The same for f32 weights w [out, in]: y[m][o] = sum_i x[m][i] w[o][i] + bias[o].
void f32PrefillProduct(const float* x, std::int64_t rows, std::int64_t in, const float* w, const float* bias,
                       float* y, std::int64_t out);

} // namespace kosmos
