#include "model/engine/kv_cache.h"

namespace kosmos {

void KvCache::allocate(int layers, std::int64_t batch, std::int64_t heads, std::int64_t capacity_,
                       std::int64_t headDim, const at::TensorOptions& options) {
    keys.clear();
    values.clear();
    for (int i = 0; i < layers; ++i) {
        // Zeroed: fixed-shape (graph) steps read the unwritten positions too, masked out; garbage there
        // could hold NaN, which a mask does not remove.
        keys.push_back(at::zeros({batch, heads, capacity_, headDim}, options));
        values.push_back(at::zeros({batch, heads, capacity_, headDim}, options));
    }
    length = 0;
    capacity = capacity_;
}

void KvCache::clear() {
    for (auto& k : keys) k.zero_();
    for (auto& v : values) v.zero_();
    length = 0;
    writeIndex = at::Tensor();
}

void KvCache::reorder(const at::Tensor& batchIndex) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
        auto k = keys[i].narrow(2, 0, length);
        auto v = values[i].narrow(2, 0, length);
        k.copy_(k.index_select(0, batchIndex));
        v.copy_(v.index_select(0, batchIndex));
    }
}

} // namespace kosmos
