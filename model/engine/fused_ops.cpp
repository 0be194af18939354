#include "model/engine/fused_ops.h"

#include <ATen/core/grad_mode.h>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "model/engine/cpu_gelu_norm.h"
#include "model/error.h"

#ifdef KOSMOS_WITH_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>

#include "model/engine/cuda/fused_kernels.h"
#include "model/engine/cuda/row_product.h"
#endif

namespace kosmos {
namespace {

#ifdef KOSMOS_WITH_CUDA_KERNELS
cuda::ElementType elementType(const at::Tensor& t) {
    switch (t.scalar_type()) {
    case at::kBFloat16: return cuda::ElementType::BFloat16;
    case at::kHalf: return cuda::ElementType::Float16;
    default: return cuda::ElementType::Float32;
    }
}

void check(int status, const char* what) {
    if (status != 0) throw Error(std::string(what) + ": CUDA error " + std::to_string(status));
}

void* currentStream() { return c10::cuda::getCurrentCUDAStream().stream(); }

bool normApplies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    return fusedKernelsApply(x) && x.size(-1) <= cuda::kMaxNormWidth && x.numel() > 0 && weight.defined() &&
           bias.defined() && weight.scalar_type() == x.scalar_type() && bias.scalar_type() == x.scalar_type() &&
           weight.is_contiguous() && bias.is_contiguous() && weight.numel() == x.size(-1);
}

at::Tensor normRows(cuda::BeforeNorm pre, const at::Tensor& x, const at::Tensor& delta, at::Tensor* sum,
                    const at::Tensor& weight, const at::Tensor& bias, double eps) {
    const std::int64_t width = x.size(-1);
    at::Tensor out = at::empty_like(x);
    if (sum) *sum = at::empty_like(x);
    check(cuda::layerNorm(elementType(x), pre, x.data_ptr(), delta.defined() ? delta.data_ptr() : nullptr,
                          sum ? sum->data_ptr() : nullptr, weight.data_ptr(), bias.data_ptr(), out.data_ptr(),
                          x.numel() / width, static_cast<int>(width), static_cast<float>(eps), currentStream()),
          "layer norm kernel");
    return out;
}

bool isSet(const char* variable) { return std::getenv(variable) != nullptr; }

bool aligned16(const at::Tensor& t) { return reinterpret_cast<std::uintptr_t>(t.data_ptr()) % 16 == 0; }

bool sameKindAs(const at::Tensor& t, const at::Tensor& x) {
    return t.defined() && t.scalar_type() == x.scalar_type() && t.device() == x.device() && t.is_contiguous();
}

std::int64_t productRows(const at::Tensor& x, const at::Tensor& weight) { return x.numel() / weight.size(1); }

bool productFits(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, cuda::ProductInput input) {
    // Opt-in: on the H200 it lost to cuBLAS except on the vocabulary product (README, speed section).
    static const bool on = isSet("KOSMOS_ROW_PRODUCT");
    if (!on || !fusedKernelsApply(x) || x.dim() == 0 || x.numel() == 0 || !sameKindAs(weight, x) ||
        weight.dim() != 2 || x.size(-1) != weight.size(1) || !aligned16(x) || !aligned16(weight))
        return false;
    if (bias.defined() && (!sameKindAs(bias, x) || bias.numel() != weight.size(0))) return false;
    const std::int64_t rows = productRows(x, weight);
    return rows <= cuda::kMaxProductRows &&
           cuda::rowProductSupported(elementType(x), input, static_cast<int>(rows), weight.size(1), weight.size(0));
}

at::Tensor productOutput(const at::Tensor& x, const at::Tensor& weight) {
    std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = weight.size(0);
    return at::empty(shape, x.options());
}

cuda::RowProduct productOf(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::Tensor& y) {
    // Each product may start while the kernel before it finishes (opt-in, like the kernel).
    static const bool overlap = isSet("KOSMOS_ROW_PRODUCT_OVERLAP");
    cuda::RowProduct product;
    product.type = elementType(x);
    product.x = x.data_ptr();
    product.weight = weight.data_ptr();
    product.bias = bias.defined() ? bias.data_ptr() : nullptr;
    product.y = y.data_ptr();
    product.rows = static_cast<int>(productRows(x, weight));
    product.inFeatures = weight.size(1);
    product.outFeatures = weight.size(0);
    product.overlapPrevious = overlap;
    return product;
}
#endif

} // namespace

bool fusedKernelsApply(const at::Tensor& x) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    static const bool disabled = isSet("KOSMOS_NO_FUSED_KERNELS");
    const auto type = x.scalar_type();
    return !disabled && x.defined() && x.is_cuda() && !at::GradMode::is_enabled() && x.is_contiguous() &&
           (type == at::kFloat || type == at::kBFloat16 || type == at::kHalf);
#else
    return false;
#endif
}

