#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include "model/engine/attention.h"
#include "model/engine/config.h"
#include "model/engine/layers.h"

namespace kosmos {

// Kosmos2VisionEmbeddings
class Kosmos2VisionEmbeddingsImpl : public torch::nn::Module {
public:
    Kosmos2VisionEmbeddingsImpl(const VisionConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& pixelValues);

    at::Tensor class_embedding;
    Weight patch_embedding{nullptr};      // Conv2d(3, D, patch, stride=patch, bias=False)
    Weight position_embedding{nullptr};   // Embedding(patches + 1, D)
    int patchSize;
};
TORCH_MODULE(Kosmos2VisionEmbeddings);

// Kosmos2VisionMLP
class Kosmos2VisionMLPImpl : public torch::nn::Module {
public:
    Kosmos2VisionMLPImpl(const VisionConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x);
    Linear fc1{nullptr}, fc2{nullptr};
    std::string act;
};
TORCH_MODULE(Kosmos2VisionMLP);

// Kosmos2VisionEncoderLayer (pre-LN CLIP block)
class Kosmos2VisionEncoderLayerImpl : public torch::nn::Module {
public:
    Kosmos2VisionEncoderLayerImpl(const VisionConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& x);
    // The same with the residual stream as `residual` + `delta` in and out (as the text block's).
    std::pair<at::Tensor, at::Tensor> forwardResidual(const at::Tensor& residual, const at::Tensor& delta);
    Kosmos2VisionAttention self_attn{nullptr};
    LayerNorm layer_norm1{nullptr};
    Kosmos2VisionMLP mlp{nullptr};
    LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(Kosmos2VisionEncoderLayer);

// Kosmos2VisionEncoder
class Kosmos2VisionEncoderImpl : public torch::nn::Module {
public:
    Kosmos2VisionEncoderImpl(const VisionConfig& config, const at::TensorOptions& options);
    torch::nn::ModuleList layers;
    std::vector<Kosmos2VisionEncoderLayer> layerList;
};
TORCH_MODULE(Kosmos2VisionEncoder);

// Kosmos2VisionTransformer
class Kosmos2VisionTransformerImpl : public torch::nn::Module {
public:
    Kosmos2VisionTransformerImpl(const VisionConfig& config, const at::TensorOptions& options);
    // Returns the last hidden state [B, patches + 1, D] (before post_layernorm).
    at::Tensor forward(const at::Tensor& pixelValues, bool checkpointLayers = false);

    Kosmos2VisionEmbeddings embeddings{nullptr};
    LayerNorm pre_layrnorm{nullptr};      // sic, as in the checkpoint
    Kosmos2VisionEncoder encoder{nullptr};
    LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(Kosmos2VisionTransformer);

// Kosmos2VisionModel
class Kosmos2VisionModelImpl : public torch::nn::Module {
public:
    Kosmos2VisionModelImpl(const VisionConfig& config, const at::TensorOptions& options);
    Kosmos2VisionTransformer model{nullptr};
};
TORCH_MODULE(Kosmos2VisionModel);

} // namespace kosmos
