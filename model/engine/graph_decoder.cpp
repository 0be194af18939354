#include "model/engine/graph_decoder.h"

#include <algorithm>
#include <limits>

#include "model/error.h"

#ifdef KOSMOS_WITH_CUDA
#include "model/engine/cuda_graph_capture.h"
#endif

namespace kosmos {

#ifdef KOSMOS_WITH_CUDA

struct GraphDecoder::Impl {
    Impl(Kosmos2ForConditionalGeneration& m, KvCache& c, std::int64_t rows) : model(m), cache(c), batch(rows) {}

    Kosmos2ForConditionalGeneration model;
    KvCache& cache;
    std::int64_t batch;
    // One upload per step: [ids (B), positions (B), cache write index (1)], from a pinned host buffer.
    at::Tensor inputs, staging;
    at::Tensor promptKeys;   // [B, 1, 1, capacity] bool: the prompt's real (non-padding) positions
    at::Tensor slots;        // [capacity] 0, 1, 2, ...
    std::int64_t promptLength = 0;
    at::Tensor logits;
    at::cuda::CUDAGraph graph;
    bool captured = false;

    at::Tensor forward() {
        auto& text = model->text_model;
        at::Tensor ids = inputs.narrow(0, 0, batch).view({batch, 1});
        at::Tensor positions = inputs.narrow(0, batch, batch).view({batch, 1});
        // Keys: the prompt's real tokens and every generated one up to this step's. Additive and built once
        // per step (a boolean mask is converted again in every layer); -inf, as the dtype's lowest finite
        // value overflowed in bf16 when added to the scores.
        at::Tensor generated = slots.ge(promptLength).logical_and(slots.le(cache.writeIndex));
        at::Tensor valid = promptKeys.logical_or(generated.view({1, 1, 1, -1}));
        at::Tensor bias = at::zeros(valid.sizes(), text->lm_head->weight.options())
                              .masked_fill_(valid.logical_not(), -std::numeric_limits<float>::infinity());
        at::Tensor hidden = text->model(ids, positions, at::Tensor(), at::Tensor(), bias, &cache);
        return text->logits(hidden.select(1, 0)).to(at::kFloat);
    }
};

GraphDecoder::GraphDecoder(Kosmos2ForConditionalGeneration& model, KvCache& cache, const at::Tensor& promptKeyMask)
    : mImpl(new Impl(model, cache, promptKeyMask.size(0))) {
    Impl& d = *mImpl;
    const auto device = model->text_model->lm_head->weight.device();
    auto longs = at::TensorOptions().dtype(at::kLong).device(device);
    d.inputs = at::zeros({2 * d.batch + 1}, longs);
    d.staging = at::empty({2 * d.batch + 1}, at::TensorOptions().dtype(at::kLong).pinned_memory(true));
    d.promptLength = promptKeyMask.size(1);
    d.promptKeys = at::zeros({d.batch, cache.capacity}, longs.dtype(at::kBool));
    d.promptKeys.narrow(1, 0, d.promptLength).copy_(promptKeyMask.ne(0));
    d.promptKeys = d.promptKeys.view({d.batch, 1, 1, cache.capacity});
    d.slots = at::arange(cache.capacity, longs);
    cache.writeIndex = d.inputs.narrow(0, 2 * d.batch, 1);
}

GraphDecoder::~GraphDecoder() { mImpl->cache.writeIndex = at::Tensor(); }

bool GraphDecoder::supported(const at::Device& device) { return cudaGraphsEnabled(device); }

at::Tensor GraphDecoder::step(const std::vector<std::int64_t>& tokenIds, const std::vector<std::int64_t>& positionIds,
                              std::int64_t position) {
    Impl& d = *mImpl;
    if (static_cast<std::int64_t>(tokenIds.size()) != d.batch || static_cast<std::int64_t>(positionIds.size()) != d.batch)
        throw Error("graph decode step: one token and one position per row expected");
    std::int64_t* host = d.staging.data_ptr<std::int64_t>();
    std::copy(tokenIds.begin(), tokenIds.end(), host);
    std::copy(positionIds.begin(), positionIds.end(), host + d.batch);
    host[2 * d.batch] = position;
    // Asynchronous: the buffer is rewritten only after this step's logits were read back, which orders after it.
    d.inputs.copy_(d.staging, /*non_blocking=*/true);
    if (d.captured) {
        d.graph.replay();
        return d.logits;
    }
    // The first step runs eagerly, then the same step is captured; later steps replay it.
    at::Tensor out = warmUpAndCapture(d.graph, [&] { return d.forward(); }, d.logits);
    d.captured = true;
    return out;
}

#else

struct GraphDecoder::Impl {};
GraphDecoder::GraphDecoder(Kosmos2ForConditionalGeneration&, KvCache&, const at::Tensor&) {
    throw Error("CUDA graphs need a CUDA build of LibTorch");
}
GraphDecoder::~GraphDecoder() = default;
bool GraphDecoder::supported(const at::Device&) { return false; }
at::Tensor GraphDecoder::step(const std::vector<std::int64_t>&, const std::vector<std::int64_t>&, std::int64_t) {
    return {};
}

#endif

} // namespace kosmos
