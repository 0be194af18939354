#include "model/engine/int8_weights.h"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cstdint>
#include <functional>

#include "model/engine/cpu_parallel.h"
#include "model/engine/kosmos2_model.h"
#include "model/error.h"

namespace kosmos {
namespace {

constexpr std::int64_t kStreamRows = 8;   // rows of x that share one pass over the weights

struct RowsJob {
    const std::int8_t* q;
    const float* scale;
    const float* bias;   // or nullptr
    const float* x;      // [rows, in]
    float* y;            // [rows, out]
    std::int64_t rows, in, out;
};

void finishRow(const RowsJob& j, std::int64_t o, std::int64_t m, float dot) {
    j.y[m * j.out + o] = dot * j.scale[o] + (j.bias ? j.bias[o] : 0.0f);
}

void rowsScalar(const RowsJob& j, std::int64_t begin, std::int64_t end) {
    for (std::int64_t o = begin; o < end; ++o) {
        const std::int8_t* w = j.q + o * j.in;
        for (std::int64_t m = 0; m < j.rows; ++m) {
            const float* x = j.x + m * j.in;
            float s = 0;
            for (std::int64_t i = 0; i < j.in; ++i) s += static_cast<float>(w[i]) * x[i];
            finishRow(j, o, m, s);
        }
    }
}

#if KOSMOS_CPU_AVX2
__attribute__((target("avx2,fma"))) inline __m256 widen8(const std::int8_t* w) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w))));
}

// One row of x (a decode step): four independent accumulators, so the FMA latency is hidden.
__attribute__((target("avx2,fma"))) void oneRowAvx2(const RowsJob& j, std::int64_t begin, std::int64_t end) {
    for (std::int64_t o = begin; o < end; ++o) {
        const std::int8_t* w = j.q + o * j.in;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        std::int64_t i = 0;
        for (; i + 32 <= j.in; i += 32) {
            a0 = _mm256_fmadd_ps(widen8(w + i), _mm256_loadu_ps(j.x + i), a0);
            a1 = _mm256_fmadd_ps(widen8(w + i + 8), _mm256_loadu_ps(j.x + i + 8), a1);
            a2 = _mm256_fmadd_ps(widen8(w + i + 16), _mm256_loadu_ps(j.x + i + 16), a2);
            a3 = _mm256_fmadd_ps(widen8(w + i + 24), _mm256_loadu_ps(j.x + i + 24), a3);
        }
        for (; i + 8 <= j.in; i += 8) a0 = _mm256_fmadd_ps(widen8(w + i), _mm256_loadu_ps(j.x + i), a0);
        float s = horizontalSum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
        for (; i < j.in; ++i) s += static_cast<float>(w[i]) * j.x[i];
        finishRow(j, o, 0, s);
    }
}

// 2..8 rows of x (batched decode, beams): each widened weight vector feeds every row.
__attribute__((target("avx2,fma"))) void fewRowsAvx2(const RowsJob& j, std::int64_t begin, std::int64_t end) {
    for (std::int64_t o = begin; o < end; ++o) {
        const std::int8_t* w = j.q + o * j.in;
        __m256 acc[kStreamRows];
        for (std::int64_t m = 0; m < j.rows; ++m) acc[m] = _mm256_setzero_ps();
        std::int64_t i = 0;
        for (; i + 8 <= j.in; i += 8) {
            const __m256 wf = widen8(w + i);
            for (std::int64_t m = 0; m < j.rows; ++m)
                acc[m] = _mm256_fmadd_ps(wf, _mm256_loadu_ps(j.x + m * j.in + i), acc[m]);
        }
        for (std::int64_t m = 0; m < j.rows; ++m) {
            float s = horizontalSum(acc[m]);
            for (std::int64_t k = i; k < j.in; ++k) s += static_cast<float>(w[k]) * j.x[m * j.in + k];
            finishRow(j, o, m, s);
        }
    }
}

#endif

at::Tensor streamRows(const at::Tensor& x2d, const Int8Rows& w, const at::Tensor& bias) {
    const std::int64_t rows = x2d.size(0), in = x2d.size(1), out = w.values.size(0);
    at::Tensor y = at::empty({rows, out}, x2d.options());
    const RowsJob job{w.values.data_ptr<std::int8_t>(), w.scales.data_ptr<float>(),
                      bias.defined() ? bias.data_ptr<float>() : nullptr, x2d.data_ptr<float>(), y.data_ptr<float>(),
                      rows, in, out};
    [[maybe_unused]] const bool avx2 = cpuHasAvx2Fma();
    // About 64 KiB of weights per task.
    const std::int64_t grain = std::max<std::int64_t>(1, (64 << 10) / std::max<std::int64_t>(in, 1));
    splitAcrossThreads(out, grain, [&](std::int64_t begin, std::int64_t end) {
#if KOSMOS_CPU_AVX2
        if (avx2) {
            if (rows == 1) oneRowAvx2(job, begin, end);
            else fewRowsAvx2(job, begin, end);
            return;
        }
#endif
        rowsScalar(job, begin, end);
    });
    return y;
}

#if KOSMOS_CPU_AVX2
// out[r][i] = q[r][i] * scale[r], in one pass.
__attribute__((target("avx2,fma"))) void dequantiseAvx2(const std::int8_t* q, const float* scale, float* out,
                                                         std::int64_t rows, std::int64_t in) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const std::int8_t* w = q + r * in;
        float* o = out + r * in;
        const __m256 s = _mm256_set1_ps(scale[r]);
        std::int64_t i = 0;
        for (; i + 8 <= in; i += 8) _mm256_storeu_ps(o + i, _mm256_mul_ps(widen8(w + i), s));
        for (; i < in; ++i) o[i] = static_cast<float>(w[i]) * scale[r];
    }
}
#endif

