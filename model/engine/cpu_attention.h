#pragma once
// Attention of a single query row per head (a decode step) on the CPU. LibTorch 1.x runs q·kᵀ and p·v of a
// decode step as one BLAS call per head; at these sizes the calls' overhead is most of the time (about half a
// millisecond per layer of the 1.66 B model), so these two products are computed directly here.
#include <ATen/ATen.h>

namespace kosmos {

// True when q [B, H, 1, D], k and v [B, H, T, D] are f32 CPU tensors with contiguous rows (stride 1 in D) and
// nothing needs their gradients.
bool singleQueryAttentionApplies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// q [B, H, 1, D] · kᵀ -> scores [B, H, 1, T].
at::Tensor singleQueryScores(const at::Tensor& q, const at::Tensor& k);

// p [B, H, 1, T] · v [B, H, T, D] -> [B, H, 1, D].
at::Tensor singleQueryMix(const at::Tensor& p, const at::Tensor& v);

// A whole decode step's self-attention in one pass, with no mask (every cached position attended): q, k and v
// [B, 1, E] (rows of any stride, stride 1 inside) are split into heads, k and v written into the cache
// ([B, H, capacity, D], contiguous) at `position`, and q (times `scale`) attends over positions 0..position.
// Returns [B, 1, E], heads merged. Between the projections the step then runs no LibTorch operator at all:
// their dispatch was most of the half millisecond a layer spent here.
bool decodeAttentionApplies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& keys,
                            const at::Tensor& values, std::int64_t position);
at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, float scale,
                           at::Tensor& keys, at::Tensor& values, std::int64_t position);

} // namespace kosmos
