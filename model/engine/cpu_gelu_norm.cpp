#include "model/engine/cpu_gelu_norm.h"

#include <ATen/core/grad_mode.h>

#include <cmath>
#include <cstdint>

#include "model/engine/cpu_parallel.h"

namespace kosmos {
namespace {

constexpr std::int64_t kMaxRows = 8;
constexpr float kSqrtHalf = 0.70710678118654752440f;

float geluScalar(float x) { return x * 0.5f * (1.0f + std::erf(x * kSqrtHalf)); }

#if KOSMOS_CPU_AVX2
// LibTorch's Vectorized<float>::erf for AVX2: sign(x) (1 - (a1 t + ... + a5 t^5) e^(-x^2)), t = 1 / (1 + p |x|).
__attribute__((target("avx2,fma"))) __m256 erfAvx2(__m256 x) {
    const __m256 signBit = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_and_ps(signBit, x);
    const __m256 magnitude = _mm256_xor_ps(sign, x);
    const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), magnitude, one));
    __m256 r = _mm256_fmadd_ps(_mm256_set1_ps(1.061405429f), t, _mm256_set1_ps(-1.453152027f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(1.421413741f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-0.284496736f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.254829592f));
    const __m256 negExp = _mm256_xor_ps(signBit, expNonPositive(_mm256_xor_ps(signBit, _mm256_mul_ps(x, x))));
    return _mm256_xor_ps(sign, _mm256_fmadd_ps(_mm256_mul_ps(negExp, t), r, one));
}

__attribute__((target("avx2,fma"))) void geluAvx2(const float* x, float* out, std::int64_t n) {
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f), alpha = _mm256_set1_ps(kSqrtHalf);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(out + i,
                         _mm256_mul_ps(_mm256_mul_ps(v, half), _mm256_add_ps(one, erfAvx2(_mm256_mul_ps(v, alpha)))));
    }
    for (; i < n; ++i) out[i] = geluScalar(x[i]);
}
#endif

void gelu(const float* x, float* out, std::int64_t n) {
#if KOSMOS_CPU_AVX2
    if (cpuHasAvx2Fma()) return geluAvx2(x, out, n);
#endif
    for (std::int64_t i = 0; i < n; ++i) out[i] = geluScalar(x[i]);
}

// In place: row = (row - mean) / sqrt(var + eps) * weight + bias, in LibTorch's order of operations.
void normaliseRow(float* row, std::int64_t n, const float* weight, const float* bias, double eps) {
    double sum = 0, squares = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += row[i];
    const double mean = sum / static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) squares += (row[i] - mean) * (row[i] - mean);
    const float rstd = static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(n) + eps));
    const float shift = -rstd * static_cast<float>(mean);
    for (std::int64_t i = 0; i < n; ++i) row[i] = (row[i] * rstd + shift) * weight[i] + bias[i];
}

} // namespace

bool cpuGeluLayerNormApplies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    auto f32Cpu = [](const at::Tensor& t) {
        return t.defined() && t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous();
    };
    if (!f32Cpu(x) || !f32Cpu(weight) || !f32Cpu(bias) || x.dim() == 0) return false;
    if (at::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad() || bias.requires_grad()))
        return false;
    const std::int64_t width = x.size(-1);
    return width > 0 && weight.numel() == width && bias.numel() == width && x.numel() / width <= kMaxRows;
}

at::Tensor cpuGeluLayerNorm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps) {
    const std::int64_t width = x.size(-1), rows = x.numel() / width;
    at::Tensor out = at::empty_like(x);
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    for (std::int64_t r = 0; r < rows; ++r) {
        gelu(in + r * width, o + r * width, width);
        normaliseRow(o + r * width, width, weight.data_ptr<float>(), bias.data_ptr<float>(), eps);
    }
    return out;
}

} // namespace kosmos