NormedSum fusedAddLayerNorm(const at::Tensor& x, const at::Tensor& delta, const at::Tensor& weight,
                            const at::Tensor& bias, double eps) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    if (normApplies(x, weight, bias)) {
        if (!delta.defined()) return {x, normRows(cuda::BeforeNorm::None, x, {}, nullptr, weight, bias, eps)};
        if (delta.is_contiguous() && delta.sizes() == x.sizes() && delta.scalar_type() == x.scalar_type() &&
            delta.device() == x.device()) {
            NormedSum out;
            out.normed = normRows(cuda::BeforeNorm::AddResidual, x, delta, &out.sum, weight, bias, eps);
            return out;
        }
    }
#endif
    at::Tensor sum = delta.defined() ? x + delta : x;
    return {sum, at::layer_norm(sum, {weight.size(0)}, weight, bias, eps)};
}

at::Tensor fusedGeluLayerNorm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    if (normApplies(x, weight, bias)) return normRows(cuda::BeforeNorm::Gelu, x, {}, nullptr, weight, bias, eps);
#endif
    if (cpuGeluLayerNormApplies(x, weight, bias)) return cpuGeluLayerNorm(x, weight, bias, eps);
    return at::layer_norm(at::gelu(x), {weight.size(0)}, weight, bias, eps);
}

at::Tensor fusedSplitQkvIntoCache(const at::Tensor& qkv, int heads, double scale, at::Tensor& keys, at::Tensor& values,
                                  const at::Tensor& startOnDevice, std::int64_t start) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    const std::int64_t batch = qkv.size(0), n = qkv.size(1), e = qkv.size(2) / 3, headDim = e / heads;
    const bool startOk = !startOnDevice.defined() ||
                         (startOnDevice.scalar_type() == at::kLong && startOnDevice.device() == qkv.device());
    if (fusedKernelsApply(qkv) && qkv.dim() == 3 && startOk && keys.is_contiguous() && values.is_contiguous() &&
        keys.scalar_type() == qkv.scalar_type() && values.sizes() == keys.sizes() && keys.dim() == 4 &&
        keys.size(0) == batch && keys.size(1) == heads && keys.size(3) == headDim && e == heads * headDim) {
        at::Tensor q = at::empty({batch, heads, n, headDim}, qkv.options());
        check(cuda::splitQkvIntoCache(elementType(qkv), qkv.data_ptr(), q.data_ptr(), keys.data_ptr(),
                                      values.data_ptr(), batch, n, heads, static_cast<int>(headDim), keys.size(2),
                                      startOnDevice.defined() ? startOnDevice.data_ptr<std::int64_t>() : nullptr,
                                      start, static_cast<float>(scale), currentStream()),
              "q/k/v split kernel");
        return q;
    }
#endif
    throw Error("fused q/k/v split: not available for these tensors (check fusedKernelsApply first)");
}

bool rowProductApplies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    return productFits(x, weight, bias, cuda::ProductInput::Raw);
#else
    return false;
#endif
}

at::Tensor fusedRowProduct(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    if (rowProductApplies(x, weight, bias)) {
        at::Tensor y = productOutput(x, weight);
        cuda::RowProduct product = productOf(x, weight, bias, y);
        check(cuda::rowProduct(product, currentStream()), "row product kernel");
        return y;
    }
#endif
    throw Error("row product: not available for these tensors (check rowProductApplies first)");
}

bool normedRowProductApplies(const at::Tensor& x, const at::Tensor& delta, const at::Tensor& gamma,
                             const at::Tensor& beta, const at::Tensor& weight, const at::Tensor& bias, bool gelu) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    static const bool off = isSet("KOSMOS_NO_NORM_IN_PRODUCT");
    const auto input = delta.defined() ? cuda::ProductInput::AddThenNormed : cuda::ProductInput::Normed;
    return !off && (!gelu || delta.defined()) && productFits(x, weight, bias, input) && sameKindAs(gamma, x) &&
           sameKindAs(beta, x) && gamma.numel() == x.size(-1) && beta.numel() == x.size(-1) &&
           (!delta.defined() || (sameKindAs(delta, x) && delta.sizes() == x.sizes() && aligned16(delta)));
#else
    return false;
#endif
}

NormedProduct fusedNormedRowProduct(const at::Tensor& x, const at::Tensor& delta, const at::Tensor& gamma,
                                    const at::Tensor& beta, double eps, const at::Tensor& weight,
                                    const at::Tensor& bias, bool gelu) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    if (normedRowProductApplies(x, delta, gamma, beta, weight, bias, gelu)) {
        NormedProduct out{delta.defined() ? at::empty_like(x) : x, productOutput(x, weight)};
        cuda::RowProduct product = productOf(x, weight, bias, out.y);
        product.input = delta.defined() ? cuda::ProductInput::AddThenNormed : cuda::ProductInput::Normed;
        product.gelu = gelu;
        if (delta.defined()) product.delta = delta.data_ptr(), product.sumOut = out.sum.data_ptr();
        product.gamma = gamma.data_ptr(), product.beta = beta.data_ptr(), product.eps = static_cast<float>(eps);
        check(cuda::rowProduct(product, currentStream()), "normed row product kernel");
        return out;
    }
#endif
    throw Error("normed row product: not available for these tensors (check normedRowProductApplies first)");
}

} // namespace kosmos
