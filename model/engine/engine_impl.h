#pragma once
// The LibTorch implementation of kosmos::Engine (engine.h), with the tensor-level entry points that
// `kosmos2 dump`, the bench and the trainer use.
#include <ATen/ATen.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "model/engine/config.h"
#include "model/engine/engine.h"
#include "model/engine/generation.h"
#include "model/engine/kosmos2_model.h"
#include "model/processor.h"
#include "model/tokenizer.h"

namespace kosmos {

PreprocessConfig loadPreprocessConfig(const std::string& modelDir, int imageSize);

class TorchEngine : public Engine {
public:
    TorchEngine(const std::string& modelDir, const LoadOptions& options, const ProgressCallback& progress);

    GenerationResult generate(const GenerationRequest& request, const TokenCallback& onToken,
                              const std::atomic<bool>* cancel) override;
    std::vector<GenerationResult> generateBatch(const std::vector<GenerationRequest>& requests,
                                                const std::atomic<bool>* cancel) override;
    const ModelSummary& summary() const override { return mSummary; }
    const Tokenizer& tokenizer() const override { return mTokenizer; }

    // Tensor-level API.
    at::Tensor pixelValues(const ImageU8& image) const;                       // [1,3,S,S] f32 on CPU
    ResolvedGenerationParams resolve(const GenerationParams& params) const;
    Kosmos2ForConditionalGeneration& model() { return mModel; }
    const KosmosConfig& config() const { return mConfig; }
    at::Device device() const { return mDevice; }
    at::ScalarType dtype() const { return mDtype; }
    const PreprocessConfig& preprocess() const { return mPreprocess; }

private:
    std::vector<GenerationResult> run(const std::vector<GenerationRequest>& requests, const TokenCallback& onToken,
                                      const std::atomic<bool>* cancel);
    std::function<void(std::int64_t, const std::vector<std::int64_t>&, at::Tensor&)> groundingConstraint(
        std::size_t promptLength) const;
    void attachBoxDetails(GenerationResult& result, const std::vector<std::int64_t>& fullIds, std::size_t promptLength,
                          const std::vector<float>& probabilities,
                          const std::vector<std::vector<float>>& distributions) const;

    std::string mDir;
    KosmosConfig mConfig;
    Tokenizer mTokenizer;
    PreprocessConfig mPreprocess;
    at::Device mDevice = at::kCPU;
    at::ScalarType mDtype = at::kFloat;
    Kosmos2ForConditionalGeneration mModel{nullptr};
    ModelSummary mSummary;
    // One generation at a time: on CUDA the model keeps its KV cache and recorded steps between them.
    std::mutex mRunMutex;
};

} // namespace kosmos
