#include "training/init_weights.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "model/engine/kosmos2_loader.h"
#include "model/engine/random_init.h"
#include "model/error.h"
#include "model/tokenizer.h"
#include "model/tokens.h"
#include "model/json_error.h"
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

// Per-head attention logits of the aligned resampler (see alignResampler): a query's own patch scores about
// this much above the rest when the patch's content is blank (content lowers it, still well above the others).
constexpr double kAlignedLogitGain = 1.5;
// Norm of the place part of an image embedding (before the text model's embed_scale); the content part drawn
// at init_std is about as large.
constexpr double kPlaceNorm = 2.0;
constexpr int kLocationBins = 32;
constexpr int kLocationFrequencies = 12;   // wavelengths from 2 to 64 cells, geometric

// 2-D Fourier features of a point on the location grid (row, column in cells), unit norm.
at::Tensor locationFeatures(double row, double column) {
    at::Tensor out = at::empty({4 * kLocationFrequencies}, at::TensorOptions().dtype(at::kDouble));
    auto f = out.accessor<double, 1>();
    for (int i = 0; i < kLocationFrequencies; ++i) {
        const double wavelength = 2.0 * std::pow(32.0, static_cast<double>(i) / (kLocationFrequencies - 1));
        const double omega = 2.0 * M_PI / wavelength;
        f[4 * i + 0] = std::sin(omega * row);
        f[4 * i + 1] = std::cos(omega * row);
        f[4 * i + 2] = std::sin(omega * column);
        f[4 * i + 3] = std::cos(omega * column);
    }
    return out / std::sqrt(static_cast<double>(2 * kLocationFrequencies));
}

// Location token embeddings: the Fourier features of their cell's centre, mixed into the embedding by a random
// orthonormal basis and scaled to a random embedding's norm, plus a small random part that keeps the tokens
// apart. Returns the basis [width, features] (undefined when the vocabulary has no location tokens).
at::Tensor structureLocationEmbeddings(Kosmos2ForConditionalGeneration& model, std::int64_t firstId, double std,
                                       at::Generator& generator) {
    auto& embeddings = model->text_model->model->embed_tokens->weight;
    const std::int64_t width = embeddings.size(1), count = tokens::kNumPatchIndexTokens;
    const std::int64_t featureCount = 4 * kLocationFrequencies;
    if (firstId < 0 || firstId + count > embeddings.size(0) || featureCount > width) return {};
    at::Tensor features = at::empty({count, featureCount}, at::TensorOptions().dtype(at::kDouble));
    for (std::int64_t k = 0; k < count; ++k)
        features[k].copy_(locationFeatures(static_cast<double>(k / kLocationBins) + 0.5,
                                           static_cast<double>(k % kLocationBins) + 0.5));
    at::Tensor basis = at::empty({width, featureCount}, at::TensorOptions().dtype(at::kFloat)).normal_(0, 1, generator);
    basis = std::get<0>(at::linalg_qr(basis.to(at::kDouble)));      // orthonormal columns
    const double norm = std::sqrt(static_cast<double>(width)) * std;
    const at::Tensor structured = at::matmul(features, basis.transpose(0, 1)) * (0.9 * norm);
    const at::Tensor noise = at::empty({count, width}, at::TensorOptions().dtype(at::kFloat)).normal_(0, std, generator);
    embeddings.narrow(0, firstId, count).copy_(structured.to(at::kFloat) + noise * 0.45);
    return basis;
}

// Least-norm W with W x_i = y_i for the rows of x [n, in] and y [n, out] (least squares where the x_i are
// dependent, e.g. more patches than vision dimensions): W = Y^T pinv(X^T).
at::Tensor solveRows(const at::Tensor& x, const at::Tensor& y) {
    return at::matmul(y.transpose(0, 1), at::linalg_pinv(x.transpose(0, 1), 1e-2, /*hermitian=*/false));
}

