#include "model/engine/generation.h"

#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/record_function.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <tuple>

#include "model/engine/graph_decoder.h"
#include "model/engine/kv_cache.h"
#include "model/error.h"

namespace kosmos {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Full sequences per row (prompt incl. padding + new tokens).
using Sequences = std::vector<std::vector<std::int64_t>>;

bool isEos(std::int64_t token, const std::vector<std::int64_t>& eos) {
    return std::find(eos.begin(), eos.end(), token) != eos.end();
}

// TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper.
void warpScores(at::Tensor& scores, const ResolvedGenerationParams& p) {
    if (p.temperature != 1.0) scores.div_(p.temperature);
    if (p.topK > 0 && p.topK < scores.size(1)) {
        at::Tensor kth = std::get<0>(scores.topk(p.topK, 1)).select(1, p.topK - 1).unsqueeze(1);
        scores.masked_fill_(scores < kth, kNegInf);
    }
    if (p.topP < 1.0) {
        auto [sorted, indices] = scores.sort(1, /*descending=*/false);
        at::Tensor cumulative = sorted.softmax(1).cumsum(1);
        at::Tensor remove = cumulative <= (1.0 - p.topP);
        remove.select(1, remove.size(1) - 1).fill_(false);   // keep at least one token
        scores.masked_fill_(remove.scatter(1, indices, remove), kNegInf);
    }
}

struct Runner {
    Kosmos2ForConditionalGeneration& model;
    const ResolvedGenerationParams& params;
    const GenerationHooks& hooks;
    KvCache& cache;
    GraphDecoder* decoder;     // graph steps (greedy or sampling on CUDA), else null
    at::Tensor keyMask;        // [N, T] attention mask so far
    at::ScalarType dtype;
    bool padded = true;        // any padding among the keys (else a one-token step needs no mask)

