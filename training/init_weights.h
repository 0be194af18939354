#pragma once
// Random initialisation of a new KOSMOS-2 (`kosmos2 init`), after transformers'
// Kosmos2PreTrainedModel._init_weights, with one deliberate change for training from scratch (see
// InitOptions::balancedLatentQueries).
#include <cstdint>
#include <string>

#include "model/engine/kosmos2_model.h"

namespace kosmos::training {

struct InitOptions {
    double initStd = 0.02;             // text_config.init_std
    double initializerRange = 0.02;    // vision_config.initializer_range
    double initializerFactor = 1.0;    // vision_config.initializer_factor
    std::uint64_t seed = 0;
    // transformers draws latent_query from randn (std 1), but dense() sees L2-normalised features, so
    // dense(features) has entries of std ~init_std: the 64 queries are ~1/init_std = 50x larger than the
    // image rows they attend over, and the image's part of the image embeddings starts near 1 %; and the
    // resampler's q/k weights of std init_std make its attention logits ~1e-4, so all 64 image embeddings
    // start (and long stay) the same vector: no "where" reaches the decoder. With this on (training from
    // scratch): dense() is drawn with std 1 so the image rows have the queries' unit scale (the image then
    // gets its share of the keys, P / (P + 64)), the resampler's q/k weights give attention logits of
    // std ~2 so each query starts reading its own mix of patches, and the vision position embeddings
    // start about as large as a patch's content.
    bool balancedLatentQueries = true;
    // With balancedLatentQueries, two more starting points for training from scratch:
    // - the resampler starts as a lookup: latent query i reads the image row of one place (alignedImageRow: the
    //   patch at the centre of cell i of an 8 x 8 tiling of the patch grid), so the 64 image embeddings start
    //   as 64 places in the image instead of 64 mixes of all of them;
    // - the 1024 location tokens (<patch_index_0000> first, at firstLocationTokenId; -1: none) start with
    //   embeddings that vary smoothly with their cell's row and column (2-D Fourier features), so with the tied
    //   lm_head a hidden state that points near a cell also scores its neighbours: the boxes are learned as a
    //   place on the grid, not as 1024 unrelated words.
    std::int64_t firstLocationTokenId = -1;
};

// Reads init_std / initializer_range / initializer_factor from a config.json text (defaults when absent).
InitOptions initOptionsFromConfigJson(const std::string& jsonText, const std::string& sourceName);

// Fills every parameter of `model` (CPU) deterministically from options.seed, and ties lm_head to
// embed_tokens when the config ties them.
void initializeWeights(Kosmos2ForConditionalGeneration& model, const InitOptions& options);

// The image's part of the image embeddings: the latent queries attend over [dense(features); queries];
// this is ||attention-weighted values of the image rows|| / (that + ||... of the query rows||), averaged
// over the 64 embeddings and the batch. Near 1 % with transformers' init on real-size models; the
// balanced init starts it near the image rows' share of the keys (257 / 321).
double imageShareOfImageEmbeddings(Kosmos2ForConditionalGeneration& model, const at::Tensor& pixelValues);

// The image row (0 is the class token) latent query `query` of `queries` reads in the aligned resampler: the
// patch at the centre of the query's cell when both counts are squares (rows - 1 patches), else evenly spaced.
std::int64_t alignedImageRow(std::int64_t query, std::int64_t queries, std::int64_t rows);

// The resampler's attention weights [B, heads, queries, rows + queries] (image rows first, then the queries).
at::Tensor resamplerAttention(Kosmos2ForConditionalGeneration& model, const at::Tensor& pixelValues);

// `kosmos2 init`: a new model folder from a config.json (sizes; text_config.vocab_size may be left out and
// is then the tokenizer's) and a sentencepiece model. `outDir` must be new or empty, or hold a model
// folder (config.json) and `overwrite` be set. Returns the number of parameters (tied lm_head once).
struct NewModelRequest {
    std::string configPath;
    std::string tokenizerPath;   // sentencepiece .model
    std::string outDir;
    InitOptions init;            // seed and the latent-query fix; the stds come from the config
    bool overwrite = false;
};
std::int64_t createModelFolder(const NewModelRequest& request);

} // namespace kosmos::training