// Latent query i attends to the image row of its place (alignedImageRow). The keys of image rows are
// a * dense(features); the queries' projection maps each latent query (kept random, std 1) onto
// a * dense(features of its patch in a blank picture), by least squares, so query i scores high against its own
// patch and at chance against the latent queries themselves (a symmetric q = k would make every query read itself).
// With a location basis, the value path also writes where the patch is: out_proj(v_proj(row of patch i)) gets a
// part kPlaceNorm * basis * features(centre of patch i) beside its random (content) part, so image embedding i
// reads like the location tokens of its place.
void alignResampler(Kosmos2ForConditionalGeneration& model, const at::Tensor& basis) {
    auto& projection = model->image_to_text_projection;
    auto& attention = projection->x_attn;
    const std::int64_t queries = projection->latent_query.size(0), width = projection->latent_query.size(1);
    const int size = model->config.vision.imageSize;
    at::Tensor features;
    model->imageEmbeds(at::zeros({1, 3, size, size}, at::TensorOptions().dtype(at::kFloat)), &features);
    const std::int64_t rows = features.size(1);
    if (rows < queries + 1 || queries > width) return;   // more queries than patches or dimensions: keep it random
    std::vector<std::int64_t> own(static_cast<std::size_t>(queries));
    for (std::int64_t i = 0; i < queries; ++i) own[static_cast<std::size_t>(i)] = alignedImageRow(i, queries, rows);
    const at::Tensor index = at::tensor(own, at::TensorOptions().dtype(at::kLong));
    const at::Tensor targets = projection->dense(features[0].index_select(0, index)).to(at::kDouble);   // [Q, D]
    const at::Tensor latents = projection->latent_query.to(at::kDouble);                                // [Q, D]
    const double headDim = static_cast<double>(width) / attention->heads;
    // logit(own patch) = a^2 |target slice|^2 / sqrt(headDim) ~ a^2 sqrt(headDim) with unit-scale entries.
    const double a = std::sqrt(kAlignedLogitGain * 6.0 / std::sqrt(headDim));
    attention->q_proj->weight.copy_((solveRows(latents, targets) * a).to(at::kFloat));
    attention->k_proj->weight.copy_(at::eye(width, at::TensorOptions().dtype(at::kFloat)) * a);
    if (attention->q_proj->bias.defined()) attention->q_proj->bias.zero_();
    if (attention->k_proj->bias.defined()) attention->k_proj->bias.zero_();
    if (!basis.defined()) return;

    const std::int64_t grid = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(rows - 1))));
    if (grid * grid != rows - 1) return;
    at::Tensor places = at::empty({queries, basis.size(0)}, at::TensorOptions().dtype(at::kDouble));
    for (std::int64_t i = 0; i < queries; ++i) {
        const std::int64_t patch = own[static_cast<std::size_t>(i)] - 1;
        const double cell = static_cast<double>(kLocationBins) / static_cast<double>(grid);
        places[i].copy_(at::matmul(basis, locationFeatures((static_cast<double>(patch / grid) + 0.5) * cell,
                                                           (static_cast<double>(patch % grid) + 0.5) * cell)));
    }
    // v_proj stays random; out_proj gains the map from v_proj(target_i) to the place of patch i.
    const at::Tensor values = attention->v_proj(targets.to(at::kFloat)).to(at::kDouble);
    attention->out_proj->weight.add_(solveRows(values, places * kPlaceNorm).to(at::kFloat));
}

// One head of the last decoder layer starts as a copy of places: its value reads an input's coordinates in the
// location basis and its output writes them back, so a position that attends to an image embedding (or to a
// location token) raises the scores of the location tokens near that place through the tied lm_head. What the
// head attends to is left to training; this gives its gradient a direction from the first step.
void addLocationCopyHead(Kosmos2ForConditionalGeneration& model, const at::Tensor& basis) {
    auto& layers = model->text_model->model->layerList;
    if (!basis.defined() || layers.empty()) return;
    auto& attention = layers.back()->self_attn;
    const std::int64_t width = basis.size(0), featureCount = basis.size(1);
    const std::int64_t headDim = width / attention->heads;
    if (featureCount > headDim) return;
    const at::Tensor b = basis.to(at::kFloat);
    attention->v_proj->weight.narrow(0, 0, headDim).zero_();
    attention->v_proj->weight.narrow(0, 0, featureCount).copy_(b.transpose(0, 1));
    attention->out_proj->weight.narrow(1, 0, headDim).zero_();
    attention->out_proj->weight.narrow(1, 0, featureCount).copy_(b);
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
        throw Error(source + ": " + jsonErrorText(e));
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
    if (options.balancedLatentQueries) {
        const at::Tensor basis = structureLocationEmbeddings(model, options.firstLocationTokenId, options.initStd, generator);
        alignResampler(model, basis);
        addLocationCopyHead(model, basis);
    }
    if (tied) tieLmHead(model);
}

