// Beam search as transformers' _beam_search with BeamSearchScorer (early_stopping=False,
// num_beam_hyps_to_keep=1): log-softmax scores, processors on log-probs, 2*K candidates per batch row.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "model/engine/generation.h"
#include "model/engine/kv_cache.h"
#include "model/error.h"

namespace kosmos {
namespace {

using Distribution = std::shared_ptr<const std::vector<float>>;   // shared between beams of one history

// What a beam's new tokens were, for the boxes' confidences and heat maps: per new token, its probability under
// the model at its step (softmax of the raw logits of the beam it extended, as greedy search records it) and,
// for patch-index tokens, the probabilities of all 1024 patch tokens.
struct TokenHistory {
    std::vector<float> probabilities;
    std::vector<Distribution> patches;
};

struct Hypothesis {
    double score;
    std::vector<std::int64_t> tokens;   // full sequence
    TokenHistory history;
};

// BeamHypotheses
struct Hypotheses {
    int numBeams;
    double lengthPenalty;
    std::vector<Hypothesis> beams;
    double worstScore = 1e9;

    void add(std::vector<std::int64_t> tokens, TokenHistory history, double sumLogprobs,
             std::int64_t generatedLength) {
        const double score = sumLogprobs / std::pow(static_cast<double>(generatedLength), lengthPenalty);
        if (static_cast<int>(beams.size()) < numBeams || score > worstScore) {
            beams.push_back({score, std::move(tokens), std::move(history)});
            if (static_cast<int>(beams.size()) > numBeams) {
                std::vector<std::pair<double, std::size_t>> sorted;
                for (std::size_t i = 0; i < beams.size(); ++i) sorted.emplace_back(beams[i].score, i);
                std::sort(sorted.begin(), sorted.end());
                beams.erase(beams.begin() + static_cast<std::ptrdiff_t>(sorted[0].second));
                worstScore = sorted[1].first;
            } else {
                worstScore = std::min(score, worstScore);
            }
        }
    }

