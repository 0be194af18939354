#include "model/engine/graph_decoder.h"

#include <algorithm>
#include <limits>

#include "model/error.h"

#ifdef KOSMOS_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "model/engine/cuda_graph_capture.h"
#endif

namespace kosmos {

#ifdef KOSMOS_WITH_CUDA

struct GraphDecoder::Impl {
    Impl(Kosmos2ForConditionalGenerationImpl& m, KvCache& c, std::int64_t rows) : model(&m), cache(c), batch(rows) {}

    Kosmos2ForConditionalGenerationImpl* model;   // not owned: a model keeps its DecoderKeeper
    KvCache& cache;
    std::int64_t batch;
    // The step's inputs [ids (B), positions (B), cache write index (1)]: uploaded from a pinned host buffer
    // (launch) or left by the step before (launchFromDevice).
    at::Tensor inputs, staging;
    at::Tensor promptKeyRows;   // [B, capacity] bool: the prompt's real (non-padding) positions
    at::Tensor promptKeys;      // the same as [B, 1, 1, capacity]
    at::Tensor slots;        // [capacity] 0, 1, 2, ...
    std::int64_t promptLength = 0;
    at::Tensor logits;
    at::cuda::CUDAGraph graph;
    bool captured = false;
    bool eager = false;   // recording failed (cuda_graph_capture.h): each step runs launch by launch
    // Two steps can be in flight: step k copies its logits and the inputs it chose for step k + 1 into
    // the pinned buffers k % 2 and records done[k % 2].
    at::Tensor hostLogits[2], hostChoice[2];
    at::cuda::CUDAEvent done[2];

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
        at::Tensor out = text->logits(hidden.select(1, 0)).to(at::kFloat);
        // The greedy choice for the next step, in place: every read of the inputs above comes first.
        inputs.narrow(0, 0, batch).copy_(out.argmax(-1));
        inputs.narrow(0, batch, batch).add_(1);
        inputs.narrow(0, 2 * batch, 1).add_(1);
        return out;
    }

    void run(int step) {
        at::Tensor result;
        if (captured) {
            graph.replay();
            result = logits;
        } else if (eager) {
            result = forward();
        } else {
            // The first step runs eagerly, then the same step is captured; later steps replay it.
            result = warmUpAndCapture(graph, [&] { return forward(); }, logits);
            captured = logits.defined();
            eager = !captured;
        }
        const int slot = step % 2;
        hostLogits[slot].copy_(result, /*non_blocking=*/true);
        hostChoice[slot].copy_(inputs, /*non_blocking=*/true);
        done[slot].record(c10::cuda::getCurrentCUDAStream());
    }
};

GraphDecoder::GraphDecoder(Kosmos2ForConditionalGenerationImpl& model, KvCache& cache, std::int64_t rows,
                           std::int64_t promptLength)
    : mImpl(new Impl(model, cache, rows)) {
    Impl& d = *mImpl;
    const auto device = model.text_model->lm_head->weight.device();
    auto longs = at::TensorOptions().dtype(at::kLong).device(device);
    auto pinned = [](at::ScalarType type) { return at::TensorOptions().dtype(type).pinned_memory(true); };
    d.inputs = at::zeros({2 * d.batch + 1}, longs);
    d.staging = at::empty({2 * d.batch + 1}, pinned(at::kLong));
    const std::int64_t vocab = model.text_model->lm_head->weight.size(0);
    for (int i = 0; i < 2; ++i) {
        d.hostLogits[i] = at::empty({d.batch, vocab}, pinned(at::kFloat));
        d.hostChoice[i] = at::empty({2 * d.batch + 1}, pinned(at::kLong));
    }
    d.promptLength = promptLength;
    d.promptKeyRows = at::zeros({d.batch, cache.capacity}, longs.dtype(at::kBool));
    d.promptKeys = d.promptKeyRows.view({d.batch, 1, 1, cache.capacity});
    d.slots = at::arange(cache.capacity, longs);
}

GraphDecoder::~GraphDecoder() {
    // A step queued ahead and never read may still run; the graph and its buffers must outlive it. Without
    // throwing: this also runs when the model goes, with the device possibly in an error state.
    (void)cudaStreamSynchronize(c10::cuda::getCurrentCUDAStream().stream());
    mImpl->cache.writeIndex = at::Tensor();
}

