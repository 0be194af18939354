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
#include <utility>
#include <vector>

#include "model/engine/kosmos2_model.h"
#include "model/engine/kv_cache.h"

namespace kosmos {

class GraphDecoder {
public:
    // A decoder for generations of `rows` rows after a prompt of `promptLength` positions, writing `cache`
    // (allocated with the generation's capacity; it outlives the decoder).
    GraphDecoder(Kosmos2ForConditionalGenerationImpl& model, KvCache& cache, std::int64_t rows,
                 std::int64_t promptLength);
    ~GraphDecoder();   // waits for the steps still queued

    // Starts a generation once its prompt is in the cache: `promptKeyMask` [rows, prompt length] on the device,
    // 1 where a prompt position holds a real (non-padding) token. Generated positions are always attended to.
    void begin(const at::Tensor& promptKeyMask);
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

// An inference model's KV cache and graph decoder, kept from one generation to the next of the same shape:
// that one replays the recorded step from its first token instead of running it eagerly, recording and
// instantiating it again (per image, in the workbench and the bench alike). One shape is kept, and no cache
// larger than kMaxKeptCacheBytes.
class DecoderKeeper {
public:
    struct Shape {
        std::int64_t rows = 0, capacity = 0, promptLength = 0;
        at::ScalarType dtype = at::kFloat;
        int device = -1;
        bool tf32 = false;   // cuBLAS's TF32 setting, which a recorded product keeps (another engine may change it)
        bool operator==(const Shape& o) const {
            return rows == o.rows && capacity == o.capacity && promptLength == o.promptLength && dtype == o.dtype &&
                   device == o.device && tf32 == o.tf32;
        }
    };
    static constexpr std::int64_t kMaxKeptCacheBytes = std::int64_t(512) << 20;

    DecoderKeeper();
    ~DecoderKeeper();
    // An empty cache of `shape` and its decoder, the kept ones where they match (null, null where the cache
    // would be larger than kept caches may be: the caller allocates its own). Valid until the next take().
    std::pair<KvCache*, GraphDecoder*> take(Kosmos2ForConditionalGenerationImpl& model, const Shape& shape,
                                            int layers, std::int64_t heads, std::int64_t headDim,
                                            const at::TensorOptions& options);

private:
    Kosmos2ForConditionalGenerationImpl* mModel = nullptr;
    Shape mShape;
    KvCache mCache;
    std::unique_ptr<GraphDecoder> mDecoder;   // declared after the cache it writes: destroyed first
};

} // namespace kosmos
