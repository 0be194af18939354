#include "training/init_weights.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "model/engine/kosmos2_loader.h"
#include "model/error.h"
#include "model/tokenizer.h"
#include "training/model_folder.h"

namespace kosmos::training {
namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

enum class Fill { Normal, Zero, One };

// Training from scratch (InitOptions::balancedLatentQueries): the std of the resampler's attention logits at
// the start (q and k rows of unit-scale inputs through weights of std sqrt(s / width) give logits of std ~s),
// and of the vision position embeddings (about the size of a patch's content, so where a patch is survives
// into the features the resampler reads).
constexpr double kConnectorLogitStd = 2.0;
constexpr double kPositionStd = 0.5;

struct Rule {
    Fill fill = Fill::Normal;
    double std = 0;
};

// The std transformers' _init_weights gives each parameter, by its place in the model.
Rule ruleFor(const std::string& name, const KosmosConfig& c, const InitOptions& o) {
    const bool norm = contains(name, "layer_norm") || contains(name, "layernorm") || contains(name, "layrnorm") ||
                      contains(name, "inner_attn_ln");
    if (norm) return {endsWith(name, ".weight") ? Fill::One : Fill::Zero, 0};
    if (endsWith(name, ".bias")) return {Fill::Zero, 0};
    if (startsWith(name, "vision_model.")) {
        const double d = c.vision.hiddenSize, f = o.initializerFactor;
        const double inProj = std::pow(d, -0.5) * std::pow(2.0 * c.vision.numHiddenLayers, -0.5) * f;
        if (endsWith(name, "class_embedding")) return {Fill::Normal, std::pow(d, -0.5) * f};
        if (contains(name, "position_embedding") && o.balancedLatentQueries) return {Fill::Normal, kPositionStd};
        if (contains(name, "patch_embedding") || contains(name, "position_embedding"))
            return {Fill::Normal, o.initializerRange * f};
        if (contains(name, "self_attn.out_proj")) return {Fill::Normal, std::pow(d, -0.5) * f};
        if (contains(name, "self_attn.")) return {Fill::Normal, inProj};
        if (contains(name, "mlp.fc1")) return {Fill::Normal, std::pow(2.0 * d, -0.5) * f};
        if (contains(name, "mlp.fc2")) return {Fill::Normal, inProj};
    }
    if (name == "image_to_text_projection.latent_query") return {Fill::Normal, 1.0};
    if (o.balancedLatentQueries) {
        const double width = c.text.embedDim;
        if (name == "image_to_text_projection.dense.weight") return {Fill::Normal, 1.0};
        if (contains(name, "image_to_text_projection.x_attn.q_proj") || contains(name, "image_to_text_projection.x_attn.k_proj"))
            return {Fill::Normal, std::sqrt(kConnectorLogitStd / width)};
    }
    return {Fill::Normal, o.initStd};   // text attention, FFN, embeddings, lm_head, dense, x_attn
}

} // namespace

