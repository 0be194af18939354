#pragma once
// The engine's public face: load a Hugging Face KOSMOS-2 folder, ground images. No torch types here,
// so ui/ and core/ include it without LibTorch headers. Weights are shared; an engine runs one generation at
// a time (calls from several threads wait their turn), and on CUDA keeps its KV cache and recorded steps
// from one to the next of the same shape.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/grounding.h"
#include "model/image_processor.h"

namespace kosmos {

struct LoadOptions {
    std::string device = "cpu";      // "cpu", "cuda", "cuda:N" or "auto"
    std::string dtype = "f32";       // "f32", "f16", "bf16"
};

// Fields left unset (-1 / empty) take the checkpoint's generation_config.json values.
struct GenerationParams {
    int maxNewTokens = -1;
    int minNewTokens = -1;
    int numBeams = -1;
    int noRepeatNgramSize = -1;
    int doSample = -1;               // -1 checkpoint, 0 greedy/beam, 1 sampling
    double topP = -1;
    int topK = -1;
    double temperature = -1;
    double lengthPenalty = -1;
    std::uint64_t seed = 0;
    std::vector<std::int64_t> eosTokenIds;   // empty: checkpoint's eos
    // Only well-formed continuations inside <object>...</object>: two patch indices, then
    // </delimiter_of_multi_objects/> or </object>. Off by default (parity with transformers).
    bool constrainedGrounding = false;
};

struct GenerationRequest {
    ImageU8 image;                               // decoded 8-bit grey / RGB / RGBA
    std::string prompt = "<grounding>An image of";
    std::vector<std::vector<Box>> boxesPerPhrase;   // boxes given with <phrase>s in the prompt
    GenerationParams params;
};

struct BoxDetail {
    Box box;                         // normalised
    int ulIndex = 0, lrIndex = 0;    // patch indices 0..1023
    double confidence = 0;           // p(ul token) * p(lr token) at the steps they were generated
    std::vector<float> ulHeatmap;    // 1024 probabilities over the 32x32 grid at the ul step (row-major)
    std::vector<float> lrHeatmap;    // same at the lr step
};

struct GroundedEntity {
    std::string phrase;
    std::pair<int, int> span;        // code-point span in the caption
    std::vector<BoxDetail> boxes;
};

struct GenerationResult {
    std::vector<std::int64_t> generatedIds;      // new tokens only
    std::string text;                            // full decoded sequence (fast-tokenizer style, with tags)
    std::string caption;
    std::vector<GroundedEntity> entities;
    std::string stoppedBy;                       // "eos", "max_new_tokens", "cancelled"
    std::map<std::string, double> timingsMs;     // preprocess, vision, prefill, decode, total
    bool cancelled = false;
};

// Called after each new token with the token and the decoded new text so far; return false to cancel.
using TokenCallback = std::function<bool(std::int64_t tokenId, const std::string& newText)>;
// Loading progress in [0,1] with a short description.
using ProgressCallback = std::function<void(double fraction, const std::string& what)>;

struct ModelSummary {
    std::string folder;
    std::string device;
    std::string dtype;
    std::int64_t parameters = 0;
    std::int64_t vocabSize = 0;
    int imageSize = 224;
    GenerationParams defaults;       // the checkpoint's generation settings, resolved
};

class Tokenizer;

class Engine {
public:
    virtual ~Engine() = default;
    // Throws kosmos::Error with a one-line message (folder, file, tensor, reason).
    static std::unique_ptr<Engine> load(const std::string& modelDir, const LoadOptions& options = {},
                                        const ProgressCallback& progress = {});

    virtual GenerationResult generate(const GenerationRequest& request, const TokenCallback& onToken = {},
                                      const std::atomic<bool>* cancel = nullptr) = 0;
    // One result per request, run as a left-padded batch.
    virtual std::vector<GenerationResult> generateBatch(const std::vector<GenerationRequest>& requests,
                                                        const std::atomic<bool>* cancel = nullptr) = 0;
    virtual const ModelSummary& summary() const = 0;
    virtual const Tokenizer& tokenizer() const = 0;
};

} // namespace kosmos
