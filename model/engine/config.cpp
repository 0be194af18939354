#include "model/engine/config.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/input_limits.h"
#include "model/text_file.h"
#include "model/json_error.h"

namespace kosmos {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxConfigBytes = limits::kMaxConfigBytes;

std::string readSmallFile(const std::string& path, bool required, bool& found) {
    found = static_cast<bool>(std::ifstream(path, std::ios::binary));
    if (!found && !required) return {};
    return readBoundedTextFile(path, kMaxConfigBytes, "a config file");
}

// A JSON value for a one-line message, bounded.
std::string valueText(const json& value) {
    const std::string text = value.dump(-1, ' ', true, json::error_handler_t::replace);
    return text.size() > 40 ? text.substr(0, 40) + "..." : text;
}

// An integer JSON value (or a float with an integral value, as some writers produce) that fits T.
template <typename T>
bool readInteger(const json& value, T& out) {
    if (value.is_number_unsigned()) {
        const auto v = value.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return false;
        out = static_cast<T>(v);
        return true;
    }
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
            v > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
            return false;
        out = static_cast<T>(v);
        return true;
    }
    if (value.is_number_float()) {
        const double v = value.get<double>();
        const double limit = std::ldexp(1.0, std::numeric_limits<T>::digits);   // max + 1, exact
        const double low = std::numeric_limits<T>::is_signed ? -limit : 0.0;
        if (!(std::isfinite(v) && v == std::floor(v) && v >= low && v < limit)) return false;
        out = static_cast<T>(v);
        return true;
    }
    return false;
}

struct Reader {
    const json& object;
    std::string where;   // "config.json: text_config", or the file alone for its top level

    // "config.json: text_config.embed_dim: reason", "config.json: latent_query_num: reason".
    [[noreturn]] void fail(const std::string& key, const std::string& reason) const {
        const bool topLevel = where.find(": ") == std::string::npos;
        throw Error(where + (topLevel ? ": " : ".") + key + ": " + reason);
    }

    template <typename T>
    void get(const char* key, T& out, bool required = false) const {
        auto it = object.find(key);
        if (it == object.end() || it->is_null()) {
            if (required) fail(key, "missing");
            return;
        }
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            // nlohmann converts numbers with a plain cast: 1e300 into an int is undefined behaviour (found
            // by fuzzing) and 2.5 would silently read as 2.
            if (!readInteger(*it, out)) fail(key, "must be an integer in range, got " + valueText(*it));
            return;
        }
        try {
            out = it->get<T>();
        } catch (const json::exception&) {
            fail(key, "has the wrong type (" + std::string(it->type_name()) + ")");
        }
    }

    void positive(const char* key, int& out, bool required = false, int maxValue = 1 << 20) const {
        get(key, out, required);
        if (out <= 0 || out > maxValue) fail(key, "must be in 1.." + std::to_string(maxValue) + ", got " + std::to_string(out));
    }
};

const json& subObject(const json& root, const char* key, const std::string& source) {
    auto it = root.find(key);
    if (it == root.end()) throw Error(source + ": missing '" + key + "'");
    if (!it->is_object()) throw Error(source + ": '" + key + "' must be an object");
    return *it;
}

void parseVision(const json& object, VisionConfig& v, const std::string& source) {
    Reader r{object, source + ": vision_config"};
    r.positive("hidden_size", v.hiddenSize);
    r.positive("intermediate_size", v.intermediateSize);
    r.positive("num_hidden_layers", v.numHiddenLayers, false, 1024);
    r.positive("num_attention_heads", v.numAttentionHeads, false, 1024);
    r.positive("num_channels", v.numChannels, false, 4);
    r.positive("image_size", v.imageSize, false, 4096);
    r.positive("patch_size", v.patchSize, false, 4096);
    r.get("layer_norm_eps", v.layerNormEps);
    r.get("hidden_act", v.hiddenAct);
    if (v.hiddenSize % v.numAttentionHeads != 0)
        r.fail("hidden_size", "is not divisible by num_attention_heads");
    if (v.imageSize % v.patchSize != 0) r.fail("image_size", "is not a multiple of patch_size");
    if (v.numChannels != 3) r.fail("num_channels", "must be 3");
    if (v.hiddenAct != "quick_gelu" && v.hiddenAct != "gelu")
        r.fail("hidden_act", "'" + v.hiddenAct + "' is not supported (quick_gelu, gelu)");
    if (!(v.layerNormEps > 0)) r.fail("layer_norm_eps", "must be positive");
}

