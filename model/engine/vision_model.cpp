#include "model/engine/vision_model.h"

#include <tuple>

namespace kosmos {

Kosmos2VisionEmbeddingsImpl::Kosmos2VisionEmbeddingsImpl(const VisionConfig& c, const at::TensorOptions& o)
    : patchSize(c.patchSize) {
    class_embedding = register_parameter("class_embedding", at::empty({c.hiddenSize}, o));
    patch_embedding = register_module(
        "patch_embedding", Weight(at::IntArrayRef{c.hiddenSize, c.numChannels, c.patchSize, c.patchSize}, o));
    position_embedding =
        register_module("position_embedding", Weight(at::IntArrayRef{c.numPatches() + 1, c.hiddenSize}, o));
}

at::Tensor Kosmos2VisionEmbeddingsImpl::forward(const at::Tensor& pixelValues) {
    const auto& weight = patch_embedding->weight;
    at::Tensor patches = at::conv2d(pixelValues.to(weight.scalar_type()), weight, {}, {patchSize, patchSize});
    patches = patches.flatten(2).transpose(1, 2);                        // [B, P, D]
    at::Tensor cls = class_embedding.view({1, 1, -1}).expand({patches.size(0), 1, patches.size(2)});
    return at::cat({cls, patches}, 1) + position_embedding->weight.unsqueeze(0);
}

Kosmos2VisionMLPImpl::Kosmos2VisionMLPImpl(const VisionConfig& c, const at::TensorOptions& o) : act(c.hiddenAct) {
    fc1 = register_module("fc1", Linear(c.hiddenSize, c.intermediateSize, true, o));
    fc2 = register_module("fc2", Linear(c.intermediateSize, c.hiddenSize, true, o));
}

at::Tensor Kosmos2VisionMLPImpl::forward(const at::Tensor& x) { return fc2(activation(act, fc1(x))); }

Kosmos2VisionEncoderLayerImpl::Kosmos2VisionEncoderLayerImpl(const VisionConfig& c, const at::TensorOptions& o) {
    self_attn = register_module("self_attn", Kosmos2VisionAttention(c.hiddenSize, c.numAttentionHeads, o));
    layer_norm1 = register_module("layer_norm1", LayerNorm(c.hiddenSize, c.layerNormEps, o));
    mlp = register_module("mlp", Kosmos2VisionMLP(c, o));
    layer_norm2 = register_module("layer_norm2", LayerNorm(c.hiddenSize, c.layerNormEps, o));
}

at::Tensor Kosmos2VisionEncoderLayerImpl::forward(const at::Tensor& x) {
    auto [residual, delta] = forwardResidual(x, at::Tensor());
    return residual + delta;
}

std::pair<at::Tensor, at::Tensor> Kosmos2VisionEncoderLayerImpl::forwardResidual(const at::Tensor& residual,
                                                                                 const at::Tensor& delta) {
    NormedSum in = layer_norm1->addForward(residual, delta);
    NormedSum mid = layer_norm2->addForward(in.sum, self_attn(in.normed));
    return {mid.sum, mlp(mid.normed)};
}

Kosmos2VisionEncoderImpl::Kosmos2VisionEncoderImpl(const VisionConfig& c, const at::TensorOptions& o) {
    for (int i = 0; i < c.numHiddenLayers; ++i) {
        layerList.push_back(Kosmos2VisionEncoderLayer(c, o));
        layers->push_back(layerList.back());
    }
    layers = register_module("layers", layers);
}

Kosmos2VisionTransformerImpl::Kosmos2VisionTransformerImpl(const VisionConfig& c, const at::TensorOptions& o) {
    embeddings = register_module("embeddings", Kosmos2VisionEmbeddings(c, o));
    pre_layrnorm = register_module("pre_layrnorm", LayerNorm(c.hiddenSize, c.layerNormEps, o));
    encoder = register_module("encoder", Kosmos2VisionEncoder(c, o));
    post_layernorm = register_module("post_layernorm", LayerNorm(c.hiddenSize, c.layerNormEps, o));
}

at::Tensor Kosmos2VisionTransformerImpl::forward(const at::Tensor& pixelValues, bool) {
    at::Tensor h = pre_layrnorm(embeddings(pixelValues)), delta;
    for (auto& layer : encoder->layerList) std::tie(h, delta) = layer->forwardResidual(h, delta);
    return delta.defined() ? h + delta : h;
}

Kosmos2VisionModelImpl::Kosmos2VisionModelImpl(const VisionConfig& c, const at::TensorOptions& o) {
    model = register_module("model", Kosmos2VisionTransformer(c, o));
}

} // namespace kosmos
