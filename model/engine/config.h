#pragma once
// Plain configuration structs parsed from a Hugging Face KOSMOS-2 folder (config.json,
// generation_config.json). Defaults are transformers' defaults for Kosmos2Config.
#include <cstdint>
#include <string>
#include <vector>

namespace kosmos {

// Kosmos2VisionConfig
struct VisionConfig {
    int hiddenSize = 1024;
    int intermediateSize = 4096;
    int numHiddenLayers = 24;
    int numAttentionHeads = 16;
    int numChannels = 3;
    int imageSize = 224;
    int patchSize = 14;
    double layerNormEps = 1e-5;
    std::string hiddenAct = "quick_gelu";
    int numPatches() const { return (imageSize / patchSize) * (imageSize / patchSize); }
};

// Kosmos2TextConfig
struct TextConfig {
    std::int64_t vocabSize = 65037;
    int maxPositionEmbeddings = 2048;
    int embedDim = 2048;
    int layers = 24;
    int ffnDim = 8192;
    int attentionHeads = 32;
    std::string activationFunction = "gelu";
    double layerNormEps = 1e-5;
    bool scaleEmbedding = true;
    std::int64_t padTokenId = 1;
    std::int64_t bosTokenId = 0;
    std::int64_t eosTokenId = 2;
};

// GenerationConfig values the engine uses (generation_config.json, falling back to config.json).
struct GenerationDefaults {
    int maxNewTokens = -1;        // -1: derived from max_length (20 tokens in all, as transformers)
    int maxLength = 20;
    int minNewTokens = 0;
    int numBeams = 1;
    int noRepeatNgramSize = 0;
    bool doSample = false;
    double topP = 1.0;
    int topK = 50;
    double temperature = 1.0;
    double lengthPenalty = 1.0;
    std::vector<std::int64_t> eosTokenIds = {2};
    std::int64_t padTokenId = 1;
};

struct KosmosConfig {
    VisionConfig vision;
    TextConfig text;
    int latentQueryNum = 64;
    bool tieWordEmbeddings = true;
    std::string torchDtype = "float32";
    GenerationDefaults generation;
};

// Reads DIR/config.json (+ generation_config.json when present). Unknown keys are ignored; missing
// required keys or impossible values throw kosmos::Error naming the file and key.
KosmosConfig loadConfig(const std::string& modelDir);
KosmosConfig parseConfig(const std::string& jsonText, const std::string& sourceName);
void applyGenerationConfig(GenerationDefaults& defaults, const std::string& jsonText, const std::string& sourceName);

// About how many weights and biases a model of `config` holds (lm_head counted apart from the embedding).
double parameterEstimate(const KosmosConfig& config);

// Writes config.json in the layout transformers reads (Kosmos2Config.to_dict subset).
std::string configToJson(const KosmosConfig& config);

} // namespace kosmos
