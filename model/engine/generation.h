#pragma once
// Generation with a KV cache: greedy, beam search and sampling, with transformers' logits processors
// (no_repeat_ngram_size, min_new_tokens, prefix constraints) and stopping rules.
#include <ATen/ATen.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "model/engine/kosmos2_model.h"

namespace kosmos {

struct ResolvedGenerationParams {
    int maxNewTokens = 20;
    int minNewTokens = 0;
    int numBeams = 1;
    int noRepeatNgramSize = 0;
    bool doSample = false;
    double topP = 1.0;
    int topK = 0;
    double temperature = 1.0;
    double lengthPenalty = 1.0;
    std::uint64_t seed = 0;
    std::vector<std::int64_t> eosTokenIds = {2};
    std::int64_t padTokenId = 1;
    // Called with (row, full sequence so far, processed scores of that row [V]); may mask scores in place.
    std::function<void(std::int64_t, const std::vector<std::int64_t>&, at::Tensor&)> constrain;
    bool recordScores = false;      // keep the processed scores of every step (tests, dump)
};

struct GenerationInputs {
    at::Tensor inputIds;            // [B, L] left-padded
    at::Tensor attentionMask;       // [B, L]
    at::Tensor imageEmbedsPositionMask;   // [B, L]
    at::Tensor imageEmbeds;         // [B, 64, D] or undefined (text only)
};

struct GenerationOutput {
    std::vector<std::vector<std::int64_t>> newTokens;      // per row, without padding after eos
    std::vector<std::string> stoppedBy;                     // "eos", "max_new_tokens", "cancelled"
    std::vector<at::Tensor> stepScores;                     // per step [rows, V] processed (recordScores)
    std::vector<double> sequenceScores;                     // beam search: the returned hypotheses' scores
    // Per row, per new token: the probability of the chosen token under the model (softmax of the raw
    // logits), and for patch-index tokens the probabilities of all 1024 patch tokens at that step.
    std::vector<std::vector<float>> tokenProbability;
    std::vector<std::vector<std::vector<float>>> patchDistribution;
};

struct GenerationHooks {
    // After each step: (step, new token per row). Return false to stop (cancel).
    std::function<bool(int, const std::vector<std::int64_t>&)> onStep;
    const std::atomic<bool>* cancel = nullptr;
    std::int64_t firstPatchTokenId = -1;   // to record patch distributions (-1: none)
};

GenerationOutput generateTokens(Kosmos2ForConditionalGeneration& model, const GenerationInputs& inputs,
                                const ResolvedGenerationParams& params, const GenerationHooks& hooks = {});

// Refuses float32 CPU logits [rows, V] holding NaN or infinite values in the rows marked in `rows` (all when
// empty): weights with such values (a damaged or badly converted checkpoint), or a computation that overflowed
// in a 16-bit dtype, would otherwise give arbitrary tokens. A plain scan, like argmaxRows.
void requireNumbers(const at::Tensor& logits, int step, const std::vector<bool>& rows = {});

// The logits processors transformers builds for these settings (no_repeat_ngram_size, min_new_tokens, the
// constraint), applied in place to scores [rows, V] (logits for greedy/sampling, log-probs for beam search).
void processScores(at::Tensor& scores, const std::vector<std::vector<std::int64_t>>& sequences, int promptLength,
                   const ResolvedGenerationParams& params);

// Position ids of the next token per row, as transformers' create_position_ids_from_input_ids over the full
// sequence: real tokens counted from pad + 1, a pad token gets pad.
std::vector<std::int64_t> nextPositionIds(const std::vector<std::vector<std::int64_t>>& sequences, std::int64_t pad);

// transformers' NoRepeatNGramLogitsProcessor for one row: tokens that would repeat an n-gram of `sequence`.
std::vector<std::int64_t> bannedNgramTokens(const std::vector<std::int64_t>& sequence, int n);

} // namespace kosmos
