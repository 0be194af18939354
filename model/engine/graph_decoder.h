#pragma once
// The decode step (one token per row) replayed as a CUDA graph: the CPU launches one graph instead of
// hundreds of small kernels per token, which is what bounds eager decoding on a fast GPU.
// Shapes are fixed for the whole generation: keys and values span the cache's capacity and a mask
// hides the positions not yet written.
#include <ATen/ATen.h>

#include <memory>

#include "model/engine/kosmos2_model.h"
#include "model/engine/kv_cache.h"

namespace kosmos {

class GraphDecoder {
public:
    // `keyMask` [B, capacity] on the device: 1 where a position holds a real (non-padding) token.
    GraphDecoder(Kosmos2ForConditionalGeneration& model, KvCache& cache, std::int64_t batch);
    ~GraphDecoder();

    // Feeds one token per row at cache position `position` (absolute index in the cache) with
    // sinusoidal positions `positionIds` [B]; returns logits [B, V] (float32, a buffer reused by the next call).
    at::Tensor step(const at::Tensor& tokenIds, const at::Tensor& positionIds, std::int64_t position,
                    const at::Tensor& validKeys);

    static bool supported(const at::Device& device);

private:
    struct Impl;
    std::unique_ptr<Impl> mImpl;
};

} // namespace kosmos
