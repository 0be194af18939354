#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include "model/engine/attention.h"
#include "model/engine/config.h"
#include "model/engine/layers.h"

namespace kosmos {

struct KvCache;

// Kosmos2TextFFN (MAGNETO: layer norm between the activation and fc2)
class Kosmos2TextFFNImpl : public torch::nn::Module {
public:
    Kosmos2TextFFNImpl(const TextConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x);
    // forward(norm(residual + delta)) (delta may be undefined), with the norms inside the products where one
    // kernel can do both. Returns residual + delta and the FFN's output.
    NormedProduct forwardAfterNorm(LayerNormImpl& norm, const at::Tensor& residual, const at::Tensor& delta);
    Linear fc1{nullptr}, fc2{nullptr};
    LayerNorm ffn_layernorm{nullptr};
    std::string act;
    double dropout = 0;
};
TORCH_MODULE(Kosmos2TextFFN);

// Kosmos2TextBlock
class Kosmos2TextBlockImpl : public torch::nn::Module {
public:
    Kosmos2TextBlockImpl(const TextConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, KvCache* cache, int layerIndex);
    // The same with the residual stream kept as `residual` + `delta` in and out (delta undefined before the
    // first block), so that each residual add happens inside the layer norm after it.
    std::pair<at::Tensor, at::Tensor> forwardResidual(const at::Tensor& residual, const at::Tensor& delta,
                                                      const at::Tensor& mask, KvCache* cache, int layerIndex);
    KosmosTextAttention self_attn{nullptr};
    LayerNorm self_attn_layer_norm{nullptr};
    Kosmos2TextFFN ffn{nullptr};
    LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(Kosmos2TextBlock);

// Kosmos2TextSinusoidalPositionalEmbedding: computed, never stored. Row `padding_idx` is zero.
at::Tensor sinusoidalPositions(const at::Tensor& positionIds, std::int64_t embedDim, std::int64_t paddingIdx,
                               const at::TensorOptions& options);

// position ids as transformers' create_position_ids_from_input_ids: pads get padding_idx, real tokens
// count from padding_idx + 1, continuing after `pastLength` real tokens (per row).
at::Tensor positionIdsFromInputIds(const at::Tensor& inputIds, std::int64_t paddingIdx, const at::Tensor& pastRealTokens);

// Kosmos2TextTransformer
class Kosmos2TextTransformerImpl : public torch::nn::Module {
public:
    Kosmos2TextTransformerImpl(const TextConfig& config, const at::TensorOptions& options);
    // ids [B,n]; positions [B,n]; imageEmbeds [B,k,D] with imageMask [B,n] (bool) marking where they go, or
    // undefined; mask additive [B,1,n,T]. Returns the final hidden state (after layer_norm) [B,n,D].
    at::Tensor forward(const at::Tensor& inputIds, const at::Tensor& positionIds, const at::Tensor& imageEmbeds,
                       const at::Tensor& imageMask, const at::Tensor& mask, KvCache* cache);

    Weight embed_tokens{nullptr};
    torch::nn::ModuleList layers;
    std::vector<Kosmos2TextBlock> layerList;
    LayerNorm layer_norm{nullptr};
    TextConfig config;
    double dropout = 0;
};
TORCH_MODULE(Kosmos2TextTransformer);

// Kosmos2TextForCausalLM
class Kosmos2TextForCausalLMImpl : public torch::nn::Module {
public:
    Kosmos2TextForCausalLMImpl(const TextConfig& config, const at::TensorOptions& options);
    at::Tensor logits(const at::Tensor& hidden) {
        return lmHeadInt8.values.defined() ? int8Linear(hidden, lmHeadInt8) : linearForward(hidden, lm_head->weight);
    }

    Kosmos2TextTransformer model{nullptr};
    Weight lm_head{nullptr};   // tied to model.embed_tokens.weight unless the checkpoint has its own
    Int8Rows lmHeadInt8;       // engine dtype "int8" (quantizeDecoderInt8)
};
TORCH_MODULE(Kosmos2TextForCausalLM);

} // namespace kosmos
