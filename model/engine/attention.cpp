#include "model/engine/attention.h"

#include <cmath>
#include <limits>

#include "model/engine/cpu_attention.h"
#include "model/engine/kv_cache.h"
#include "model/error.h"

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
    const bool singleQuery = singleQueryAttentionApplies(q, k, v);
#if defined(TORCH_VERSION_MAJOR) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1))
    // q is pre-scaled as in transformers, hence scale 1.
    if (!singleQuery)
        return at::scaled_dot_product_attention(
            q, k, v, mask.defined() ? c10::optional<at::Tensor>(mask) : c10::nullopt, 0.0, false, 1.0);
#endif
    at::Tensor weights = singleQuery ? singleQueryScores(q, k) : at::matmul(q, k.transpose(-1, -2));
    if (mask.defined() && mask.scalar_type() == at::kBool)
        weights = weights.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
    else if (mask.defined())
        weights = weights + mask;
    at::Tensor probabilities = at::softmax(weights, -1);
    return singleQuery ? singleQueryMix(probabilities, v) : at::matmul(probabilities, v);
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

void KosmosTextAttentionImpl::fuseProjections() {
    at::NoGradGuard noGrad;
    Linear parts[3] = {q_proj, k_proj, v_proj};
    for (const Linear& l : parts)
        if (l->loraA.defined() || l->int8.values.defined() || !l->bias.defined()) return;
    const std::int64_t e = q_proj->weight.size(0);
    qkvWeight = at::cat({q_proj->weight, k_proj->weight, v_proj->weight}, 0);
    qkvBias = at::cat({q_proj->bias, k_proj->bias, v_proj->bias}, 0);
    for (int i = 0; i < 3; ++i) {
        parts[i]->weight.set_data(qkvWeight.narrow(0, i * e, e));
        parts[i]->bias.set_data(qkvBias.narrow(0, i * e, e));
    }
}

void KosmosTextAttentionImpl::quantizeInt8() {
    at::NoGradGuard noGrad;
    Linear parts[3] = {q_proj, k_proj, v_proj};
    for (const Linear& l : parts)
        if (l->loraA.defined()) throw Error("int8 weights: merge the LoRA adapter into the weights first");
    if (qkvInt8.values.defined()) return;
    const bool together = !qkvWeight.defined() && q_proj->bias.defined() && k_proj->bias.defined() &&
                          v_proj->bias.defined() && !q_proj->int8.values.defined();
    if (!together) {
        for (Linear& l : parts) quantizeLinearInt8(*l);
        return;
    }
    // Rows are quantised one by one, so the parts of the whole are exactly what each would be on its own.
    const std::int64_t e = q_proj->weight.size(0);
    qkvInt8 = quantizeRows(at::cat({q_proj->weight, k_proj->weight, v_proj->weight}, 0));
    qkvBias = at::cat({q_proj->bias, k_proj->bias, v_proj->bias}, 0);
    for (int i = 0; i < 3; ++i) {
        parts[i]->int8 = {qkvInt8.values.narrow(0, i * e, e), qkvInt8.scales.narrow(0, i * e, e)};
        parts[i]->weight.set_data(at::empty({0, parts[i]->weight.size(1)}, parts[i]->weight.options()));
        parts[i]->bias.set_data(qkvBias.narrow(0, i * e, e));
    }
}

at::Tensor KosmosTextAttentionImpl::forward(const at::Tensor& x, const at::Tensor& keyValue, const at::Tensor& mask,
                                            KvCache* cache, int layerIndex) {
    at::Tensor qkv;
    if (projectionsFused() && !keyValue.defined())
        qkv = qkvInt8.values.defined() ? int8Linear(x, qkvInt8, qkvBias) : linearForward(x, qkvWeight, qkvBias);
    return attend(x, keyValue, qkv, mask, cache, layerIndex);
}

