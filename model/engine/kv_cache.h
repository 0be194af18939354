#pragma once
// Keys and values of every decoder layer, allocated once for the whole generation
// ([batch, heads, capacity, head_dim]) and filled in place: no per-step reallocation.
#include <ATen/ATen.h>

#include <vector>

namespace kosmos {

struct KvCache {
    std::vector<at::Tensor> keys;
    std::vector<at::Tensor> values;
    std::int64_t length = 0;      // positions filled
    std::int64_t capacity = 0;
    // Fixed-shape steps (CUDA graphs): new keys/values go to `writeIndex` (a device tensor) and
    // attention always spans the whole capacity, with the caller's mask hiding unfilled positions.
    at::Tensor writeIndex;

    void allocate(int layers, std::int64_t batch, std::int64_t heads, std::int64_t capacity, std::int64_t headDim,
                  const at::TensorOptions& options);
    bool allocated() const { return !keys.empty(); }
    // Empty again for a new generation of the same shape: zeroed in place (the tensors keep their addresses,
    // which a recorded decode graph holds), length 0, writeIndex unset.
    void clear();
    // Keeps the rows `batchIndex` (beam search reordering).
    void reorder(const at::Tensor& batchIndex);
};

} // namespace kosmos