void parseText(const json& object, TextConfig& t, const std::string& source) {
    Reader r{object, source + ": text_config"};
    r.get("vocab_size", t.vocabSize);
    if (t.vocabSize <= 4 || t.vocabSize > (1 << 24)) r.fail("vocab_size", "out of range");
    r.positive("max_position_embeddings", t.maxPositionEmbeddings, false, 1 << 16);
    r.positive("embed_dim", t.embedDim);
    r.positive("layers", t.layers, false, 1024);
    r.positive("ffn_dim", t.ffnDim);
    r.positive("attention_heads", t.attentionHeads, false, 1024);
    r.get("activation_function", t.activationFunction);
    r.get("layer_norm_eps", t.layerNormEps);
    r.get("scale_embedding", t.scaleEmbedding);
    r.get("pad_token_id", t.padTokenId);
    r.get("bos_token_id", t.bosTokenId);
    r.get("eos_token_id", t.eosTokenId);
    if (t.embedDim % t.attentionHeads != 0) r.fail("embed_dim", "is not divisible by attention_heads");
    if (t.embedDim % 2 != 0) r.fail("embed_dim", "must be even (sinusoidal positions)");
    if (t.activationFunction != "gelu" && t.activationFunction != "quick_gelu")
        r.fail("activation_function", "'" + t.activationFunction + "' is not supported (gelu, quick_gelu)");
    if (t.padTokenId < 0 || t.padTokenId >= t.vocabSize) r.fail("pad_token_id", "out of the vocabulary");
    if (!(t.layerNormEps > 0)) r.fail("layer_norm_eps", "must be positive");
}

std::vector<std::int64_t> eosList(const json& value) {
    std::vector<std::int64_t> ids;
    const auto add = [&](const json& id) {
        std::int64_t v = 0;
        if (!readInteger(id, v)) throw json::type_error::create(302, "eos_token_id must hold integers", &value);
        ids.push_back(v);
    };
    if (value.is_array()) {
        for (const json& id : value) add(id);
    } else {
        add(value);
    }
    return ids;
}

json parseObject(const std::string& text, const std::string& source) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        // Not only parse_error: a number too large for a double ("1e309") is out_of_range (found by fuzzing).
        throw Error(source + ": invalid JSON (" + jsonErrorText(e) + ")");
    }
    if (!root.is_object()) throw Error(source + ": must hold a JSON object");
    return root;
}

// Generation defaults before any file is read: transformers' defaults with the model's pad and eos ids.
GenerationDefaults generationDefaultsFor(const TextConfig& text) {
    GenerationDefaults g;
    g.padTokenId = text.padTokenId;
    g.eosTokenIds = {text.eosTokenId};
    return g;
}

void applyGeneration(GenerationDefaults& g, const json& root, const std::string& source) {
    Reader r{root, source};
    r.get("max_new_tokens", g.maxNewTokens);
    r.get("max_length", g.maxLength);
    r.get("min_new_tokens", g.minNewTokens);
    r.get("num_beams", g.numBeams);
    r.get("no_repeat_ngram_size", g.noRepeatNgramSize);
    r.get("do_sample", g.doSample);
    r.get("top_p", g.topP);
    r.get("top_k", g.topK);
    r.get("temperature", g.temperature);
    r.get("length_penalty", g.lengthPenalty);
    r.get("pad_token_id", g.padTokenId);
    if (auto it = root.find("eos_token_id"); it != root.end() && !it->is_null()) {
        try {
            g.eosTokenIds = eosList(*it);
        } catch (const json::exception&) {
            r.fail("eos_token_id", "must be an integer or a list of integers");
        }
    }
    if (g.numBeams < 1 || g.numBeams > 64) r.fail("num_beams", "must be in 1..64");
    if (g.noRepeatNgramSize < 0) r.fail("no_repeat_ngram_size", "must not be negative");
    if (g.maxLength < 1) r.fail("max_length", "must be positive");
    if (g.minNewTokens < 0) r.fail("min_new_tokens", "must not be negative");
    if (!(g.temperature > 0)) r.fail("temperature", "must be positive");
    if (!(g.topP > 0 && g.topP <= 1)) r.fail("top_p", "must be in (0, 1]");
}

} // namespace

void applyGenerationConfig(GenerationDefaults& g, const std::string& text, const std::string& source) {
    applyGeneration(g, parseObject(text, source), source);
}