void GraphDecoder::begin(const at::Tensor& promptKeyMask) {
    Impl& d = *mImpl;
    if (promptKeyMask.size(0) != d.batch || promptKeyMask.size(1) != d.promptLength)
        throw Error("graph decode step: the prompt mask does not have the decoder's shape");
    d.promptKeyRows.narrow(1, 0, d.promptLength).copy_(promptKeyMask.ne(0));
    d.cache.writeIndex = d.inputs.narrow(0, 2 * d.batch, 1);
}

bool GraphDecoder::supported(const at::Device& device) { return cudaGraphsEnabled(device); }

void GraphDecoder::launch(int step, const std::vector<std::int64_t>& tokenIds,
                          const std::vector<std::int64_t>& positionIds, std::int64_t position) {
    Impl& d = *mImpl;
    if (static_cast<std::int64_t>(tokenIds.size()) != d.batch || static_cast<std::int64_t>(positionIds.size()) != d.batch)
        throw Error("graph decode step: one token and one position per row expected");
    std::int64_t* host = d.staging.data_ptr<std::int64_t>();
    std::copy(tokenIds.begin(), tokenIds.end(), host);
    std::copy(positionIds.begin(), positionIds.end(), host + d.batch);
    host[2 * d.batch] = position;
    // Asynchronous: the host rewrites the buffer only after waiting for a step queued after this upload.
    d.inputs.copy_(d.staging, /*non_blocking=*/true);
    d.run(step);
}

void GraphDecoder::launchFromDevice(int step) {
    if (!mImpl->captured && !mImpl->eager)
        throw Error("graph decode step: the first step must be fed from the host");
    mImpl->run(step);
}

at::Tensor GraphDecoder::wait(int step) {
    mImpl->done[step % 2].synchronize();
    return mImpl->hostLogits[step % 2];
}

std::vector<std::int64_t> GraphDecoder::deviceChoice(int step) const {
    const at::Tensor& choice = mImpl->hostChoice[step % 2];
    return std::vector<std::int64_t>(choice.data_ptr<std::int64_t>(), choice.data_ptr<std::int64_t>() + choice.numel());
}

#else

struct GraphDecoder::Impl {};
GraphDecoder::GraphDecoder(Kosmos2ForConditionalGenerationImpl&, KvCache&, std::int64_t, std::int64_t) {
    throw Error("CUDA graphs need a CUDA build of LibTorch");
}
GraphDecoder::~GraphDecoder() = default;
void GraphDecoder::begin(const at::Tensor&) {}
bool GraphDecoder::supported(const at::Device&) { return false; }
void GraphDecoder::launch(int, const std::vector<std::int64_t>&, const std::vector<std::int64_t>&, std::int64_t) {}
void GraphDecoder::launchFromDevice(int) {}
at::Tensor GraphDecoder::wait(int) { return {}; }
std::vector<std::int64_t> GraphDecoder::deviceChoice(int) const { return {}; }

#endif

DecoderKeeper::DecoderKeeper() = default;
DecoderKeeper::~DecoderKeeper() = default;

std::pair<KvCache*, GraphDecoder*> DecoderKeeper::take(Kosmos2ForConditionalGenerationImpl& model, const Shape& shape,
                                                       int layers, std::int64_t heads, std::int64_t headDim,
                                                       const at::TensorOptions& options) {
    if (mDecoder && mModel == &model && mShape == shape) {
        mCache.clear();
        return {&mCache, mDecoder.get()};
    }
    mDecoder.reset();   // first: it waits for its queued steps, which write the cache
    mCache = KvCache();
    mModel = nullptr;
    const std::int64_t bytes = 2 * layers * shape.rows * heads * shape.capacity * headDim *
                               static_cast<std::int64_t>(c10::elementSize(shape.dtype));
    if (bytes > kMaxKeptCacheBytes) return {nullptr, nullptr};
    mCache.allocate(layers, shape.rows, heads, shape.capacity, headDim, options);
    mDecoder = std::make_unique<GraphDecoder>(model, mCache, shape.rows, shape.promptLength);
    mModel = &model;
    mShape = shape;
    return {&mCache, mDecoder.get()};
}

} // namespace kosmos