InitOptions initOptionsFromConfigJson(const std::string& text, const std::string& source) {
    InitOptions options;
    try {
        const nlohmann::json root = nlohmann::json::parse(text);
        const auto number = [&](const nlohmann::json& object, const char* key, double& out) {
            if (object.is_object() && object.contains(key) && object[key].is_number()) out = object[key].get<double>();
        };
        if (root.contains("text_config")) number(root["text_config"], "init_std", options.initStd);
        if (root.contains("vision_config")) {
            number(root["vision_config"], "initializer_range", options.initializerRange);
            number(root["vision_config"], "initializer_factor", options.initializerFactor);
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(source + ": " + e.what());
    }
    for (double v : {options.initStd, options.initializerRange, options.initializerFactor})
        if (!(v > 0 && v < 100)) throw Error(source + ": init_std / initializer_range / initializer_factor out of range");
    return options;
}

void initializeWeights(Kosmos2ForConditionalGeneration& model, const InitOptions& options) {
    at::NoGradGuard noGrad;
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
    const KosmosConfig& config = model->config;
    const bool tied = config.tieWordEmbeddings;
    for (auto& item : model->named_parameters(/*recurse=*/true)) {
        const std::string& name = item.key();
        if (tied && name == "text_model.lm_head.weight") continue;
        at::Tensor& p = item.value();
        const Rule rule = ruleFor(name, config, options);
        // Drawn in float32 on the CPU whatever the parameter's type, so a seed gives the same model everywhere.
        at::Tensor value = at::empty(p.sizes(), at::TensorOptions().dtype(at::kFloat));
        switch (rule.fill) {
        case Fill::One: value.fill_(1.0); break;
        case Fill::Zero: value.zero_(); break;
        case Fill::Normal: value.normal_(0.0, rule.std, generator); break;
        }
        if (name == "text_model.model.embed_tokens.weight") value[config.text.padTokenId].zero_();   // padding_idx
        p.set_data(value.to(p.options()));
    }
    if (tied) tieLmHead(model);
}

double imageShareOfImageEmbeddings(Kosmos2ForConditionalGeneration& model, const at::Tensor& pixelValues) {
    at::NoGradGuard noGrad;
    at::Tensor features;
    model->imageEmbeds(pixelValues, &features);
    auto& projection = model->image_to_text_projection;
    auto& attention = projection->x_attn;
    const at::Tensor h = projection->dense(features);                       // [B, P, D]
    const std::int64_t batch = h.size(0), imageRows = h.size(1);
    const at::Tensor queries = projection->latent_query.unsqueeze(0).expand({batch, -1, -1});
    const at::Tensor keyValue = at::cat({h, queries}, 1);
    const std::int64_t heads = attention->heads, dim = h.size(2) / heads;
    const auto split = [&](const at::Tensor& x) { return x.view({batch, x.size(1), heads, dim}).transpose(1, 2); };
    const at::Tensor q = split(attention->q_proj(queries) / std::sqrt(static_cast<double>(dim)));
    const at::Tensor k = split(attention->k_proj(keyValue)), v = split(attention->v_proj(keyValue));
    const at::Tensor weights = at::softmax(at::matmul(q, k.transpose(-1, -2)), -1);   // [B, H, 64, P + 64]
    const auto part = [&](std::int64_t from, std::int64_t count) {
        const at::Tensor out = at::matmul(weights.narrow(-1, from, count), v.narrow(2, from, count));
        return out.transpose(1, 2).reshape({batch, -1, heads * dim}).norm(2, -1);   // [B, 64]
    };
    const at::Tensor image = part(0, imageRows), latent = part(imageRows, keyValue.size(1) - imageRows);
    return (image / (image + latent)).mean().item<double>();
}

std::int64_t createModelFolder(const NewModelRequest& request) {
    namespace fs = std::filesystem;
    std::string text = readTextFile(request.configPath, 16u << 20);
    const Tokenizer tokenizer = Tokenizer::load(request.tokenizerPath);
    try {
        nlohmann::json root = nlohmann::json::parse(text);
        if (root.is_object() && root.contains("text_config") && root["text_config"].is_object() &&
            !root["text_config"].contains("vocab_size"))
            root["text_config"]["vocab_size"] = tokenizer.vocabSize();
        text = root.dump();
    } catch (const nlohmann::json::exception& e) {
        throw Error(request.configPath + ": invalid JSON (" + e.what() + ")");
    }
    const KosmosConfig config = parseConfig(text, request.configPath);
    if (config.text.vocabSize != tokenizer.vocabSize())
        throw Error(request.configPath + ": text_config.vocab_size is " + std::to_string(config.text.vocabSize) + " but " +
                    request.tokenizerPath + " gives " + std::to_string(tokenizer.vocabSize()) + " tokens");
    InitOptions init = initOptionsFromConfigJson(text, request.configPath);
    init.seed = request.init.seed;
    init.balancedLatentQueries = request.init.balancedLatentQueries;

    std::error_code ec;
    if (fs::exists(request.outDir, ec) && !fs::is_empty(request.outDir, ec)) {
        if (!fs::is_regular_file(request.outDir + "/config.json", ec))
            throw Error(request.outDir + ": exists and is not a model folder (refusing to replace it)");
        if (!request.overwrite) throw Error(request.outDir + ": holds a model already (use --overwrite to replace it)");
    }
    Kosmos2ForConditionalGeneration model(config, at::TensorOptions().dtype(at::kFloat));
    initializeWeights(model, init);
    StagingFolder staging(request.outDir);
    writeConfigFiles(staging.path(), config, "");
    writeTokenizerFiles(staging.path(), request.tokenizerPath, tokenizer.maskId() - 1);
    writeWeights(staging.path(), model);
    staging.commit();
    std::int64_t count = 0;
    for (const auto& [name, tensor] : exportedWeights(model)) count += tensor.numel();
    return count;
}

} // namespace kosmos::training
