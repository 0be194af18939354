#include "model/engine/cpu_attention.h"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "model/engine/cpu_parallel.h"

namespace kosmos {
namespace {

// Multiply-adds per thread below which splitting across threads costs more than it saves.
constexpr std::int64_t kWorkPerThread = 1 << 17;

float dotScalar(const float* a, const float* b, std::int64_t n) {
    float s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

void axpyScalar(float alpha, const float* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

#if KOSMOS_CPU_AVX2
__attribute__((target("avx2,fma"))) float dotAvx2(const float* a, const float* b, std::int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), a1);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
    float sum = horizontalSum(_mm256_add_ps(a0, a1));
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

__attribute__((target("avx2,fma"))) void axpyAvx2(float alpha, const float* x, float* y, std::int64_t n) {
    const __m256 a = _mm256_set1_ps(alpha);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i) y[i] += alpha * x[i];
}

// The whole vectors of exponentiateShifted; returns how many values it did, their sum in *sum.
__attribute__((target("avx2,fma"))) std::int64_t exponentiateShiftedAvx2(float* p, std::int64_t n, float top, float* sum) {
    const __m256 shift = _mm256_set1_ps(top);
    __m256 total = _mm256_setzero_ps();
    std::int64_t t = 0;
    for (; t + 8 <= n; t += 8) {
        const __m256 e = expNonPositive(_mm256_sub_ps(_mm256_loadu_ps(p + t), shift));
        _mm256_storeu_ps(p + t, e);
        total = _mm256_add_ps(total, e);
    }
    *sum = horizontalSum(total);
    return t;
}
#endif

float dot(const float* a, const float* b, std::int64_t n) {
#if KOSMOS_CPU_AVX2
    if (cpuHasAvx2Fma()) return dotAvx2(a, b, n);
#endif
    return dotScalar(a, b, n);
}

void axpy(float alpha, const float* x, float* y, std::int64_t n) {
#if KOSMOS_CPU_AVX2
    if (cpuHasAvx2Fma()) return axpyAvx2(alpha, x, y, n);
#endif
    axpyScalar(alpha, x, y, n);
}

// p[t] = e^(p[t] - top) for p[t] <= top; returns their sum.
float exponentiateShifted(float* p, std::int64_t n, float top) {
    std::int64_t t = 0;
    float sum = 0;
#if KOSMOS_CPU_AVX2
    if (cpuHasAvx2Fma()) t = exponentiateShiftedAvx2(p, n, top, &sum);
#endif
    for (; t < n; ++t) sum += (p[t] = std::exp(p[t] - top));
    return sum;
}

// Runs f(b, h) for every batch row and head, split across threads when there is enough work.
template <typename F>
void forEachHead(std::int64_t batch, std::int64_t heads, std::int64_t workPerHead, F&& f) {
    const std::int64_t grain = std::max<std::int64_t>(1, kWorkPerThread / std::max<std::int64_t>(workPerHead, 1));
    splitAcrossThreads(batch * heads, grain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) f(i / heads, i % heads);
    });
}

} // namespace

bool singleQueryAttentionApplies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
    auto rowsOk = [](const at::Tensor& t) {
        return t.dim() == 4 && t.device().is_cpu() && t.scalar_type() == at::kFloat && t.stride(3) == 1;
    };
    if (!rowsOk(q) || !rowsOk(k) || !rowsOk(v) || q.size(2) != 1) return false;
    if (at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad())) return false;
    return k.size(0) == q.size(0) && k.size(1) == q.size(1) && k.size(3) == q.size(3) && v.sizes() == k.sizes();
}

at::Tensor singleQueryScores(const at::Tensor& q, const at::Tensor& k) {
    const std::int64_t batch = q.size(0), heads = q.size(1), depth = q.size(3), length = k.size(2);
    at::Tensor scores = at::empty({batch, heads, 1, length}, q.options());
    const float* qd = q.data_ptr<float>();
    const float* kd = k.data_ptr<float>();
    float* sd = scores.data_ptr<float>();
    forEachHead(batch, heads, length * depth, [&](std::int64_t b, std::int64_t h) {
        const float* qRow = qd + b * q.stride(0) + h * q.stride(1);
        const float* kHead = kd + b * k.stride(0) + h * k.stride(1);
        float* out = sd + (b * heads + h) * length;
        for (std::int64_t t = 0; t < length; ++t) out[t] = dot(qRow, kHead + t * k.stride(2), depth);
    });
    return scores;
}

