#pragma once
// The decode step (one token per row) replayed as a CUDA graph: the CPU launches one graph instead of
// hundreds of small kernels per token, which is what bounds eager decoding on a fast GPU.
// Shapes are fixed for the whole generation: keys and values span the cache's capacity and a mask
// hides the positions not yet written.
//
// Each step also leaves, on the device, the inputs greedy decoding would give the step after it (per row
// the argmax of its logits, the next position and cache slot), so that step can be queued before the host
// has read the logits: the GPU then never waits for the host's bookkeeping between tokens. The host checks
// that choice against its own (logits processors may change it) and launches the step again where it differs.
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
    ~GraphDecoder();   // waits for the steps still queued

    // Queues step `step` (which computes the logits of new token `step`) fed from the host: one token and
    // one position per row, written to cache slot `position` (absolute index in the cache).
    void launch(int step, const std::vector<std::int64_t>& tokenIds, const std::vector<std::int64_t>& positionIds,
                std::int64_t position);
    // Queues step `step` fed by the device's greedy choice after the step queued before it.
    void launchFromDevice(int step);
    // Waits for step `step`; returns its logits [B, V] (float32 on the host, valid until step + 2 is queued).
    at::Tensor wait(int step);
    // After wait(step): the inputs the device chose for step + 1 ([tokens (B), positions (B), cache slot]).
    std::vector<std::int64_t> deviceChoice(int step) const;

    static bool supported(const at::Device& device);

private:
    struct Impl;
    std::unique_ptr<Impl> mImpl;
};

} // namespace kosmos
