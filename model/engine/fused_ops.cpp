#include "model/engine/fused_ops.h"

#include <ATen/core/grad_mode.h>
#include <cstdlib>

#include "model/engine/cpu_gelu_norm.h"
#include "model/error.h"

#ifdef KOSMOS_WITH_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>

#include "model/engine/cuda/fused_kernels.h"
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
#endif

} // namespace

bool fusedKernelsApply(const at::Tensor& x) {
#ifdef KOSMOS_WITH_CUDA_KERNELS
    static const bool disabled = std::getenv("KOSMOS_NO_FUSED_KERNELS") != nullptr;
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

} // namespace kosmos