    // Feeds `ids` [N, n]; returns the last position's logits [N, V] in float32.
    at::Tensor step(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& imageEmbeds,
                    const at::Tensor& imageMask) {
        const std::int64_t n = ids.size(1);
        at::Tensor mask = (n == 1 && !padded) ? at::Tensor() : buildAttentionMask(keyMask, n, dtype);
        at::Tensor hidden = model->text_model->model(ids, positions, imageEmbeds, imageMask, mask, &cache);
        cache.length += n;
        return model->text_model->logits(hidden.select(1, n - 1)).to(at::kFloat);
    }

};

void recordProbabilities(GenerationOutput& out, std::size_t row, const at::Tensor& logitsRow, std::int64_t token,
                         std::int64_t firstPatch) {
    at::Tensor probs = logitsRow.softmax(0);
    out.tokenProbability[row].push_back(probs[token].item<float>());
    if (firstPatch >= 0 && token >= firstPatch && token < firstPatch + 1024) {
        at::Tensor slice = probs.narrow(0, firstPatch, 1024).contiguous();
        out.patchDistribution[row].emplace_back(slice.data_ptr<float>(), slice.data_ptr<float>() + 1024);
    } else {
        out.patchDistribution[row].emplace_back();
    }
}

// torch.argmax per row (first index of the maximum, NaN counting as the maximum) as one plain pass: on a
// GPU-sized vocabulary the library's parallel reduction costs more in thread wake-ups than the scan.
std::vector<std::int64_t> argmaxRows(const at::Tensor& scores) {
    const at::Tensor s = scores.contiguous();
    const std::int64_t width = s.size(1);
    std::vector<std::int64_t> best(s.size(0), 0);
    for (std::int64_t r = 0; r < s.size(0); ++r) {
        const float* row = s.data_ptr<float>() + r * width;
        std::int64_t index = 0;
        for (std::int64_t i = 0; i < width; ++i) {
            if (std::isnan(row[i])) {
                index = i;
                break;
            }
            if (row[i] > row[index]) index = i;
        }
        best[r] = index;
    }
    return best;
}

// Whether a step queued ahead was fed what the host chose: the same cache slot, and for every row still
// generating the same token and position (finished rows are padding whatever they are fed).
bool deviceChoiceHolds(const std::vector<std::int64_t>& choice, const std::vector<std::int64_t>& tokens,
                       const std::vector<std::int64_t>& positions, std::int64_t slot, const std::vector<bool>& unfinished) {
    const std::size_t rows = tokens.size();
    if (choice.size() != 2 * rows + 1 || choice[2 * rows] != slot) return false;
    for (std::size_t r = 0; r < rows; ++r)
        if (unfinished[r] && (choice[r] != tokens[r] || choice[rows + r] != positions[r])) return false;
    return true;
}

std::vector<std::vector<std::int64_t>> toRows(const at::Tensor& ids) {
    at::Tensor cpu = ids.to(at::kCPU, at::kLong).contiguous();
    std::vector<std::vector<std::int64_t>> rows(cpu.size(0));
    for (std::int64_t r = 0; r < cpu.size(0); ++r)
        rows[r].assign(cpu[r].data_ptr<std::int64_t>(), cpu[r].data_ptr<std::int64_t>() + cpu.size(1));
    return rows;
}

at::Tensor column(const std::vector<std::int64_t>& values, const at::Device& device) {
    return at::tensor(values, at::TensorOptions().dtype(at::kLong)).view({-1, 1}).to(device);
}

GenerationOutput greedyOrSample(Runner& run, const GenerationInputs& in, const ResolvedGenerationParams& p) {
    const auto device = in.inputIds.device();
    const std::int64_t rows = in.inputIds.size(0);
    const int promptLength = static_cast<int>(in.inputIds.size(1));
    Sequences seqs = toRows(in.inputIds);
    GenerationOutput out;
    out.newTokens.resize(rows);
    out.stoppedBy.assign(rows, "max_new_tokens");
    out.tokenProbability.resize(rows);
    out.patchDistribution.resize(rows);
    std::vector<bool> unfinished(rows, true);
    c10::optional<at::Generator> generator;
    if (p.doSample) {
        generator = at::make_generator<at::CPUGeneratorImpl>(p.seed);
    }

    at::Tensor positions = positionIdsFromInputIds(in.inputIds, p.padTokenId, at::Tensor());
    at::Tensor logits;
    {
        RECORD_USER_SCOPE("kosmos2::prefill");   // named ranges in `bench --profile` traces
        logits = run.step(in.inputIds, positions, in.imageEmbeds, in.imageEmbedsPositionMask);
    }
    GraphDecoder* graph = run.decoder;
    if (graph) graph->begin(run.keyMask);
    // Graph steps are queued one ahead on the device's own greedy choice (graph_decoder.h), except when
    // sampling or a constraint makes that choice rarely the one taken.
    const bool ahead = graph && !p.doSample && !p.constrain && !std::getenv("KOSMOS_NO_STEPS_AHEAD");
    for (int stepIndex = 0; stepIndex < p.maxNewTokens; ++stepIndex) {
        RECORD_USER_SCOPE("kosmos2::decode_step");
        const bool queuedAhead = ahead && stepIndex >= 1 && stepIndex + 1 < p.maxNewTokens;
        if (queuedAhead) graph->launchFromDevice(stepIndex + 1);
        at::Tensor raw = (graph && stepIndex >= 1) ? graph->wait(stepIndex) : logits.to(at::kCPU);
        requireNumbers(raw, stepIndex, unfinished);
        // Scores are edited in place only by these; otherwise the raw logits serve as they are.
        const bool edited = p.doSample || p.noRepeatNgramSize > 0 || static_cast<bool>(p.constrain) ||
                            (stepIndex < p.minNewTokens && !p.eosTokenIds.empty());
        at::Tensor scores = edited ? raw.clone() : raw;
        processScores(scores, seqs, promptLength, p);
        if (p.recordScores) out.stepScores.push_back(scores.clone());
        std::vector<std::int64_t> next(rows);
        if (p.doSample) {
            warpScores(scores, p);
            at::Tensor chosen = at::multinomial(scores.softmax(1), 1, false, generator).view({-1});
            for (std::int64_t r = 0; r < rows; ++r) next[r] = chosen[r].item<std::int64_t>();
        } else {
            next = argmaxRows(scores);
        }
        std::vector<std::int64_t> recorded;   // rows whose token of this step counts
        for (std::int64_t r = 0; r < rows; ++r) {
            if (!unfinished[r]) {
                next[r] = p.padTokenId;
            } else {
                out.newTokens[r].push_back(next[r]);
                recorded.push_back(r);
            }
            seqs[r].push_back(next[r]);
        }
        // Probabilities are bookkeeping on the host: with graph steps they are computed while the GPU runs
        // the next step.
        const auto recordStep = [&] {
            for (std::int64_t r : recorded) recordProbabilities(out, r, raw[r], next[r], run.hooks.firstPatchTokenId);
        };
        for (std::int64_t r = 0; r < rows; ++r)
            if (unfinished[r] && isEos(next[r], p.eosTokenIds)) {
                unfinished[r] = false;
                out.stoppedBy[r] = "eos";
            }
        bool cancelled = run.hooks.cancel && run.hooks.cancel->load();
        if (run.hooks.onStep && !run.hooks.onStep(stepIndex, next)) cancelled = true;
        if (cancelled) {
            for (std::int64_t r = 0; r < rows; ++r)
                if (unfinished[r]) out.stoppedBy[r] = "cancelled";
        }
        const bool more = !cancelled && stepIndex + 1 < p.maxNewTokens &&
                          std::any_of(unfinished.begin(), unfinished.end(), [](bool u) { return u; });
        if (more && graph) {
            const std::vector<std::int64_t> nextPositions = nextPositionIds(seqs, p.padTokenId);
            if (!(queuedAhead &&
                  deviceChoiceHolds(graph->deviceChoice(stepIndex), next, nextPositions, run.cache.length, unfinished)))
                graph->launch(stepIndex + 1, next, nextPositions, run.cache.length);
            run.cache.length += 1;
        }
        recordStep();
        if (!more) break;
        if (graph) continue;
        run.keyMask = at::cat({run.keyMask, at::ones({rows, 1}, run.keyMask.options())}, 1);
        at::Tensor ids = column(next, device);
        logits = run.step(ids, column(nextPositionIds(seqs, p.padTokenId), device), at::Tensor(), at::Tensor());
    }
    return out;
}

} // namespace

