#include "model/engine/engine_impl.h"

#include <cmath>

#include "model/engine/int8_weights.h"

#include <ATen/core/grad_mode.h>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "model/engine/kosmos2_loader.h"
#include "model/error.h"
#include "model/tokens.h"
#include "model/json_error.h"

namespace kosmos {
namespace {

int pick(int requested, int fallback) { return requested >= 0 ? requested : fallback; }
double pick(double requested, double fallback) { return requested >= 0 ? requested : fallback; }

} // namespace

PreprocessConfig loadPreprocessConfig(const std::string& modelDir, int imageSize) {
    PreprocessConfig config;
    config.size = imageSize;
    const std::string path = modelDir + "/preprocessor_config.json";
    std::ifstream in(path);
    if (!in) return config;
    std::stringstream buffer;
    buffer << in.rdbuf();
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(buffer.str());
        if (!root.is_object()) throw Error(path + ": must hold a JSON object");
        if (root.contains("image_mean") && root["image_mean"].is_array() && root["image_mean"].size() == 3)
            for (int c = 0; c < 3; ++c) config.mean[c] = root["image_mean"][c].get<float>();
        if (root.contains("image_std") && root["image_std"].is_array() && root["image_std"].size() == 3)
            for (int c = 0; c < 3; ++c) config.std[c] = root["image_std"][c].get<float>();
        if (root.contains("rescale_factor") && root["rescale_factor"].is_number())
            config.rescale = root["rescale_factor"].get<double>();
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": " + jsonErrorText(e));
    }
    for (int c = 0; c < 3; ++c)
        if (!(config.std[c] > 0)) throw Error(path + ": image_std must be positive");
    return config;
}

std::unique_ptr<Engine> Engine::load(const std::string& modelDir, const LoadOptions& options,
                                     const ProgressCallback& progress) {
    return std::make_unique<TorchEngine>(modelDir, options, progress);
}

TorchEngine::TorchEngine(const std::string& dir, const LoadOptions& options, const ProgressCallback& progress)
    : mDir(dir) {
    if (progress) progress(0.0, "reading configuration");
    mConfig = loadConfig(dir);
    mTokenizer = Tokenizer::load(dir);
    if (mTokenizer.vocabSize() != mConfig.text.vocabSize)
        throw Error(dir + ": the tokenizer has " + std::to_string(mTokenizer.vocabSize()) +
                    " tokens but config.json says vocab_size " + std::to_string(mConfig.text.vocabSize));
    mPreprocess = loadPreprocessConfig(dir, mConfig.vision.imageSize);
    mDevice = parseDevice(options.device);
    mDtype = parseDtype(options.dtype);
    CheckpointLoadOptions load;
    load.dtype = mDtype;
    load.device = mDevice;
    load.int8Weights = isInt8Dtype(options.dtype);
    if (progress) load.progress = [&](double f, const std::string& what) { progress(0.05 + 0.95 * f, what); };
    mModel = loadKosmos2(dir, load);
    prepareForCudaInference(mModel);

    mSummary.folder = dir;
    mSummary.device = mDevice.str();
    mSummary.dtype = options.dtype;
    mSummary.parameters = parameterCount(*mModel);
    mSummary.vocabSize = mConfig.text.vocabSize;
    mSummary.imageSize = mConfig.vision.imageSize;
    const GenerationDefaults& g = mConfig.generation;
    GenerationParams& d = mSummary.defaults;
    d.maxNewTokens = g.maxNewTokens;
    d.minNewTokens = g.minNewTokens;
    d.numBeams = g.numBeams;
    d.noRepeatNgramSize = g.noRepeatNgramSize;
    d.doSample = g.doSample ? 1 : 0;
    d.topP = g.topP;
    d.topK = g.topK;
    d.temperature = g.temperature;
    d.lengthPenalty = g.lengthPenalty;
    d.eosTokenIds = g.eosTokenIds;
    if (progress) progress(1.0, "ready");
}

at::Tensor TorchEngine::pixelValues(const ImageU8& image) const {
    std::vector<float> chw = preprocessImage(image, mPreprocess);
    const std::int64_t s = mPreprocess.size;
    return at::tensor(chw, at::TensorOptions().dtype(at::kFloat)).view({1, 3, s, s});
}

ResolvedGenerationParams TorchEngine::resolve(const GenerationParams& p) const {
    const GenerationDefaults& g = mConfig.generation;
    ResolvedGenerationParams r;
    // A checkpoint without max_new_tokens gets the model card's 128 (transformers' max_length 20 would
    // count the 70-token image prompt and leave nothing to generate).
    r.maxNewTokens = p.maxNewTokens >= 0 ? p.maxNewTokens : g.maxNewTokens > 0 ? g.maxNewTokens : 128;
    r.minNewTokens = pick(p.minNewTokens, g.minNewTokens);
    r.numBeams = pick(p.numBeams, g.numBeams);
    r.noRepeatNgramSize = pick(p.noRepeatNgramSize, g.noRepeatNgramSize);
    r.doSample = p.doSample >= 0 ? p.doSample == 1 : g.doSample;
    r.topP = pick(p.topP, g.topP);
    r.topK = pick(p.topK, g.topK);
    r.temperature = pick(p.temperature, g.temperature);
    r.lengthPenalty = pick(p.lengthPenalty, g.lengthPenalty);
    r.seed = p.seed;
    r.eosTokenIds = p.eosTokenIds.empty() ? g.eosTokenIds : p.eosTokenIds;
    r.padTokenId = g.padTokenId;
    if (r.numBeams < 1 || r.numBeams > 64) throw Error("num_beams must be in 1..64");
    if (!(r.temperature > 0) || !std::isfinite(r.temperature)) throw Error("temperature must be positive and finite");
    if (r.minNewTokens > r.maxNewTokens)
        throw Error("min_new_tokens (" + std::to_string(r.minNewTokens) + ") is more than max_new_tokens (" +
                    std::to_string(r.maxNewTokens) + ")");
    if (!(r.topP > 0 && r.topP <= 1)) throw Error("top_p must be in (0, 1]");
    for (std::int64_t eos : r.eosTokenIds)
        if (eos < 0 || eos >= mConfig.text.vocabSize) throw Error("eos token id " + std::to_string(eos) + " is outside the vocabulary");
    return r;
}

GenerationResult TorchEngine::generate(const GenerationRequest& request, const TokenCallback& onToken,
                                       const std::atomic<bool>* cancel) {
    return run({request}, onToken, cancel).front();
}

std::vector<GenerationResult> TorchEngine::generateBatch(const std::vector<GenerationRequest>& requests,
                                                         const std::atomic<bool>* cancel) {
    if (requests.empty()) return {};
    return run(requests, {}, cancel);
}

} // namespace kosmos