KosmosConfig parseConfig(const std::string& text, const std::string& source) {
    const json root = parseObject(text, source);
    KosmosConfig config;
    if (auto it = root.find("model_type"); it != root.end() && it->is_string() && *it != "kosmos-2")
        throw Error(source + ": model_type is '" + it->get<std::string>() + "', expected 'kosmos-2'");
    parseVision(subObject(root, "vision_config", source), config.vision, source);
    const json& textConfig = subObject(root, "text_config", source);
    parseText(textConfig, config.text, source);
    Reader r{root, source};
    r.positive("latent_query_num", config.latentQueryNum, false, 4096);
    r.get("torch_dtype", config.torchDtype);
    Reader{textConfig, source + ": text_config"}.get("tie_word_embeddings", config.tieWordEmbeddings);
    // Generation settings stored in the text config: used when no generation_config.json exists.
    config.generation = generationDefaultsFor(config.text);
    applyGeneration(config.generation, textConfig, source + ": text_config");
    return config;
}

KosmosConfig loadConfig(const std::string& modelDir) {
    std::error_code ignored;
    if (std::filesystem::is_regular_file(modelDir, ignored))
        throw Error(modelDir + ": a file, not a model folder (give the folder that holds config.json)");
    bool found = false;
    const std::string configPath = modelDir + "/config.json";
    KosmosConfig config = parseConfig(readSmallFile(configPath, true, found), configPath);
    const std::string generationPath = modelDir + "/generation_config.json";
    const std::string generationText = readSmallFile(generationPath, false, found);
    if (found) {
        // transformers reads generation_config.json alone when it exists; config.json is the fallback only.
        config.generation = generationDefaultsFor(config.text);
        applyGenerationConfig(config.generation, generationText, generationPath);
    }
    return config;
}

std::string configToJson(const KosmosConfig& c) {
    json vision = {{"model_type", "kosmos_2_vision_model"}, {"hidden_size", c.vision.hiddenSize},
                   {"intermediate_size", c.vision.intermediateSize}, {"num_hidden_layers", c.vision.numHiddenLayers},
                   {"num_attention_heads", c.vision.numAttentionHeads}, {"num_channels", c.vision.numChannels},
                   {"image_size", c.vision.imageSize}, {"patch_size", c.vision.patchSize},
                   {"layer_norm_eps", c.vision.layerNormEps}, {"hidden_act", c.vision.hiddenAct}};
    json text = {{"model_type", "kosmos_2_text_model"}, {"vocab_size", c.text.vocabSize},
                 {"max_position_embeddings", c.text.maxPositionEmbeddings}, {"embed_dim", c.text.embedDim},
                 {"layers", c.text.layers}, {"ffn_dim", c.text.ffnDim}, {"attention_heads", c.text.attentionHeads},
                 {"activation_function", c.text.activationFunction}, {"layer_norm_eps", c.text.layerNormEps},
                 {"scale_embedding", c.text.scaleEmbedding}, {"pad_token_id", c.text.padTokenId},
                 {"bos_token_id", c.text.bosTokenId}, {"eos_token_id", c.text.eosTokenId},
                 {"tie_word_embeddings", c.tieWordEmbeddings}};
    json root = {{"architectures", {"Kosmos2ForConditionalGeneration"}}, {"model_type", "kosmos-2"},
                 {"latent_query_num", c.latentQueryNum}, {"torch_dtype", c.torchDtype},
                 {"text_config", text}, {"vision_config", vision}};
    return root.dump(2);
}

double parameterEstimate(const KosmosConfig& c) {
    const double h = c.vision.hiddenSize, i = c.vision.intermediateSize;
    const double patches = static_cast<double>(c.vision.numPatches()) + 1;
    const double patch = static_cast<double>(c.vision.numChannels) * c.vision.patchSize * c.vision.patchSize * h;
    const double visionLayer = 4 * (h * h + h) + 2 * h * i + i + h + 4 * h;
    const double vision = patch + h + patches * h + c.vision.numHiddenLayers * visionLayer + 4 * h;
    const double e = static_cast<double>(c.text.embedDim), f = c.text.ffnDim;
    const double textLayer = 4 * (e * e + e) + 2 * e + 2 * e * f + f + e + 2 * f + 4 * e;
    const double vocab = static_cast<double>(c.text.vocabSize);
    const double text = 2 * vocab * e + c.text.layers * textLayer + 2 * e;
    const double connector = h * e + e + static_cast<double>(c.latentQueryNum) * e + 4 * (e * e + e);
    return vision + text + connector;
}

} // namespace kosmos
