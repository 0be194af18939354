#pragma once
// One forward pass with the language-model loss, as Kosmos2ForConditionalGeneration(labels=...) computes
// it: logits at position t predict the label at t + 1, cross-entropy averaged over labels != -100.
// Only the rows with a label go through lm_head (the 64 image slots and the prompt never do), which
// spares the [B, L, V] logits of the full sequence.
#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "model/engine/kosmos2_model.h"
#include "training/sequence_builder.h"

namespace kosmos::training {

struct TrainingBatch {
    at::Tensor pixelValues;     // [B, 3, S, S] f32
    at::Tensor inputIds;        // [B, L] right-padded with pad id
    at::Tensor attentionMask;   // [B, L]
    at::Tensor imageMask;       // [B, L]
    at::Tensor labels;          // [B, L], -100 where nothing is learnt
    std::int64_t rows() const { return inputIds.defined() ? inputIds.size(0) : 0; }
    TrainingBatch to(at::Device device) const;
};

// Right-pads the sequences (pad id, mask 0, label -100) and stacks the pixels (CHW floats of side `imageSize`).
TrainingBatch collateBatch(const std::vector<const TrainingSequence*>& sequences,
                           const std::vector<const std::vector<float>*>& pixels, int imageSize, std::int64_t padId);

struct ForwardOptions {
    bool visionTowerTrainable = true;   // false: the vision tower runs without autograd
    bool checkpointing = false;         // recompute vision layers and decoder blocks in backward
};

// Mean cross-entropy (f32 scalar). Throws kosmos::Error when the batch has no label to learn.
at::Tensor languageModelLoss(Kosmos2ForConditionalGeneration& model, const TrainingBatch& batch,
                             const ForwardOptions& options = {});

// The weight the logits use: embed_tokens' when lm_head is tied to it (one parameter, trained once), else lm_head's.
const at::Tensor& outputEmbedding(Kosmos2ForConditionalGeneration& model);

// Keeps embed_tokens' padding row as it was loaded. Padding is never a label, yet the tied lm_head gives
// that row gradients (and weight decay shrinks it); transformers zeroes it when it loads a checkpoint, so a
// trained row would make transformers' logits differ from ours. Call beforeClip() after backward and
// afterStep() after each optimizer step.
class PaddingEmbeddingGuard {
public:
    PaddingEmbeddingGuard(Kosmos2ForConditionalGeneration& model, std::int64_t padTokenId);
    void beforeClip();
    void afterStep();

private:
    at::Tensor mWeight, mRow;
    std::int64_t mPad;
};

// Runs `block` on `input` without keeping its activations; backward runs it again with autograd
// (the RNG state of the forward is restored first, so dropout draws the same masks).
at::Tensor checkpointed(const std::function<at::Tensor(const at::Tensor&)>& block, const at::Tensor& input);

// CUDA autocast to `dtype` (bf16) for the scope's lifetime; `enable` false does nothing.
class AutocastScope {
public:
    AutocastScope(bool enable, at::ScalarType dtype = at::kBFloat16);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;
    static bool active();                    // CUDA autocast enabled on this thread
    static at::ScalarType dtype();

private:
    bool mEnabled = false;
    bool mPrevious = false;
    at::ScalarType mPreviousDtype = at::kBFloat16;
};

} // namespace kosmos::training
