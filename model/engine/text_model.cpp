#include "model/engine/text_model.h"

#include <cmath>
#include <tuple>

#include "model/engine/kv_cache.h"

namespace kosmos {

Kosmos2TextFFNImpl::Kosmos2TextFFNImpl(const TextConfig& c, const at::TensorOptions& o) : act(c.activationFunction) {
    fc1 = register_module("fc1", Linear(c.embedDim, c.ffnDim, true, o));
    fc2 = register_module("fc2", Linear(c.ffnDim, c.embedDim, true, o));
    ffn_layernorm = register_module("ffn_layernorm", LayerNorm(c.ffnDim, c.layerNormEps, o));
}

at::Tensor Kosmos2TextFFNImpl::forward(const at::Tensor& x) {
    at::Tensor h = fc1(x);
    // activation() is gelu's erf form for every name but quick_gelu.
    if (act != "quick_gelu" && !(dropout > 0 && is_training()))
        return fc2(fusedGeluLayerNorm(h, ffn_layernorm->weight, ffn_layernorm->bias, ffn_layernorm->eps));
    h = activation(act, h);
    if (dropout > 0 && is_training()) h = at::dropout(h, dropout, true);
    return fc2(ffn_layernorm(h));
}

NormedProduct Kosmos2TextFFNImpl::forwardAfterNorm(LayerNormImpl& norm, const at::Tensor& residual,
                                                  const at::Tensor& delta) {
    if (act != "quick_gelu" && !is_training() && fc1->plain() &&
        normedRowProductApplies(residual, delta, norm.weight, norm.bias, fc1->weight, fc1->bias, true)) {
        // gelu(fc1(norm(residual + delta))) in one launch; ffn_layernorm then goes into fc2's.
        NormedProduct h = fusedNormedRowProduct(residual, delta, norm.weight, norm.bias, norm.eps, fc1->weight,
                                                fc1->bias, true);
        return {h.sum, normThenLinear(*ffn_layernorm, h.y, at::Tensor(), *fc2).y};
    }
    NormedSum in = norm.addForward(residual, delta);
    return {in.sum, forward(in.normed)};
}

Kosmos2TextBlockImpl::Kosmos2TextBlockImpl(const TextConfig& c, const at::TensorOptions& o) {
    self_attn = register_module("self_attn", KosmosTextAttention(c.embedDim, c.attentionHeads, true, c.layerNormEps, o));
    self_attn_layer_norm = register_module("self_attn_layer_norm", LayerNorm(c.embedDim, c.layerNormEps, o));
    ffn = register_module("ffn", Kosmos2TextFFN(c, o));
    final_layer_norm = register_module("final_layer_norm", LayerNorm(c.embedDim, c.layerNormEps, o));
}

at::Tensor Kosmos2TextBlockImpl::forward(const at::Tensor& x, const at::Tensor& mask, KvCache* cache, int layerIndex) {
    auto [residual, delta] = forwardResidual(x, at::Tensor(), mask, cache, layerIndex);
    return residual + delta;
}

std::pair<at::Tensor, at::Tensor> Kosmos2TextBlockImpl::forwardResidual(const at::Tensor& residual,
                                                                        const at::Tensor& delta, const at::Tensor& mask,
                                                                        KvCache* cache, int layerIndex) {
    NormedProduct attended =
        self_attn->forwardAfterNorm(*self_attn_layer_norm, residual, delta, mask, cache, layerIndex);
    NormedProduct out = ffn->forwardAfterNorm(*final_layer_norm, attended.sum, attended.y);
    return {out.sum, out.y};
}

at::Tensor sinusoidalPositions(const at::Tensor& positionIds, std::int64_t embedDim, std::int64_t paddingIdx,
                               const at::TensorOptions& options) {
    // Same float32 arithmetic as transformers' get_embedding, evaluated only at the rows needed.
    const std::int64_t half = embedDim / 2;
    const double step = std::log(10000.0) / static_cast<double>(half - 1);
    auto f32 = at::TensorOptions().dtype(at::kFloat).device(positionIds.device());
    at::Tensor freq = at::exp(at::arange(half, f32) * static_cast<float>(-step));
    at::Tensor angles = positionIds.to(at::kFloat).unsqueeze(-1) * freq;      // [B, n, half]
    at::Tensor table = at::cat({at::sin(angles), at::cos(angles)}, -1);
    table = table.masked_fill(positionIds.eq(paddingIdx).unsqueeze(-1), 0.0);
    return table.to(options.dtype());
}

at::Tensor positionIdsFromInputIds(const at::Tensor& inputIds, std::int64_t paddingIdx, const at::Tensor& pastRealTokens) {
    at::Tensor real = inputIds.ne(paddingIdx).to(at::kLong);
    at::Tensor count = at::cumsum(real, 1);
    if (pastRealTokens.defined()) count = count + pastRealTokens.view({-1, 1});
    return count * real + paddingIdx;
}

Kosmos2TextTransformerImpl::Kosmos2TextTransformerImpl(const TextConfig& c, const at::TensorOptions& o) : config(c) {
    embed_tokens = register_module("embed_tokens", Weight(at::IntArrayRef{c.vocabSize, c.embedDim}, o));
    for (int i = 0; i < c.layers; ++i) {
        layerList.push_back(Kosmos2TextBlock(c, o));
        layers->push_back(layerList.back());
    }
    layers = register_module("layers", layers);
    layer_norm = register_module("layer_norm", LayerNorm(c.embedDim, c.layerNormEps, o));
}

at::Tensor Kosmos2TextTransformerImpl::forward(const at::Tensor& inputIds, const at::Tensor& positionIds,
                                               const at::Tensor& imageEmbeds, const at::Tensor& imageMask,
                                               const at::Tensor& mask, KvCache* cache) {
    const at::Tensor& table = embed_tokens->weight;
    at::Tensor h = at::embedding(table, inputIds, config.padTokenId);
    if (imageEmbeds.defined() && imageMask.defined()) {
        // Image embeddings replace the slot tokens before scaling, so they are scaled too (as transformers).
        at::Tensor slots = imageMask.to(at::kBool).unsqueeze(-1).expand_as(h);
        h = h.masked_scatter(slots, imageEmbeds.to(h.scalar_type()).reshape({-1, h.size(-1)}));
    }
    if (config.scaleEmbedding) h = h * std::sqrt(static_cast<double>(config.embedDim));
    h = h + sinusoidalPositions(positionIds, config.embedDim, config.padTokenId, h.options());
    if (dropout > 0 && is_training()) h = at::dropout(h, dropout, true);
    at::Tensor delta;
    for (std::size_t i = 0; i < layerList.size(); ++i)
        std::tie(h, delta) = layerList[i]->forwardResidual(h, delta, mask, cache, static_cast<int>(i));
    return layer_norm->addForward(h, delta).normed;
}

Kosmos2TextForCausalLMImpl::Kosmos2TextForCausalLMImpl(const TextConfig& c, const at::TensorOptions& o) {
    model = register_module("model", Kosmos2TextTransformer(c, o));
    lm_head = register_module("lm_head", Weight(at::IntArrayRef{c.vocabSize, c.embedDim}, o));
}

} // namespace kosmos
