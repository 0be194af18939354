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

// A Linear's product for one to eight rows (a decode step: one row per sequence or beam) through the row-product
// kernel (cuda/row_product.h), which reads each weight row once with 16-byte loads where cuBLAS picks
// matrix-product kernels for these shapes. Applies where fusedKernelsApply(x) does, with the weight (and
// bias) of x's dtype, contiguous and 16-byte aligned, when KOSMOS_ROW_PRODUCT is set (opt-in: slower than cuBLAS
// on the H200 but for the vocabulary product); KOSMOS_ROW_PRODUCT_OVERLAP also lets each product start while
// the kernel before it finishes.
bool rowProductApplies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);
at::Tensor fusedRowProduct(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// LayerNorm(x + delta) (delta may be undefined) and the product of the normalised rows with a Linear's weight
// in one launch: the norm needs no kernel of its own. With `gelu`, the product goes through gelu (erf form),
// rounded as LibTorch would round each step. Returns x + delta (x without delta) and the product. Applies
// where rowProductApplies does, the normalised rows fit the kernel's shared memory and
// KOSMOS_NO_NORM_IN_PRODUCT is not set (`gelu` needs delta).
struct NormedProduct {
    at::Tensor sum;
    at::Tensor y;
};
bool normedRowProductApplies(const at::Tensor& x, const at::Tensor& delta, const at::Tensor& gamma,
                             const at::Tensor& beta, const at::Tensor& weight, const at::Tensor& bias, bool gelu);
NormedProduct fusedNormedRowProduct(const at::Tensor& x, const at::Tensor& delta, const at::Tensor& gamma,
                                    const at::Tensor& beta, double eps, const at::Tensor& weight,
                                    const at::Tensor& bias, bool gelu);

} // namespace kosmos
