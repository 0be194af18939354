#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "model/engine/layers.h"

namespace kosmos {

struct KvCache;

// softmax(q k^T + mask) v for q already scaled; mask is additive ([B,1,n,T]), boolean (true = attend) or undefined.
at::Tensor scaledAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask);

// Kosmos2VisionAttention (CLIP attention: q, k, v, out projections with biases, no mask).
class Kosmos2VisionAttentionImpl : public torch::nn::Module {
public:
    Kosmos2VisionAttentionImpl(int embedDim, int heads, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x);

    Linear k_proj{nullptr}, v_proj{nullptr}, q_proj{nullptr}, out_proj{nullptr};
    int heads;
};
TORCH_MODULE(Kosmos2VisionAttention);

// KosmosTextAttention: multi-head attention with an optional MAGNETO inner layer norm before out_proj.
// Self-attention (keys from x, optionally appended to a KV cache) or attention over `keyValue`.
class KosmosTextAttentionImpl : public torch::nn::Module {
public:
    KosmosTextAttentionImpl(int embedDim, int heads, bool innerLayerNorm, double eps, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& keyValue, const at::Tensor& mask, KvCache* cache,
                       int layerIndex);
    // Self-attention of norm(residual + delta) (delta may be undefined), with the norm inside the q/k/v
    // product where one kernel can do both (normThenLinear). Returns residual + delta and the attention's output.
    NormedProduct forwardAfterNorm(LayerNormImpl& norm, const at::Tensor& residual, const at::Tensor& delta,
                                   const at::Tensor& mask, KvCache* cache, int layerIndex);

    // Inference: moves q, k and v weights into one [3E, E] matrix (the three parameters become views of it,
    // so memory stays the same) and computes the three projections as one matrix product.
    void fuseProjections();

    // Engine dtype "int8": the q, k and v weights as one int8 matrix (each projection's int8 rows and bias are
    // views of it), computed as one product; out_proj on its own. The f32 weights are released.
    void quantizeInt8();

    Linear k_proj{nullptr}, v_proj{nullptr}, q_proj{nullptr}, out_proj{nullptr};
    LayerNorm inner_attn_ln{nullptr};
    int heads;
    at::Tensor qkvWeight, qkvBias;   // set by fuseProjections (qkvBias also by quantizeInt8)
    Int8Rows qkvInt8;                // set by quantizeInt8

private:
    bool projectionsFused() const;   // q, k and v as one product (fuseProjections or quantizeInt8, no adapter)
    // Attention given either x or the fused q/k/v rows `qkv` [B, n, 3E] (then x may be undefined).
    at::Tensor attend(const at::Tensor& x, const at::Tensor& keyValue, const at::Tensor& qkv, const at::Tensor& mask,
                      KvCache* cache, int layerIndex);
    at::Tensor project(const at::Tensor& attended);   // inner_attn_ln (where there is one), then out_proj
};
TORCH_MODULE(KosmosTextAttention);

} // namespace kosmos