NormedProduct KosmosTextAttentionImpl::forwardAfterNorm(LayerNormImpl& norm, const at::Tensor& residual,
                                                        const at::Tensor& delta, const at::Tensor& mask,
                                                        KvCache* cache, int layerIndex) {
    if (projectionsFused() && qkvWeight.defined() && !qkvInt8.values.defined() &&
        normedRowProductApplies(residual, delta, norm.weight, norm.bias, qkvWeight, qkvBias, false)) {
        NormedProduct in =
            fusedNormedRowProduct(residual, delta, norm.weight, norm.bias, norm.eps, qkvWeight, qkvBias, false);
        return {in.sum, attend(at::Tensor(), at::Tensor(), in.y, mask, cache, layerIndex)};
    }
    NormedSum in = norm.addForward(residual, delta);
    return {in.sum, forward(in.normed, at::Tensor(), mask, cache, layerIndex)};
}

bool KosmosTextAttentionImpl::projectionsFused() const {
    return (qkvWeight.defined() || qkvInt8.values.defined()) && !is_training() && !q_proj->loraA.defined() &&
           !k_proj->loraA.defined() && !v_proj->loraA.defined();
}

at::Tensor KosmosTextAttentionImpl::project(const at::Tensor& attended) {
    if (inner_attn_ln) return normThenLinear(*inner_attn_ln, attended, at::Tensor(), *out_proj).y;
    return out_proj(attended);
}

at::Tensor KosmosTextAttentionImpl::attend(const at::Tensor& x, const at::Tensor& keyValue, const at::Tensor& qkv,
                                           const at::Tensor& mask, KvCache* cache, int layerIndex) {
    const std::int64_t embedDim = qkv.defined() ? qkv.size(2) / 3 : x.size(2);
    const double scale = 1.0 / std::sqrt(static_cast<double>(embedDim / heads));
    const at::Tensor& source = keyValue.defined() ? keyValue : x;
    at::Tensor q, k, v;
    bool cached = false;   // k and v already written into the cache
    if (qkv.defined() && cache && cache->allocated() && fusedKernelsApply(qkv)) {
        q = fusedSplitQkvIntoCache(qkv, heads, scale, cache->keys[layerIndex], cache->values[layerIndex],
                                   cache->writeIndex, cache->length);
        cached = true;
    } else {
        at::Tensor qRows, kRows, vRows;   // [B, n, E]
        if (qkv.defined()) {
            std::vector<at::Tensor> parts = qkv.chunk(3, -1);
            qRows = parts[0], kRows = parts[1], vRows = parts[2];
        } else {
            qRows = q_proj(x), kRows = k_proj(source), vRows = v_proj(source);
        }
        // A CPU decode step with every cached position attended.
        if (cache && cache->allocated() && !cache->writeIndex.defined() && !mask.defined() && !keyValue.defined() &&
            decodeAttentionApplies(qRows, kRows, vRows, cache->keys[layerIndex], cache->values[layerIndex],
                                   cache->length)) {
            return project(decodeAttention(qRows, kRows, vRows, static_cast<float>(scale), cache->keys[layerIndex],
                                           cache->values[layerIndex], cache->length));
        }
        q = splitHeads(qRows * scale, heads);
        k = splitHeads(kRows, heads);
        v = splitHeads(vRows, heads);
    }
    if (cache && cache->allocated()) {
        const std::int64_t n = qkv.defined() ? qkv.size(1) : source.size(1);
        at::Tensor& keys = cache->keys[layerIndex];
        at::Tensor& values = cache->values[layerIndex];
        if (!cached && cache->writeIndex.defined()) {
            keys.index_copy_(2, cache->writeIndex, k);
            values.index_copy_(2, cache->writeIndex, v);
        } else if (!cached) {
            keys.narrow(2, cache->length, n).copy_(k);
            values.narrow(2, cache->length, n).copy_(v);
        }
        // A fixed-shape (graph) step attends over the whole cache; its mask hides the slots not yet written.
        k = cache->writeIndex.defined() ? keys : keys.narrow(2, 0, cache->length + n);
        v = cache->writeIndex.defined() ? values : values.narrow(2, 0, cache->length + n);
    }
    return project(mergeHeads(scaledAttention(q, k, v, mask)));
}

} // namespace kosmos
