#include "model/engine/graph_decoder.h"

#include <cstdlib>
#include <limits>

#include "model/error.h"

#ifdef KOSMOS_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace kosmos {

#ifdef KOSMOS_WITH_CUDA

struct GraphDecoder::Impl {
    Kosmos2ForConditionalGeneration model;
    KvCache& cache;
    at::Tensor ids, positions, mask, logits;
    at::cuda::CUDAGraph graph;
    bool captured = false;

    at::Tensor forward() {
        auto& text = model->text_model;
        // Additive, built once per step: a boolean mask would be converted again in every layer.
        const at::Tensor& weight = text->lm_head->weight;
        at::Tensor bias = at::zeros(mask.sizes(), weight.options())
                              .masked_fill_(mask.logical_not(), -std::numeric_limits<float>::infinity());
        at::Tensor hidden = text->model(ids, positions, at::Tensor(), at::Tensor(), bias, &cache);
        return text->logits(hidden.select(1, 0)).to(at::kFloat);
    }
};

GraphDecoder::GraphDecoder(Kosmos2ForConditionalGeneration& model, KvCache& cache, std::int64_t batch)
    : mImpl(new Impl{model, cache, {}, {}, {}, {}, {}, false}) {
    const auto& weight = model->text_model->lm_head->weight;
    auto longs = at::TensorOptions().dtype(at::kLong).device(weight.device());
    mImpl->ids = at::zeros({batch, 1}, longs);
    mImpl->positions = at::zeros({batch, 1}, longs);
    // Which cache positions hold keys; forward() turns it into an additive mask of -inf (the dtype's lowest
    // finite value overflowed in bf16 when added to the scores).
    mImpl->mask = at::zeros({batch, 1, 1, cache.capacity}, weight.options().dtype(at::kBool));
    cache.writeIndex = at::zeros({1}, longs);
}

GraphDecoder::~GraphDecoder() { mImpl->cache.writeIndex = at::Tensor(); }

bool GraphDecoder::supported(const at::Device& device) {
    return device.is_cuda() && !std::getenv("KOSMOS_NO_CUDA_GRAPHS");
}

at::Tensor GraphDecoder::step(const at::Tensor& tokenIds, const at::Tensor& positionIds, std::int64_t position,
                              const at::Tensor& validKeys) {
    Impl& d = *mImpl;
    d.ids.copy_(tokenIds.view({-1, 1}));
    d.positions.copy_(positionIds.view({-1, 1}));
    d.cache.writeIndex.fill_(position);
    d.mask.copy_(validKeys.ne(0).view(d.mask.sizes()));
    if (d.captured) {
        d.graph.replay();
        return d.logits;
    }
    // The first step runs eagerly on a side stream (warming up cuBLAS and the allocator), then the same
    // step is captured; later steps replay it.
    at::Tensor out;
    auto stream = c10::cuda::getStreamFromPool();
    auto main = c10::cuda::getCurrentCUDAStream();
    at::cuda::CUDAEvent ready;
    ready.record(main);
    ready.block(stream);
    {
        c10::cuda::CUDAStreamGuard guard(stream);
        out = d.forward().clone();
        d.graph.capture_begin();
        d.logits = d.forward();
        d.graph.capture_end();
    }
    at::cuda::CUDAEvent done;
    done.record(stream);
    done.block(main);
    d.captured = true;
    return out;
}

#else

struct GraphDecoder::Impl {};
GraphDecoder::GraphDecoder(Kosmos2ForConditionalGeneration&, KvCache&, std::int64_t) {
    throw Error("CUDA graphs need a CUDA build of LibTorch");
}
GraphDecoder::~GraphDecoder() = default;
bool GraphDecoder::supported(const at::Device&) { return false; }
at::Tensor GraphDecoder::step(const at::Tensor&, const at::Tensor&, std::int64_t, const at::Tensor&) { return {}; }

#endif

} // namespace kosmos
