#include "model/engine/layers.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ops/dropout.h>

namespace kosmos {

LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, bool withBias, const at::TensorOptions& options) {
    weight = register_parameter("weight", at::empty({out, in}, options));
    if (withBias) bias = register_parameter("bias", at::empty({out}, options));
}

at::Tensor linearForward(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    if (x.numel() == weight.size(1) && x.is_cpu() && !at::GradMode::is_enabled()) {
        // One row (a decode step): BLAS gemv streams the weights 3-4x faster than gemm with M = 1,
        // which packs the whole weight matrix first.
        std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
        shape.back() = weight.size(0);
        at::Tensor y = bias.defined() ? at::addmv(bias, weight, x.reshape({-1})) : at::mv(weight, x.reshape({-1}));
        return y.view(shape);
    }
    return at::linear(x, weight, bias);
}

at::Tensor LinearImpl::forward(const at::Tensor& x) {
    at::Tensor y = int8.values.defined() ? int8Linear(x, int8, bias) : linearForward(x, weight, bias);
    if (loraA.defined()) {
        at::Tensor input = (loraDropout > 0 && is_training()) ? at::dropout(x, loraDropout, true) : x;
        y = y + at::linear(at::linear(input, loraA), loraB) * loraScale;
    }
    return y;
}

LayerNormImpl::LayerNormImpl(std::int64_t dim, double eps_, const at::TensorOptions& options) : eps(eps_) {
    weight = register_parameter("weight", at::empty({dim}, options));
    bias = register_parameter("bias", at::empty({dim}, options));
}

at::Tensor LayerNormImpl::forward(const at::Tensor& x) { return addForward(x, at::Tensor()).normed; }

NormedSum LayerNormImpl::addForward(const at::Tensor& x, const at::Tensor& delta) {
    return fusedAddLayerNorm(x, delta, weight, bias, eps);
}

WeightImpl::WeightImpl(at::IntArrayRef shape, const at::TensorOptions& options) {
    weight = register_parameter("weight", at::empty(shape, options));
}

at::Tensor quickGelu(const at::Tensor& x) { return x * at::sigmoid(x * 1.702); }

at::Tensor activation(const std::string& name, const at::Tensor& x) {
    if (name == "quick_gelu") return quickGelu(x);
    return at::gelu(x);
}

} // namespace kosmos