void requireNumbers(const at::Tensor& logits, int step, const std::vector<bool>& rows) {
    const at::Tensor s = logits.contiguous();
    const std::int64_t width = s.size(1);
    for (std::int64_t r = 0; r < s.size(0); ++r) {
        if (!rows.empty() && !rows[static_cast<std::size_t>(r)]) continue;
        const float* row = s.data_ptr<float>() + r * width;
        if (std::all_of(row, row + width, [](float v) { return std::isfinite(v); })) continue;
        throw Error("the model's output holds NaN or infinite values at new token " + std::to_string(step + 1) +
                    ": its weights hold such values (a damaged or badly converted checkpoint), or the computation "
                    "overflowed in this dtype (f32 or bf16 have the range f16 lacks)");
    }
}

void processScores(at::Tensor& scores, const std::vector<std::vector<std::int64_t>>& seqs, int promptLength,
                   const ResolvedGenerationParams& p) {
    const int generated = static_cast<int>(seqs[0].size()) - promptLength;
    auto accessor = scores.accessor<float, 2>();
    for (std::size_t row = 0; row < seqs.size(); ++row) {
        if (p.noRepeatNgramSize > 0)
            for (std::int64_t token : bannedNgramTokens(seqs[row], p.noRepeatNgramSize)) accessor[row][token] = kNegInf;
        if (generated < p.minNewTokens)
            for (std::int64_t eos : p.eosTokenIds) accessor[row][eos] = kNegInf;
        if (p.constrain) {
            at::Tensor rowScores = scores[static_cast<std::int64_t>(row)];
            p.constrain(static_cast<std::int64_t>(row), seqs[row], rowScores);
        }
    }
}