std::int64_t alignedImageRow(std::int64_t query, std::int64_t queries, std::int64_t rows) {
    const auto side = [](std::int64_t n) {
        const auto s = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
        return s * s == n ? s : 0;
    };
    const std::int64_t grid = side(rows - 1), queryGrid = side(queries);
    if (grid > 0 && queryGrid > 0 && queryGrid <= grid) {
        // The patch at the centre of the query's cell on a queryGrid x queryGrid tiling of the patch grid.
        const auto centre = [&](std::int64_t k) { return (2 * k + 1) * grid / (2 * queryGrid); };
        return 1 + centre(query / queryGrid) * grid + centre(query % queryGrid);
    }
    return 1 + query * (rows - 1) / queries;
}

namespace {

// The resampler's keys and values read [dense(features); latent queries].
struct ResamplerInputs {
    at::Tensor keyValue;        // [B, P + Q, D]
    std::int64_t imageRows = 0;
};

ResamplerInputs resamplerInputs(Kosmos2ForConditionalGeneration& model, const at::Tensor& pixelValues) {
    at::Tensor features;
    model->imageEmbeds(pixelValues, &features);
    auto& projection = model->image_to_text_projection;
    const at::Tensor h = projection->dense(features);                       // [B, P, D]
    const at::Tensor queries = projection->latent_query.unsqueeze(0).expand({h.size(0), -1, -1});
    return {at::cat({h, queries}, 1), h.size(1)};
}

at::Tensor attentionWeights(Kosmos2ForConditionalGeneration& model, const ResamplerInputs& in) {
    auto& projection = model->image_to_text_projection;
    auto& attention = projection->x_attn;
    const at::Tensor& keys = in.keyValue;
    const std::int64_t batch = keys.size(0), heads = attention->heads, dim = keys.size(2) / heads;
    const auto split = [&](const at::Tensor& x) { return x.view({batch, x.size(1), heads, dim}).transpose(1, 2); };
    const at::Tensor queries = keys.narrow(1, in.imageRows, keys.size(1) - in.imageRows);
    const at::Tensor q = split(attention->q_proj(queries) / std::sqrt(static_cast<double>(dim)));
    return at::softmax(at::matmul(q, split(attention->k_proj(keys)).transpose(-1, -2)), -1);
}

} // namespace

at::Tensor resamplerAttention(Kosmos2ForConditionalGeneration& model, const at::Tensor& pixelValues) {
    at::NoGradGuard noGrad;
    return attentionWeights(model, resamplerInputs(model, pixelValues));
}

double imageShareOfImageEmbeddings(Kosmos2ForConditionalGeneration& model, const at::Tensor& pixelValues) {
    at::NoGradGuard noGrad;
    const ResamplerInputs in = resamplerInputs(model, pixelValues);
    const at::Tensor weights = attentionWeights(model, in);                 // [B, H, Q, P + Q]
    const at::Tensor& keyValue = in.keyValue;
    const std::int64_t batch = keyValue.size(0), imageRows = in.imageRows;
    const std::int64_t heads = model->image_to_text_projection->x_attn->heads, dim = keyValue.size(2) / heads;
    const at::Tensor v = model->image_to_text_projection->x_attn->v_proj(keyValue)
                             .view({batch, keyValue.size(1), heads, dim}).transpose(1, 2);
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
        throw Error(request.configPath + ": invalid JSON (" + jsonErrorText(e) + ")");
    }
    const KosmosConfig config = parseConfig(text, request.configPath);
    if (config.text.vocabSize != tokenizer.vocabSize())
        throw Error(request.configPath + ": text_config.vocab_size is " + std::to_string(config.text.vocabSize) + " but " +
                    request.tokenizerPath + " gives " + std::to_string(tokenizer.vocabSize()) + " tokens");
    requireMemoryForNewModel(config, request.configPath);
    InitOptions init = initOptionsFromConfigJson(text, request.configPath);
    init.seed = request.init.seed;
    init.balancedLatentQueries = request.init.balancedLatentQueries;
    init.firstLocationTokenId = tokenizer.patchIndexId(0);

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