at::Tensor singleQueryMix(const at::Tensor& p, const at::Tensor& v) {
    const std::int64_t batch = v.size(0), heads = v.size(1), length = v.size(2), depth = v.size(3);
    at::Tensor weights = p.contiguous();
    at::Tensor out = at::zeros({batch, heads, 1, depth}, v.options());
    const float* pd = weights.data_ptr<float>();
    const float* vd = v.data_ptr<float>();
    float* od = out.data_ptr<float>();
    forEachHead(batch, heads, length * depth, [&](std::int64_t b, std::int64_t h) {
        const float* pRow = pd + (b * heads + h) * length;
        const float* vHead = vd + b * v.stride(0) + h * v.stride(1);
        float* row = od + (b * heads + h) * depth;
        for (std::int64_t t = 0; t < length; ++t)
            if (pRow[t] != 0.0f) axpy(pRow[t], vHead + t * v.stride(2), row, depth);
    });
    return out;
}

bool decodeAttentionApplies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& keys,
                            const at::Tensor& values, std::int64_t position) {
    auto rowsOk = [&](const at::Tensor& t) {
        return t.dim() == 3 && t.device().is_cpu() && t.scalar_type() == at::kFloat && t.size(1) == 1 &&
               t.stride(2) == 1 && t.sizes() == q.sizes();
    };
    if (!rowsOk(q) || !rowsOk(k) || !rowsOk(v)) return false;
    if (at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad())) return false;
    const bool cacheOk = keys.dim() == 4 && keys.device().is_cpu() && keys.scalar_type() == at::kFloat &&
                         keys.is_contiguous() && values.is_contiguous() && values.sizes() == keys.sizes() &&
                         values.scalar_type() == at::kFloat;
    return cacheOk && keys.size(0) == q.size(0) && keys.size(1) * keys.size(3) == q.size(2) && position >= 0 &&
           position < keys.size(2);
}

at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, float scale,
                           at::Tensor& keys, at::Tensor& values, std::int64_t position) {
    const std::int64_t batch = q.size(0), heads = keys.size(1), capacity = keys.size(2), depth = keys.size(3);
    const std::int64_t length = position + 1;
    at::Tensor out = at::empty({batch, 1, heads * depth}, q.options());
    const float* qd = q.data_ptr<float>();
    const float* kd = k.data_ptr<float>();
    const float* vd = v.data_ptr<float>();
    float* keyCache = keys.data_ptr<float>();
    float* valueCache = values.data_ptr<float>();
    float* od = out.data_ptr<float>();
    forEachHead(batch, heads, 2 * length * depth, [&](std::int64_t b, std::int64_t h) {
        thread_local std::vector<float> scaled, p;
        scaled.resize(static_cast<std::size_t>(depth));
        p.resize(static_cast<std::size_t>(length));
        const std::int64_t column = h * depth;
        float* kHead = keyCache + (b * heads + h) * capacity * depth;
        float* vHead = valueCache + (b * heads + h) * capacity * depth;
        std::copy_n(kd + b * k.stride(0) + column, depth, kHead + position * depth);
        std::copy_n(vd + b * v.stride(0) + column, depth, vHead + position * depth);
        const float* qRow = qd + b * q.stride(0) + column;
        for (std::int64_t i = 0; i < depth; ++i) scaled[i] = qRow[i] * scale;
        float top = -std::numeric_limits<float>::infinity();
        for (std::int64_t t = 0; t < length; ++t) {
            p[t] = dot(scaled.data(), kHead + t * depth, depth);
            top = std::max(top, p[t]);
        }
        const float sum = exponentiateShifted(p.data(), length, top);
        float* row = od + b * heads * depth + column;
        std::fill_n(row, depth, 0.0f);
        for (std::int64_t t = 0; t < length; ++t)
            if (p[t] != 0.0f) axpy(p[t] / sum, vHead + t * depth, row, depth);
    });
    return out;
}

} // namespace kosmos