// Prefill rows: compute-bound, so the weights are dequantised in one pass (at most one decoder matrix at a time)
// and multiplied by BLAS exactly as f32 weights would be.
at::Tensor dequantisedRows(const at::Tensor& x2d, const Int8Rows& w, const at::Tensor& bias) {
    const std::int64_t in = w.values.size(1), out = w.values.size(0);
    // One buffer per thread, kept: a fresh allocation of this size costs more in page faults than the product.
    thread_local at::Tensor buffer;
    if (!buffer.defined() || buffer.numel() < out * in) buffer = at::empty({out * in}, x2d.options());
    at::Tensor weight = buffer.narrow(0, 0, out * in).view({out, in});
#if KOSMOS_CPU_AVX2
    if (cpuHasAvx2Fma()) {
        const std::int8_t* q = w.values.data_ptr<std::int8_t>();
        const float* scale = w.scales.data_ptr<float>();
        float* dst = weight.data_ptr<float>();
        const std::int64_t grain = std::max<std::int64_t>(1, (256 << 10) / std::max<std::int64_t>(in, 1));
        splitAcrossThreads(out, grain, [&](std::int64_t begin, std::int64_t end) {
            dequantiseAvx2(q + begin * in, scale + begin, dst + begin * in, end - begin, in);
        });
        return at::linear(x2d, weight, bias);
    }
#endif
    weight.copy_(w.values).mul_(w.scales.unsqueeze(1));
    return at::linear(x2d, weight, bias);
}

} // namespace

Int8Rows quantizeRows(const at::Tensor& weight) {
    if (weight.dim() != 2 || weight.scalar_type() != at::kFloat || !weight.device().is_cpu())
        throw Error("int8 weights: expected a 2-D f32 CPU weight");
    at::NoGradGuard noGrad;
    at::Tensor scales = weight.abs().amax(1) / 127.0;
    scales.masked_fill_(scales == 0, 1.0);
    at::Tensor values = (weight / scales.unsqueeze(1)).round_().clamp_(-127, 127).to(at::kChar).contiguous();
    return {values, scales.contiguous()};
}

at::Tensor int8Linear(const at::Tensor& x, const Int8Rows& w, const at::Tensor& bias) {
    const std::int64_t in = w.values.size(1), out = w.values.size(0);
    if (!x.device().is_cpu() || x.scalar_type() != at::kFloat)
        throw Error("int8 weights run on the CPU with f32 activations");
    if (x.size(-1) != in) throw Error("int8 linear: input has " + std::to_string(x.size(-1)) + " features, weight " +
                                      std::to_string(in));
    at::Tensor x2d = x.reshape({-1, in}).contiguous();
    at::Tensor b = bias.defined() ? bias.contiguous() : bias;
    at::Tensor y = x2d.size(0) <= kStreamRows ? streamRows(x2d, w, b) : dequantisedRows(x2d, w, b);
    std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = out;
    return y.view(shape);
}

namespace {

void forEachDecoderLinear(Kosmos2ForConditionalGenerationImpl& model, const std::function<void(Linear&)>& visit) {
    for (auto& layer : model.text_model->model->layerList) {
        auto& attention = layer->self_attn;
        for (Linear* l : {&attention->q_proj, &attention->k_proj, &attention->v_proj, &attention->out_proj}) visit(*l);
        visit(layer->ffn->fc1);
        visit(layer->ffn->fc2);
    }
}

} // namespace

void quantizeDecoderInt8(Kosmos2ForConditionalGenerationImpl& model) {
    const at::Tensor& head = model.text_model->lm_head->weight;
    if (!head.device().is_cpu() || head.scalar_type() != at::kFloat)
        throw Error("int8 weights are for the CPU (f32 activations); on CUDA use bf16 or f16");
    at::NoGradGuard noGrad;
    forEachDecoderLinear(model, [](Linear& linear) {
        if (linear->loraA.defined()) throw Error("int8 weights: merge the LoRA adapter into the weights first");
        if (linear->int8.values.defined()) return;
        linear->int8 = quantizeRows(linear->weight);
        // The f32 weight is no longer read; an empty tensor keeps the parameter's name, type and device.
        linear->weight.set_data(at::empty({0, linear->weight.size(1)}, linear->weight.options()));
    });
    if (!model.text_model->lmHeadInt8.values.defined())
        model.text_model->lmHeadInt8 = quantizeRows(model.text_model->lm_head->weight);
}

std::int64_t parameterCount(Kosmos2ForConditionalGenerationImpl& model) {
    std::int64_t n = 0;
    for (const auto& p : model.parameters()) n += p.numel();
    n -= model.text_model->lm_head->weight.numel();   // tied to the token embeddings: counted once
    forEachDecoderLinear(model, [&](Linear& linear) {
        if (linear->int8.values.defined()) n += linear->int8.values.numel();
    });
    return n;
}

double decodeWeightBytes(Kosmos2ForConditionalGenerationImpl& model) {
    double bytes = 0;
    for (const auto& p : model.text_model->model->layers->parameters()) bytes += p.numel() * p.element_size();
    auto int8Bytes = [](const Int8Rows& w) { return w.values.numel() + 4.0 * w.scales.numel(); };
    forEachDecoderLinear(model, [&](Linear& linear) {
        if (linear->int8.values.defined()) bytes += int8Bytes(linear->int8);
    });
    const auto& head = model.text_model->lmHeadInt8;
    const auto& tied = model.text_model->lm_head->weight;
    bytes += head.values.defined() ? int8Bytes(head) : tied.numel() * tied.element_size();
    return bytes;
}

} // namespace kosmos