    bool isDone(double bestSumLogprobs, std::int64_t generatedLength) const {
        if (static_cast<int>(beams.size()) < numBeams) return false;
        const double highest = bestSumLogprobs / std::pow(static_cast<double>(generatedLength), lengthPenalty);
        return worstScore >= highest;
    }
};

} // namespace

GenerationOutput beamSearchImpl(Kosmos2ForConditionalGeneration& model, KvCache& cache, at::Tensor keyMask,
                                bool padded, const GenerationInputs& in, const ResolvedGenerationParams& p,
                                const GenerationHooks& hooks) {
    const auto device = in.inputIds.device();
    const std::int64_t batch = in.inputIds.size(0);
    const std::int64_t K = p.numBeams;
    const std::int64_t N = batch * K;
    const std::int64_t promptLength = in.inputIds.size(1);
    const at::ScalarType dtype = model->text_model->lm_head->weight.scalar_type();
    auto& textModel = model->text_model;

    at::Tensor expand = at::arange(batch, at::TensorOptions().dtype(at::kLong)).repeat_interleave(K).to(device);
    at::Tensor ids = in.inputIds.index_select(0, expand);
    keyMask = keyMask.index_select(0, expand);
    at::Tensor imageEmbeds = in.imageEmbeds.defined() ? in.imageEmbeds.index_select(0, expand) : at::Tensor();
    at::Tensor imageMask =
        in.imageEmbedsPositionMask.defined() ? in.imageEmbedsPositionMask.index_select(0, expand) : at::Tensor();

    std::vector<std::vector<std::int64_t>> seqs(N);
    {
        at::Tensor cpu = ids.to(at::kCPU).contiguous();
        for (std::int64_t r = 0; r < N; ++r)
            seqs[r].assign(cpu[r].data_ptr<std::int64_t>(), cpu[r].data_ptr<std::int64_t>() + promptLength);
    }
    std::vector<TokenHistory> histories(N);
    const std::int64_t firstPatch = hooks.firstPatchTokenId;
    std::vector<double> beamScores(N, 0.0);
    for (std::int64_t b = 0; b < batch; ++b)
        for (std::int64_t k = 1; k < K; ++k) beamScores[b * K + k] = -1e9;
    std::vector<Hypotheses> hyps(batch, Hypotheses{static_cast<int>(K), p.lengthPenalty, {}, 1e9});
    std::vector<bool> done(batch, false);
    GenerationOutput out;

    at::Tensor positions = positionIdsFromInputIds(ids, p.padTokenId, at::Tensor());
    at::Tensor mask = buildAttentionMask(keyMask, promptLength, dtype);
    at::Tensor hidden = textModel->model(ids, positions, imageEmbeds, imageMask, mask, &cache);
    cache.length += promptLength;
    at::Tensor logits = textModel->logits(hidden.select(1, promptLength - 1)).to(at::kFloat);

    const std::int64_t eosCount = static_cast<std::int64_t>(p.eosTokenIds.size());
    const std::int64_t keep = std::max<std::int64_t>(2, 1 + eosCount) * K;
    bool cancelled = false;
    for (int stepIndex = 0; stepIndex < p.maxNewTokens; ++stepIndex) {
        at::Tensor raw = logits.to(at::kCPU);
        requireNumbers(raw, stepIndex);
        const at::Tensor logProbs = raw.log_softmax(1);
        at::Tensor scores = logProbs.clone();
        // processors see the sequences as they are (no new token yet)
        const std::int64_t generated = static_cast<std::int64_t>(seqs[0].size()) - promptLength;
        processScores(scores, seqs, static_cast<int>(promptLength), p);
        if (p.recordScores) out.stepScores.push_back(scores.clone());
        at::Tensor total = scores + at::tensor(beamScores, at::TensorOptions().dtype(at::kDouble)).to(at::kFloat).unsqueeze(1);
        const std::int64_t V = total.size(1);
        auto [topScores, topTokens] = total.view({batch, K * V}).topk(keep, 1, true, true);

        std::vector<std::int64_t> nextTokens(N, p.padTokenId), nextSource(N, 0);
        std::vector<double> nextScores(N, 0.0);
        const std::int64_t curLen = promptLength + generated + 1;
        for (std::int64_t b = 0; b < batch; ++b) {
            if (done[b]) {
                for (std::int64_t k = 0; k < K; ++k) nextSource[b * K + k] = b * K;
                continue;
            }
            std::int64_t beam = 0;
            for (std::int64_t rank = 0; rank < keep; ++rank) {
                const std::int64_t flat = topTokens[b][rank].item<std::int64_t>();
                const double score = topScores[b][rank].item<float>();
                const std::int64_t token = flat % V;
                const std::int64_t source = b * K + flat / V;
                if (std::find(p.eosTokenIds.begin(), p.eosTokenIds.end(), token) != p.eosTokenIds.end()) {
                    if (rank >= K) continue;
                    hyps[b].add(seqs[source], histories[source], score, curLen - promptLength);
                } else {
                    nextScores[b * K + beam] = score;
                    nextTokens[b * K + beam] = token;
                    nextSource[b * K + beam] = source;
                    ++beam;
                }
                if (beam == K) break;
            }
            done[b] = done[b] || hyps[b].isDone(topScores[b].max().item<float>(), curLen - promptLength);
        }
        std::vector<std::vector<std::int64_t>> reordered(N);
        std::vector<TokenHistory> reorderedHistories(N);
        const auto logProb = logProbs.accessor<float, 2>();
        for (std::int64_t r = 0; r < N; ++r) {
            const std::int64_t from = nextSource[r], token = nextTokens[r];
            reordered[r] = seqs[from];
            reordered[r].push_back(token);
            TokenHistory& history = reorderedHistories[r];
            history = histories[from];
            history.probabilities.push_back(std::exp(logProb[from][token]));
            Distribution patches;
            if (firstPatch >= 0 && token >= firstPatch && token < firstPatch + 1024) {
                at::Tensor slice = logProbs[from].narrow(0, firstPatch, 1024).exp().contiguous();
                patches = std::make_shared<const std::vector<float>>(slice.data_ptr<float>(),
                                                                     slice.data_ptr<float>() + 1024);
            }
            history.patches.push_back(std::move(patches));
        }
        seqs = std::move(reordered);
        histories = std::move(reorderedHistories);
        beamScores = nextScores;
        at::Tensor source = at::tensor(nextSource, at::TensorOptions().dtype(at::kLong)).to(device);
        cache.reorder(source);
        keyMask = at::cat({keyMask.index_select(0, source), at::ones({N, 1}, keyMask.options())}, 1);

        if (hooks.onStep && !hooks.onStep(stepIndex, nextTokens)) cancelled = true;
        if (hooks.cancel && hooks.cancel->load()) cancelled = true;
        const bool allDone = std::all_of(done.begin(), done.end(), [](bool d) { return d; });
        if (allDone || cancelled || stepIndex + 1 == p.maxNewTokens) break;

        at::Tensor stepIds = at::tensor(nextTokens, at::TensorOptions().dtype(at::kLong)).view({N, 1}).to(device);
        at::Tensor stepPos =
            at::tensor(nextPositionIds(seqs, p.padTokenId), at::TensorOptions().dtype(at::kLong)).view({N, 1}).to(device);
        at::Tensor stepMask = padded ? buildAttentionMask(keyMask, 1, dtype) : at::Tensor();
        hidden = textModel->model(stepIds, stepPos, at::Tensor(), at::Tensor(), stepMask, &cache);
        cache.length += 1;
        logits = textModel->logits(hidden.select(1, 0)).to(at::kFloat);
    }

    // BeamSearchScorer.finalize
    for (std::int64_t b = 0; b < batch; ++b) {
        if (done[b]) continue;
        for (std::int64_t k = 0; k < K; ++k) {
            const std::int64_t r = b * K + k;
            hyps[b].add(seqs[r], histories[r], beamScores[r], static_cast<std::int64_t>(seqs[r].size()) - promptLength);
        }
    }
    out.newTokens.resize(batch);
    out.stoppedBy.resize(batch);
    out.tokenProbability.resize(batch);
    out.patchDistribution.resize(batch);
    for (std::int64_t b = 0; b < batch; ++b) {
        auto best = std::max_element(hyps[b].beams.begin(), hyps[b].beams.end(),
                                     [](const Hypothesis& x, const Hypothesis& y) { return x.score < y.score; });
        // sorted(...).pop() takes the last of equal scores: the later-added one
        for (auto it = hyps[b].beams.begin(); it != hyps[b].beams.end(); ++it)
            if (it->score == best->score) best = it;
        out.newTokens[b].assign(best->tokens.begin() + promptLength, best->tokens.end());
        out.tokenProbability[b] = best->history.probabilities;
        for (const Distribution& patches : best->history.patches)
            out.patchDistribution[b].push_back(patches ? *patches : std::vector<float>());
        out.sequenceScores.push_back(best->score);
        const bool endsWithEos = std::find(p.eosTokenIds.begin(), p.eosTokenIds.end(),
                                           out.newTokens[b].empty() ? -1 : out.newTokens[b].back()) != p.eosTokenIds.end();
        out.stoppedBy[b] = cancelled ? "cancelled" : (endsWithEos || done[b]) ? "eos" : "max_new_tokens";
    }
    return out;
}

} // namespace kosmos
