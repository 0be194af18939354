#include "model/engine/kosmos2_model.h"

#include <cstdlib>
#include <limits>

#include "model/engine/graph_decoder.h"

namespace kosmos {

Kosmos2ImageToTextProjectionImpl::Kosmos2ImageToTextProjectionImpl(const KosmosConfig& c, const at::TensorOptions& o) {
    dense = register_module("dense", Linear(c.vision.hiddenSize, c.text.embedDim, true, o));
    latent_query = register_parameter("latent_query", at::empty({c.latentQueryNum, c.text.embedDim}, o));
    x_attn = register_module("x_attn",
                             KosmosTextAttention(c.text.embedDim, c.text.attentionHeads, false, c.text.layerNormEps, o));
}

at::Tensor Kosmos2ImageToTextProjectionImpl::forward(const at::Tensor& features) {
    at::Tensor h = dense(features);
    at::Tensor queries = latent_query.unsqueeze(0).expand({h.size(0), latent_query.size(0), latent_query.size(1)});
    at::Tensor keyValue = at::cat({h, queries}, 1);
    return x_attn(queries, keyValue, at::Tensor(), nullptr, 0);
}

Kosmos2ForConditionalGenerationImpl::Kosmos2ForConditionalGenerationImpl(const KosmosConfig& c,
                                                                         const at::TensorOptions& o)
    : config(c) {
    vision_model = register_module("vision_model", Kosmos2VisionModel(c.vision, o));
    text_model = register_module("text_model", Kosmos2TextForCausalLM(c.text, o));
    image_to_text_projection = register_module("image_to_text_projection", Kosmos2ImageToTextProjection(c, o));
}

void Kosmos2ForConditionalGenerationImpl::keepCudaGraphs() {
    mUseVisionGraphs = true;
    if (!mDecoderKeeper && !std::getenv("KOSMOS_NO_KEPT_DECODER")) mDecoderKeeper = std::make_shared<DecoderKeeper>();
}

at::Tensor Kosmos2ForConditionalGenerationImpl::imageEmbeds(const at::Tensor& pixelValues, at::Tensor* features) {
    if (!mUseVisionGraphs || features || is_training() || !VisionGraphs::usable(pixelValues))
        return computeImageEmbeds(pixelValues, features);
    return mVisionGraphs->run([this](const at::Tensor& pixels) { return computeImageEmbeds(pixels, nullptr); },
                              pixelValues);
}

at::Tensor Kosmos2ForConditionalGenerationImpl::computeImageEmbeds(const at::Tensor& pixelValues, at::Tensor* features) {
    auto& vision = vision_model->model;
    at::Tensor h = vision->post_layernorm(vision(pixelValues));
    h = h / h.norm(2, -1, true).clamp_min(1e-12);   // nn.functional.normalize(dim=-1)
    if (features) *features = h;
    return image_to_text_projection(h);
}

at::Tensor buildAttentionMask(const at::Tensor& keyMask, std::int64_t n, at::ScalarType dtype) {
    const std::int64_t total = keyMask.size(1);
    const std::int64_t past = total - n;
    auto opts = at::TensorOptions().device(keyMask.device());
    // causal: query i (absolute past + i) sees keys j <= past + i
    at::Tensor q = at::arange(past, total, opts.dtype(at::kLong)).view({n, 1});
    at::Tensor k = at::arange(total, opts.dtype(at::kLong)).view({1, total});
    at::Tensor allowed = k.le(q).unsqueeze(0) & keyMask.to(at::kBool).unsqueeze(1);   // [B, n, total]
    const double lowest = dtype == at::kHalf ? -65504.0
                          : dtype == at::kBFloat16 ? -3.3895313892515355e38
                                                   : static_cast<double>(std::numeric_limits<float>::lowest());
    at::Tensor mask = at::zeros({keyMask.size(0), n, total}, opts.dtype(dtype));
    mask.masked_fill_(allowed.logical_not(), lowest);
    return mask.unsqueeze(1);
}

} // namespace kosmos
