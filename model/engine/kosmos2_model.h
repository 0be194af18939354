#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "model/engine/config.h"
#include "model/engine/text_model.h"
#include "model/engine/vision_graph.h"
#include "model/engine/vision_model.h"

#include <memory>

namespace kosmos {

class DecoderKeeper;

// Kosmos2ImageToTextProjection: 64 latent queries attend over [dense(features); latent queries].
class Kosmos2ImageToTextProjectionImpl : public torch::nn::Module {
public:
    Kosmos2ImageToTextProjectionImpl(const KosmosConfig& config, const at::TensorOptions& options);
    at::Tensor forward(const at::Tensor& features);   // [B, 257, Dv] -> [B, 64, Dt]

    Linear dense{nullptr};
    at::Tensor latent_query;
    KosmosTextAttention x_attn{nullptr};
};
TORCH_MODULE(Kosmos2ImageToTextProjection);

// Kosmos2ForConditionalGeneration
class Kosmos2ForConditionalGenerationImpl : public torch::nn::Module {
public:
    Kosmos2ForConditionalGenerationImpl(const KosmosConfig& config, const at::TensorOptions& options);

    // pixel_values [B,3,H,W] -> image embeds [B, 64, Dt]. `features` receives the L2-normalised
    // post_layernorm output when non-null.
    at::Tensor imageEmbeds(const at::Tensor& pixelValues, at::Tensor* features = nullptr);

    // Inference models on CUDA: imageEmbeds replays a CUDA graph per input shape, and generation keeps its KV
    // cache and decode graph for the next one of the same shape (graph_decoder.h). Not for a model whose
    // parameters will be replaced: the graphs keep their addresses. KOSMOS_NO_KEPT_DECODER=1 keeps no decoder.
    void keepCudaGraphs();
    DecoderKeeper* decoderKeeper() const { return mDecoderKeeper.get(); }   // null unless keepCudaGraphs()

    Kosmos2VisionModel vision_model{nullptr};
    Kosmos2TextForCausalLM text_model{nullptr};
    Kosmos2ImageToTextProjection image_to_text_projection{nullptr};
    KosmosConfig config;

private:
    at::Tensor computeImageEmbeds(const at::Tensor& pixelValues, at::Tensor* features);
    bool mUseVisionGraphs = false;
    std::shared_ptr<VisionGraphs> mVisionGraphs = std::make_shared<VisionGraphs>();
    std::shared_ptr<DecoderKeeper> mDecoderKeeper;
};
TORCH_MODULE(Kosmos2ForConditionalGeneration);

// Additive attention mask [B,1,n,past+n]: causal over the new positions, and `keyMask` [B,past+n]
// (1 = real token, 0 = padding) over all keys. Masked entries hold the dtype's lowest value (not -inf,
// so fully masked padding rows stay finite).
at::Tensor buildAttentionMask(const at::Tensor& keyMask, std::int64_t newTokens, at::ScalarType dtype);

} // namespace kosmos
