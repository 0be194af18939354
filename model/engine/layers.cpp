#include "model/engine/layers.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ops/dropout.h>

#include "model/engine/cpu_prefill_product.h"

namespace kosmos {
namespace {

constexpr std::int64_t kF32ProductMaxRows = 128;

} // namespace

LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, bool withBias, const at::TensorOptions& options) {
    weight = register_parameter("weight", at::empty({out, in}, options));
    if (withBias) bias = register_parameter("bias", at::empty({out}, options));
}

at::Tensor linearForward(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    if (rowProductApplies(x, weight, bias)) return fusedRowProduct(x, weight, bias);
    const std::int64_t in = weight.size(1);
    if (!x.is_cpu() || at::GradMode::is_enabled() || x.numel() == 0 || x.size(-1) != in)
        return at::linear(x, weight, bias);
    std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = weight.size(0);
    if (x.numel() == in) {
        // One row (a decode step): BLAS gemv streams the weights 3-4x faster than gemm with M = 1,
        // which packs the whole weight matrix first.
        at::Tensor y = bias.defined() ? at::addmv(bias, weight, x.reshape({-1})) : at::mv(weight, x.reshape({-1}));
        return y.view(shape);
    }
    const bool f32 = x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat && weight.is_cpu() &&
                     (!bias.defined() || bias.scalar_type() == at::kFloat);
    // A prompt's rows, or a few beams: the project's product reads the weights once and was faster than BLAS
    // (a 71-token prefill of the real configuration: 1.75-1.88 s against 1.88-2.70 s); with the vision
    // tower's 257 rows BLAS was as fast alone and faster in the tower.
    if (f32 && x.numel() <= kF32ProductMaxRows * in && prefillProductApplies(in, weight.size(0))) {
        const at::Tensor x2d = x.reshape({-1, in}).contiguous(), w = weight.contiguous();
        const at::Tensor b = bias.defined() ? bias.contiguous() : bias;
        at::Tensor y = at::empty({x2d.size(0), weight.size(0)}, x.options());
        f32PrefillProduct(x2d.data_ptr<float>(), x2d.size(0), in, w.data_ptr<float>(),
                          b.defined() ? b.data_ptr<float>() : nullptr, y.data_ptr<float>(), weight.size(0));
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

NormedProduct normThenLinear(LayerNormImpl& norm, const at::Tensor& x, const at::Tensor& delta, LinearImpl& linear) {
    if (linear.plain() && normedRowProductApplies(x, delta, norm.weight, norm.bias, linear.weight, linear.bias, false))
        return fusedNormedRowProduct(x, delta, norm.weight, norm.bias, norm.eps, linear.weight, linear.bias, false);
    NormedSum in = norm.addForward(x, delta);
    return {in.sum, linear.forward(in.normed)};
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
