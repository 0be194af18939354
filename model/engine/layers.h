#pragma once
// Building blocks with transformers' parameter names (weight / bias), created uninitialised:
// the loader fills them from the checkpoint, init_weights.cpp for new models.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "model/engine/fused_ops.h"
#include "model/engine/int8_weights.h"

namespace kosmos {

// nn.Linear
class LinearImpl : public torch::nn::Module {
public:
    LinearImpl(std::int64_t in, std::int64_t out, bool withBias, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x);
    // Neither an adapter nor int8 rows: forward is linearForward(x, weight, bias).
    bool plain() const { return !loraA.defined() && !int8.values.defined(); }

    at::Tensor weight;   // [out, in]
    at::Tensor bias;     // [out] or undefined
    // Optional low-rank adapter (LoRA): y += scale * B(A(dropout(x))). Set by training/lora.
    at::Tensor loraA;    // [r, in]
    at::Tensor loraB;    // [out, r]
    double loraScale = 0;
    double loraDropout = 0;
    // Set by quantizeDecoderInt8 (engine dtype "int8"): forward reads these instead of `weight`.
    Int8Rows int8;
};
TORCH_MODULE(Linear);

// nn.LayerNorm
class LayerNormImpl : public torch::nn::Module {
public:
    LayerNormImpl(std::int64_t dim, double eps, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x);
    // The norm of x + delta (delta may be undefined) and that sum, in one kernel where fused_ops.h applies.
    NormedSum addForward(const at::Tensor& x, const at::Tensor& delta);

    at::Tensor weight;
    at::Tensor bias;
    double eps;
};
TORCH_MODULE(LayerNorm);

// nn.Embedding / nn.Conv2d (bias-free) hold just a weight.
class WeightImpl : public torch::nn::Module {
public:
    WeightImpl(at::IntArrayRef shape, const at::TensorOptions& options);
    at::Tensor weight;
};
TORCH_MODULE(Weight);

// x W^T + b, through gemv when x is a single row on the CPU and the row-product kernel for a few rows on CUDA
// (inference only).
at::Tensor linearForward(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});

// linear(norm(x + delta)) (delta may be undefined) and the sum x + delta: one kernel for a decode step's rows
// where fused_ops.h's normed row product applies, norm.addForward and linear.forward otherwise.
NormedProduct normThenLinear(LayerNormImpl& norm, const at::Tensor& x, const at::Tensor& delta, LinearImpl& linear);

at::Tensor quickGelu(const at::Tensor& x);
at::Tensor activation(const std::string& name, const at::Tensor& x);

} // namespace kosmos
