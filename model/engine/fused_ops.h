#pragma once
// The engine's own CUDA kernels behind tensor-level functions (kernels in cuda/fused_kernels.cu). Each
// replaces a few LibTorch ops of inference with one launch, for the decode step where launches, not bytes,
// cost the time. They apply only to contiguous CUDA tensors of float32, bfloat16 or float16 outside
// autograd, in a build with the kernels (a CUDA LibTorch and a CUDA compiler), and not when
// KOSMOS_NO_FUSED_KERNELS is set; callers fall back to the plain ops otherwise, with the same results up to
// the order of the sums inside a layer norm.
#include <ATen/ATen.h>

namespace kosmos {

bool fusedKernelsApply(const at::Tensor& x);

// LayerNorm over the last dimension of `x`; with `delta`, of x + delta, whose sum (rounded to the dtype as
// LibTorch's add would) is returned in `sum`.
struct NormedSum {
    at::Tensor sum;
    at::Tensor normed;
};
NormedSum fusedAddLayerNorm(const at::Tensor& x, const at::Tensor& delta, const at::Tensor& weight,
                            const at::Tensor& bias, double eps);

// LayerNorm(gelu(x)) (gelu in its erf form).
at::Tensor fusedGeluLayerNorm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps);

// qkv [B, n, 3E] -> q * scale [B, heads, n, E/heads]; k and v are written into `keys` / `values`
// ([B, heads, capacity, E/heads]) at positions start + t, with start = *startOnDevice (a one-element int64
// device tensor) when it is defined.
at::Tensor fusedSplitQkvIntoCache(const at::Tensor& qkv, int heads, double scale, at::Tensor& keys, at::Tensor& values,
                                  const at::Tensor& startOnDevice, std::int64_t start);

} // namespace kosmos
