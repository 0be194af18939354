#pragma once
// The decode step (one token per row) replayed as a CUDA graph: the CPU launches one graph instead of
// hundreds of small kernels per token, which is what bounds eager decoding on a fast GPU.
// Shapes are fixed for the whole generation: keys and values span the cache's capacity and a mask
// hides the positions not yet written.
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "model/engine/kosmos2_model.h"
#include "model/engine/kv_cache.h"

namespace kosmos {

class GraphDecoder {
public:
    // `promptKeyMask` [B, prompt length] on the device: 1 where a prompt position holds a real (non-padding)
    // token. Generated positions are always attended to.
    GraphDecoder(Kosmos2ForConditionalGeneration& model, KvCache& cache, const at::Tensor& promptKeyMask);
    ~GraphDecoder();

    // Feeds one token per row at cache position `position` (absolute index in the cache) with sinusoidal
    // positions `positionIds`; returns logits [B, V] (float32, a buffer reused by the next call).
    at::Tensor step(const std::vector<std::int64_t>& tokenIds, const std::vector<std::int64_t>& positionIds,
                    std::int64_t position);

    static bool supported(const at::Device& device);

private:
    struct Impl;
    std::unique_ptr<Impl> mImpl;
};

} // namespace kosmos
