#include "model/engine/attention.h"

#include <cmath>
#include <limits>

#include "model/engine/kv_cache.h"

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

namespace kosmos {
namespace {

// [B, n, E] -> [B, H, n, E/H]
at::Tensor splitHeads(const at::Tensor& x, int heads) {
    return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

at::Tensor mergeHeads(const at::Tensor& x) {
    return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

} // namespace

at::Tensor scaledAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
#if defined(TORCH_VERSION_MAJOR) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1))
    // q is pre-scaled as in transformers, hence scale 1.
    return at::scaled_dot_product_attention(q, k, v, mask.defined() ? c10::optional<at::Tensor>(mask) : c10::nullopt,
                                            0.0, false, 1.0);
#else
    at::Tensor weights = at::matmul(q, k.transpose(-1, -2));
    if (mask.defined() && mask.scalar_type() == at::kBool)
        weights = weights.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
    else if (mask.defined())
        weights = weights + mask;
    return at::matmul(at::softmax(weights, -1), v);
#endif
}

Kosmos2VisionAttentionImpl::Kosmos2VisionAttentionImpl(int embedDim, int heads_, const at::TensorOptions& o)
    : heads(heads_) {
    k_proj = register_module("k_proj", Linear(embedDim, embedDim, true, o));
    v_proj = register_module("v_proj", Linear(embedDim, embedDim, true, o));
    q_proj = register_module("q_proj", Linear(embedDim, embedDim, true, o));
    out_proj = register_module("out_proj", Linear(embedDim, embedDim, true, o));
}

at::Tensor Kosmos2VisionAttentionImpl::forward(const at::Tensor& x) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(x.size(2) / heads));
    at::Tensor q = splitHeads(q_proj(x) * scale, heads);
    at::Tensor k = splitHeads(k_proj(x), heads);
    at::Tensor v = splitHeads(v_proj(x), heads);
    return out_proj(mergeHeads(scaledAttention(q, k, v, at::Tensor())));
}

KosmosTextAttentionImpl::KosmosTextAttentionImpl(int embedDim, int heads_, bool innerLayerNorm, double eps,
                                                 const at::TensorOptions& o)
    : heads(heads_) {
    k_proj = register_module("k_proj", Linear(embedDim, embedDim, true, o));
    v_proj = register_module("v_proj", Linear(embedDim, embedDim, true, o));
    q_proj = register_module("q_proj", Linear(embedDim, embedDim, true, o));
    out_proj = register_module("out_proj", Linear(embedDim, embedDim, true, o));
    if (innerLayerNorm) inner_attn_ln = register_module("inner_attn_ln", LayerNorm(embedDim, eps, o));
}

at::Tensor KosmosTextAttentionImpl::forward(const at::Tensor& x, const at::Tensor& keyValue, const at::Tensor& mask,
                                            KvCache* cache, int layerIndex) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(x.size(2) / heads));
    const at::Tensor& source = keyValue.defined() ? keyValue : x;
    at::Tensor q = splitHeads(q_proj(x) * scale, heads);
    at::Tensor k = splitHeads(k_proj(source), heads);
    at::Tensor v = splitHeads(v_proj(source), heads);
    if (cache && cache->allocated() && cache->writeIndex.defined()) {
        cache->keys[layerIndex].index_copy_(2, cache->writeIndex, k);
        cache->values[layerIndex].index_copy_(2, cache->writeIndex, v);
        k = cache->keys[layerIndex];
        v = cache->values[layerIndex];
    } else if (cache && cache->allocated()) {
        const std::int64_t n = k.size(2);
        cache->keys[layerIndex].narrow(2, cache->length, n).copy_(k);
        cache->values[layerIndex].narrow(2, cache->length, n).copy_(v);
        k = cache->keys[layerIndex].narrow(2, 0, cache->length + n);
        v = cache->values[layerIndex].narrow(2, 0, cache->length + n);
    }
    at::Tensor out = mergeHeads(scaledAttention(q, k, v, mask));
    if (inner_attn_ln) out = inner_attn_ln(out);
    return out_proj(out);
}

} // namespace kosmos
