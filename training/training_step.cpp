#include "training/training_step.h"

#include <ATen/core/grad_mode.h>

#include <cmath>
#include <optional>

#include "model/engine/text_model.h"
#include "model/error.h"

namespace kosmos::training {
namespace {

// The vision tower as Kosmos2ForConditionalGeneration.imageEmbeds runs it, up to the normalised features.
at::Tensor visionFeatures(Kosmos2ForConditionalGeneration& model, const at::Tensor& pixels, bool checkpointing) {
    auto& vision = model->vision_model->model;
    at::Tensor h;
    if (checkpointing) {
        h = vision->pre_layrnorm(vision->embeddings(pixels));
        for (auto& layer : vision->encoder->layerList)
            h = checkpointed([layer](const at::Tensor& x) mutable { return layer(x); }, h);
    } else {
        h = vision(pixels);
    }
    h = vision->post_layernorm(h);
    return h / h.norm(2, -1, true).clamp_min(1e-12);
}

// Kosmos2TextTransformer.forward with each block recomputed in backward.
at::Tensor checkpointedText(Kosmos2TextTransformerImpl& text, const at::Tensor& ids, const at::Tensor& positions,
                            const at::Tensor& imageEmbeds, const at::Tensor& imageMask, const at::Tensor& mask) {
    const TextConfig& config = text.config;
    at::Tensor h = at::embedding(text.embed_tokens->weight, ids, config.padTokenId);
    at::Tensor slots = imageMask.to(at::kBool).unsqueeze(-1).expand_as(h);
    h = h.masked_scatter(slots, imageEmbeds.to(h.scalar_type()).reshape({-1, h.size(-1)}));
    if (config.scaleEmbedding) h = h * std::sqrt(static_cast<double>(config.embedDim));
    h = h + sinusoidalPositions(positions, config.embedDim, config.padTokenId, h.options());
    if (text.dropout > 0 && text.is_training()) h = at::dropout(h, text.dropout, true);
    for (std::size_t i = 0; i < text.layerList.size(); ++i) {
        auto block = text.layerList[i];
        const int index = static_cast<int>(i);
        h = checkpointed([block, mask, index](const at::Tensor& x) mutable { return block(x, mask, nullptr, index); }, h);
    }
    return text.layer_norm(h);
}

} // namespace

TrainingBatch TrainingBatch::to(at::Device device) const {
    TrainingBatch out;
    out.pixelValues = pixelValues.to(device);
    out.inputIds = inputIds.to(device);
    out.attentionMask = attentionMask.to(device);
    out.imageMask = imageMask.to(device);
    out.labels = labels.to(device);
    return out;
}

TrainingBatch collateBatch(const std::vector<const TrainingSequence*>& sequences,
                           const std::vector<const std::vector<float>*>& pixels, int imageSize, std::int64_t padId) {
    if (sequences.empty() || sequences.size() != pixels.size()) throw Error("collateBatch: no rows, or rows without pixels");
    const std::int64_t rows = static_cast<std::int64_t>(sequences.size());
    std::size_t longest = 0;
    for (const auto* s : sequences) longest = std::max(longest, s->inputIds.size());
    const std::int64_t length = static_cast<std::int64_t>(longest);
    auto i64 = at::TensorOptions().dtype(at::kLong);
    TrainingBatch batch;
    batch.inputIds = at::full({rows, length}, padId, i64);
    batch.attentionMask = at::zeros({rows, length}, i64);
    batch.imageMask = at::zeros({rows, length}, i64);
    batch.labels = at::full({rows, length}, kIgnoreLabel, i64);
    const std::int64_t pixelCount = 3LL * imageSize * imageSize;
    batch.pixelValues = at::empty({rows, 3, imageSize, imageSize}, at::TensorOptions().dtype(at::kFloat));
    for (std::int64_t r = 0; r < rows; ++r) {
        const TrainingSequence& s = *sequences[r];
        const std::int64_t n = static_cast<std::int64_t>(s.inputIds.size());
        std::copy(s.inputIds.begin(), s.inputIds.end(), batch.inputIds[r].data_ptr<std::int64_t>());
        std::copy(s.imageMask.begin(), s.imageMask.end(), batch.imageMask[r].data_ptr<std::int64_t>());
        std::copy(s.labels.begin(), s.labels.end(), batch.labels[r].data_ptr<std::int64_t>());
        batch.attentionMask[r].narrow(0, 0, n).fill_(1);
        if (static_cast<std::int64_t>(pixels[r]->size()) != pixelCount) throw Error("collateBatch: pixel row of the wrong size");
        std::copy(pixels[r]->begin(), pixels[r]->end(), batch.pixelValues[r].data_ptr<float>());
    }
    return batch;
}

const at::Tensor& outputEmbedding(Kosmos2ForConditionalGeneration& model) {
    const at::Tensor& head = model->text_model->lm_head->weight;
    const at::Tensor& embed = model->text_model->model->embed_tokens->weight;
    return head.data_ptr() == embed.data_ptr() ? embed : head;
}

at::Tensor languageModelLoss(Kosmos2ForConditionalGeneration& model, const TrainingBatch& batch,
                             const ForwardOptions& options) {
    const at::Tensor& weight = model->text_model->model->embed_tokens->weight;
    const at::Tensor pixels = batch.pixelValues.to(weight.device(), weight.scalar_type());
    at::Tensor features;
    {
        std::optional<at::NoGradGuard> frozen;
        if (!options.visionTowerTrainable) frozen.emplace();
        features = visionFeatures(model, pixels, options.checkpointing && options.visionTowerTrainable);
    }
    const at::Tensor imageEmbeds = model->image_to_text_projection(features);

    auto& text = model->text_model->model;
    const std::int64_t length = batch.inputIds.size(1);
    const at::Tensor positions = positionIdsFromInputIds(batch.inputIds, text->config.padTokenId, at::Tensor());
    const at::Tensor mask = buildAttentionMask(batch.attentionMask, length, weight.scalar_type());
    const at::Tensor hidden =
        options.checkpointing
            ? checkpointedText(*text, batch.inputIds, positions, imageEmbeds, batch.imageMask, mask)
            : text(batch.inputIds, positions, imageEmbeds, batch.imageMask, mask, nullptr);

    // Shift: the hidden state at t predicts the label at t + 1; only labelled rows reach lm_head.
    const at::Tensor targets = batch.labels.narrow(1, 1, length - 1).reshape({-1});
    const at::Tensor rows = targets.ne(kIgnoreLabel).nonzero().squeeze(1);
    if (rows.numel() == 0) throw Error("a training batch has no token to learn");
    const at::Tensor states = hidden.narrow(1, 0, length - 1).reshape({-1, hidden.size(-1)}).index_select(0, rows);
    const at::Tensor logits = at::linear(states, outputEmbedding(model));
    // f32 at least (autocast gives bf16 logits); double stays double for gradient checks.
    const at::Tensor scores = logits.scalar_type() == at::kDouble ? logits : logits.to(at::kFloat);
    return at::cross_entropy_loss(scores, targets.index_select(0, rows));
}

PaddingEmbeddingGuard::PaddingEmbeddingGuard(Kosmos2ForConditionalGeneration& model, std::int64_t padTokenId)
    : mWeight(model->text_model->model->embed_tokens->weight), mPad(padTokenId) {
    if (padTokenId < 0 || padTokenId >= mWeight.size(0) || !mWeight.requires_grad()) return;
    at::NoGradGuard noGrad;
    mRow = mWeight[padTokenId].clone();
}

void PaddingEmbeddingGuard::beforeClip() {
    if (!mRow.defined() || !mWeight.grad().defined()) return;
    at::NoGradGuard noGrad;
    mWeight.grad()[mPad].zero_();
}

void PaddingEmbeddingGuard::afterStep() {
    if (!mRow.defined()) return;
    at::NoGradGuard noGrad;
    mWeight[mPad].copy_(mRow);
}

} // namespace kosmos::training