std::vector<std::int64_t> nextPositionIds(const std::vector<std::vector<std::int64_t>>& seqs, std::int64_t pad) {
    std::vector<std::int64_t> positions;
    for (const auto& row : seqs) {
        if (row.back() == pad) {
            positions.push_back(pad);
            continue;
        }
        positions.push_back(std::count_if(row.begin(), row.end(), [&](std::int64_t t) { return t != pad; }) + pad);
    }
    return positions;
}

std::vector<std::int64_t> bannedNgramTokens(const std::vector<std::int64_t>& seq, int n) {
    const std::size_t len = seq.size();
    if (n <= 0 || len + 1 < static_cast<std::size_t>(n)) return {};
    std::vector<std::int64_t> banned;
    const std::size_t prefix = static_cast<std::size_t>(n) - 1;
    const std::size_t start = len - prefix;   // the last n-1 tokens
    for (std::size_t i = 0; i + n <= len; ++i) {
        if (std::equal(seq.begin() + i, seq.begin() + i + prefix, seq.begin() + start))
            banned.push_back(seq[i + prefix]);
    }
    return banned;
}

GenerationOutput beamSearchImpl(Kosmos2ForConditionalGeneration& model, KvCache& cache, at::Tensor keyMask,
                                bool padded, const GenerationInputs& in, const ResolvedGenerationParams& p,
                                const GenerationHooks& hooks);

GenerationOutput generateTokens(Kosmos2ForConditionalGeneration& model, const GenerationInputs& in,
                                const ResolvedGenerationParams& p, const GenerationHooks& hooks) {
    if (p.maxNewTokens < 1) throw Error("max_new_tokens must be at least 1");
    const auto& text = model->config.text;
    const std::int64_t rows = in.inputIds.size(0) * std::max(1, p.numBeams);
    const std::int64_t capacity = in.inputIds.size(1) + p.maxNewTokens;
    if (capacity > text.maxPositionEmbeddings)
        throw Error("prompt (" + std::to_string(in.inputIds.size(1)) + " tokens) plus max_new_tokens (" +
                    std::to_string(p.maxNewTokens) + ") exceed the model's " +
                    std::to_string(text.maxPositionEmbeddings) + " positions");
    const at::Tensor& lmHead = model->text_model->lm_head->weight;
    // A graph step attends over the whole cache; a multiple of 16 positions lets the fused attention kernel
    // take its mask as is (it pads anything else, in every layer of every step).
    const bool graphSteps = p.numBeams <= 1 && GraphDecoder::supported(lmHead.device());
    const std::int64_t cacheCapacity = graphSteps ? (capacity + 15) / 16 * 16 : capacity;
    const std::int64_t headDim = text.embedDim / text.attentionHeads;
    KvCache ownCache;
    std::unique_ptr<GraphDecoder> ownDecoder;   // declared after the cache it writes: destroyed first
    KvCache* cache = nullptr;
    GraphDecoder* decoder = nullptr;
    if (graphSteps && model->decoderKeeper()) {
        const DecoderKeeper::Shape shape{rows, cacheCapacity, in.inputIds.size(1), lmHead.scalar_type(),
                                         lmHead.device().index(), at::globalContext().allowTF32CuBLAS()};
        std::tie(cache, decoder) =
            model->decoderKeeper()->take(*model, shape, text.layers, text.attentionHeads, headDim, lmHead.options());
    }
    if (!cache) {
        ownCache.allocate(text.layers, rows, text.attentionHeads, cacheCapacity, headDim, lmHead.options());
        cache = &ownCache;
        if (graphSteps) {
            ownDecoder = std::make_unique<GraphDecoder>(*model, ownCache, rows, in.inputIds.size(1));
            decoder = ownDecoder.get();
        }
    }
    Runner run{model, p, hooks, *cache, decoder, in.attentionMask.to(at::kLong), lmHead.scalar_type()};
    run.padded = !in.attentionMask.to(at::kCPU).all().item<bool>();
    if (p.numBeams > 1) {
        if (p.doSample) throw Error("beam sampling is not supported: use num_beams 1 with sampling");
        return beamSearchImpl(model, run.cache, run.keyMask, run.padded, in, p, hooks);
    }
    return greedyOrSample(run, in, p);
}

} // namespace kosmos
