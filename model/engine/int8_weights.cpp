#include "model/engine/int8_weights.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <unordered_map>
#include <vector>

#include "model/engine/cpu_parallel.h"
#include "model/engine/cpu_prefill_product.h"
#include "model/engine/cpu_thread_team.h"
#include "model/engine/huge_pages.h"
#include "model/engine/kosmos2_model.h"
#include "model/error.h"

namespace kosmos {
namespace {

constexpr std::int64_t kStreamRows = 8;   // rows of x that share one pass over the weights
// Rows of x are streamed as int16 (one scale per row, max |x| / 32767): an int8 x int16 product pair is one
// AVX2 instruction (madd) on integers, where widening each weight to f32 costs two, and the conversion was what
// kept the decode step below the memory's read rate. The rounding is below a 10^4th of the int8 weights' own.
constexpr float kInt16Max = 32767.0f;
// Products summed in one int32 lane before they move to int64: 2 * 127 * 32767 per madd, so at most 2^31 / that
// (258) madds a lane. A block of 4096 inputs is 256 madds a lane for each row, however a kernel spreads them
// over accumulators (two a row, or one), as those are added in int32 before the block's sum moves on.
constexpr std::int64_t kBlock = 4096;
// How far ahead of the several-row kernel's single stream the weights are asked for: the hardware prefetcher
// alone left one stream a fifth below a plain read's rate. Non-temporal, as each weight is read once a step.
constexpr std::int64_t kPrefetchBytes = 1024;

struct RowsJob {
    const std::int8_t* q;
    const float* scale;
    const float* bias;     // or nullptr
    const std::int16_t* x; // [rows, in]
    const float* xScale;   // [rows]
    float* y;              // [rows, out]
    std::int64_t rows, in, out;
};

void finishRow(const RowsJob& j, std::int64_t o, std::int64_t m, std::int64_t dot) {
    const double scaled = static_cast<double>(dot) * j.xScale[m] * j.scale[o];
    j.y[m * j.out + o] = static_cast<float>(scaled) + (j.bias ? j.bias[o] : 0.0f);
}

// Exact integer sums, so every path (scalar, one row, several rows) gives the same bits.
void rowsScalar(const RowsJob& j, std::int64_t begin, std::int64_t end) {
    for (std::int64_t o = begin; o < end; ++o) {
        const std::int8_t* w = j.q + o * j.in;
        for (std::int64_t m = 0; m < j.rows; ++m) {
            const std::int16_t* x = j.x + m * j.in;
            std::int64_t s = 0;
            for (std::int64_t i = 0; i < j.in; ++i) s += static_cast<std::int32_t>(w[i]) * x[i];
            finishRow(j, o, m, s);
        }
    }
}

#if KOSMOS_CPU_AVX2
__attribute__((target("avx2,fma"))) inline __m256i widen16(const std::int8_t* w) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}
__attribute__((target("avx2,fma"))) inline __m256i madd16(__m256i acc, __m256i w, const std::int16_t* x) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(w, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x))));
}
__attribute__((target("avx2,fma"))) inline std::int64_t lanesSum(__m256i v) {
    alignas(32) std::int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
    std::int64_t s = 0;
    for (std::int32_t lane : lanes) s += lane;
    return s;
}

// One row of x (a decode step), the task's weight rows read as kStreams streams side by side (its first,
// second, ... part): more of the memory's reads in flight than one stream keeps. Four streams left to the
// hardware prefetcher read 8-13 % faster on the project's CI machine than two with software prefetches (the
// previous kernel), alternately over the real configuration's decode weights, with and without huge pages.
// Two accumulators a row hide the add latency; rows left over take one stream.
template <int kStreams>
__attribute__((target("avx2,fma"))) void oneRowStreamsAvx2(const RowsJob& j, std::int64_t begin, std::int64_t end) {
    const std::int64_t part = (end - begin) / kStreams;
    for (std::int64_t r = 0; r < part; ++r) {
        const std::int8_t* w[kStreams];
        std::int64_t sums[kStreams] = {};
        for (int s = 0; s < kStreams; ++s) w[s] = j.q + (begin + s * part + r) * j.in;
        std::int64_t i = 0;
        while (i + 16 <= j.in) {
            const std::int64_t blockEnd = std::min(j.in, i + kBlock);
            __m256i a[kStreams], b[kStreams];
            for (int s = 0; s < kStreams; ++s) a[s] = b[s] = _mm256_setzero_si256();
            for (; i + 64 <= blockEnd; i += 64) {
                for (std::int64_t k = i; k < i + 64; k += 32)
                    for (int s = 0; s < kStreams; ++s) {
                        a[s] = madd16(a[s], widen16(w[s] + k), j.x + k);
                        b[s] = madd16(b[s], widen16(w[s] + k + 16), j.x + k + 16);
                    }
            }
            for (; i + 16 <= blockEnd; i += 16)
                for (int s = 0; s < kStreams; ++s) a[s] = madd16(a[s], widen16(w[s] + i), j.x + i);
            for (int s = 0; s < kStreams; ++s) sums[s] += lanesSum(_mm256_add_epi32(a[s], b[s]));
        }
        for (int s = 0; s < kStreams; ++s) {
            for (std::int64_t k = i; k < j.in; ++k) sums[s] += static_cast<std::int32_t>(w[s][k]) * j.x[k];
            finishRow(j, begin + s * part + r, 0, sums[s]);
        }
    }
    if constexpr (kStreams > 1) oneRowStreamsAvx2<1>(j, begin + kStreams * part, end);
}

// 2..8 rows of x (batched decode, beams): each widened weight vector feeds every row.
__attribute__((target("avx2,fma"))) void fewRowsAvx2(const RowsJob& j, std::int64_t begin, std::int64_t end) {
    for (std::int64_t o = begin; o < end; ++o) {
        const std::int8_t* w = j.q + o * j.in;
        std::int64_t sums[kStreamRows] = {};
        std::int64_t i = 0;
        while (i + 16 <= j.in) {
            const std::int64_t blockEnd = std::min(j.in, i + kBlock);
            __m256i acc[kStreamRows];
            for (std::int64_t m = 0; m < j.rows; ++m) acc[m] = _mm256_setzero_si256();
            for (; i + 16 <= blockEnd; i += 16) {
                if ((i & 63) == 0) _mm_prefetch(reinterpret_cast<const char*>(w + i + kPrefetchBytes), _MM_HINT_NTA);
                const __m256i wi = widen16(w + i);
                for (std::int64_t m = 0; m < j.rows; ++m) acc[m] = madd16(acc[m], wi, j.x + m * j.in + i);
            }
            for (std::int64_t m = 0; m < j.rows; ++m) sums[m] += lanesSum(acc[m]);
        }
        for (std::int64_t m = 0; m < j.rows; ++m) {
            for (std::int64_t k = i; k < j.in; ++k) sums[m] += static_cast<std::int32_t>(w[k]) * j.x[m * j.in + k];
            finishRow(j, o, m, sums[m]);
        }
    }
}

#endif

// The largest |x| of a row, or NaN when the row holds a NaN or an infinity.
float largestMagnitudeScalar(const float* row, std::int64_t in) {
    float top = 0.0f;
    bool finite = true;
    for (std::int64_t i = 0; i < in; ++i) {
        top = std::max(top, std::fabs(row[i]));
        finite = finite && std::isfinite(row[i]);
    }
    return finite ? top : NAN;
}

// q[i] = row[i] * inverse rounded to the nearest (ties to even), within +-32767.
void roundRowScalar(const float* row, std::int64_t in, float inverse, std::int16_t* q) {
    for (std::int64_t i = 0; i < in; ++i)
        q[i] = static_cast<std::int16_t>(std::clamp(std::nearbyint(row[i] * inverse), -kInt16Max, kInt16Max));
}

#if KOSMOS_CPU_AVX2
// The same results as the scalar functions, bit for bit.
__attribute__((target("avx2,fma"))) float largestMagnitudeAvx2(const float* row, std::int64_t in) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    __m256 top = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
    std::int64_t i = 0;
    for (; i + 8 <= in; i += 8) {
        const __m256 v = _mm256_loadu_ps(row + i);
        top = _mm256_max_ps(top, _mm256_andnot_ps(signBit, v));
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_sub_ps(v, v), _mm256_setzero_ps(), _CMP_NEQ_UQ));   // inf, NaN
    }
    if (_mm256_movemask_ps(bad) != 0) return NAN;
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, top);
    return std::max(*std::max_element(lanes, lanes + 8), largestMagnitudeScalar(row + i, in - i));
}

__attribute__((target("avx2,fma"))) void roundRowAvx2(const float* row, std::int64_t in, float inverse, std::int16_t* q) {
    const __m256 factor = _mm256_set1_ps(inverse);
    const __m256i high = _mm256_set1_epi32(32767), low = _mm256_set1_epi32(-32767);
    std::int64_t i = 0;
    for (; i + 16 <= in; i += 16) {
        __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + i), factor));
        __m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + i + 8), factor));
        a = _mm256_max_epi32(_mm256_min_epi32(a, high), low);
        b = _mm256_max_epi32(_mm256_min_epi32(b, high), low);
        // packs works within 128-bit halves: the permute puts the 16 values back in order.
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), packed);
    }
    roundRowScalar(row + i, in - i, inverse, q + i);
}
#endif

// Rows of x as int16 with one scale each; false when a row holds a NaN or an infinity.
bool quantiseActivations(const float* x, std::int64_t rows, std::int64_t in, std::int16_t* q, float* scales) {
    [[maybe_unused]] const bool avx2 = cpuHasAvx2Fma();
    for (std::int64_t m = 0; m < rows; ++m) {
        const float* row = x + m * in;
#if KOSMOS_CPU_AVX2
        const float top = avx2 ? largestMagnitudeAvx2(row, in) : largestMagnitudeScalar(row, in);
#else
        const float top = largestMagnitudeScalar(row, in);
#endif
        if (std::isnan(top)) return false;
        scales[m] = top > 0.0f ? top / kInt16Max : 1.0f;
        const float inverse = 1.0f / scales[m];
#if KOSMOS_CPU_AVX2
        if (avx2) {
            roundRowAvx2(row, in, inverse, q + m * in);
            continue;
        }
#endif
        roundRowScalar(row, in, inverse, q + m * in);
    }
    return true;
}

at::Tensor f32Product(const at::Tensor& x2d, const Int8Rows& w, const at::Tensor& bias);

std::atomic<std::int64_t> gStreamBytes{0}, gStreamNanoseconds{0};

at::Tensor streamRowsKernel(const at::Tensor& x2d, const Int8Rows& w, const at::Tensor& bias);

// The weights streamed after each product the last time it ran in this thread: a decode step runs the same
// products in the same order, so the next one's can be read ahead while the caller works between the two.
class ProductOrder {
public:
    struct Weights {
        const void* begin = nullptr;
        std::int64_t bytes = 0;
    };
    // Notes that `current` runs now and returns the weights that followed it last time.
    Weights next(const Weights& current) {
        if (after_.size() > 4096) after_.clear();   // many models loaded one after another
        if (previous_) after_[previous_] = current;
        previous_ = current.begin;
        const auto found = after_.find(current.begin);
        return found == after_.end() ? Weights{} : found->second;
    }

private:
    std::unordered_map<const void*, Weights> after_;
    const void* previous_ = nullptr;
};

at::Tensor streamRows(const at::Tensor& x2d, const Int8Rows& w, const at::Tensor& bias) {
    static const bool readAhead = std::getenv("KOSMOS_NO_READ_AHEAD") == nullptr;
    thread_local ProductOrder order;
    const ProductOrder::Weights next = order.next({w.values.data_ptr(), w.values.numel()});
    const auto start = std::chrono::steady_clock::now();
    at::Tensor y = streamRowsKernel(x2d, w, bias);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (readAhead && next.begin) readAheadOnThreadTeam(next.begin, next.bytes);
    gStreamBytes.fetch_add(w.values.numel(), std::memory_order_relaxed);
    gStreamNanoseconds.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count(),
                                 std::memory_order_relaxed);
    return y;
}

at::Tensor streamRowsKernel(const at::Tensor& x2d, const Int8Rows& w, const at::Tensor& bias) {
    const std::int64_t rows = x2d.size(0), in = x2d.size(1), out = w.values.size(0);
    thread_local std::vector<std::int16_t> xq;
    xq.resize(static_cast<std::size_t>(rows * in));
    float xScales[kStreamRows];
    // NaN or infinity in: the f32 product passes it on as f32 weights would.
    if (!quantiseActivations(x2d.data_ptr<float>(), rows, in, xq.data(), xScales)) return f32Product(x2d, w, bias);
    at::Tensor y = at::empty({rows, out}, x2d.options());
    const RowsJob job{w.values.data_ptr<std::int8_t>(), w.scales.data_ptr<float>(),
                      bias.defined() ? bias.data_ptr<float>() : nullptr, xq.data(), xScales, y.data_ptr<float>(),
                      rows, in, out};
    [[maybe_unused]] const bool avx2 = cpuHasAvx2Fma();
    // Chunks of 64 KiB to 1 MiB of weights, at least four a thread; each thread claims the next as it finishes
    // one, so a thread that starts late or runs slower takes fewer. Alternately against 64 and 256 KiB chunks,
    // 1 MiB ones decoded the real configuration at 69.7 against 85.4 and 75.6 ms/token (means of four).
    const std::int64_t chunkBytes =
        std::clamp<std::int64_t>(out * in / (4 * std::max(1, at::get_num_threads())), 64 << 10, 1 << 20);
    const std::int64_t grain = std::max<std::int64_t>(1, chunkBytes / std::max<std::int64_t>(in, 1));
    splitAcrossThreads(out, grain, [&](std::int64_t begin, std::int64_t end) {
#if KOSMOS_CPU_AVX2
        if (avx2) {
            if (rows == 1) oneRowStreamsAvx2<4>(job, begin, end);
            else fewRowsAvx2(job, begin, end);
            return;
        }
#endif
        rowsScalar(job, begin, end);
    });
    return y;
}

// Rows the streamed path does not take (a prefill, or a NaN or infinity among a few rows): widened a block at a
// time in cache where prefillProductApplies (cpu_prefill_product.h), else dequantised whole for BLAS.
at::Tensor f32Product(const at::Tensor& x2d, const Int8Rows& w, const at::Tensor& bias) {
    const std::int64_t rows = x2d.size(0), in = w.values.size(1), out = w.values.size(0);
    if (prefillProductApplies(in, out)) {
        at::Tensor y = at::empty({rows, out}, x2d.options());
        int8PrefillProduct(x2d.data_ptr<float>(), rows, in, w.values.data_ptr<std::int8_t>(), w.scales.data_ptr<float>(),
                           bias.defined() ? bias.data_ptr<float>() : nullptr, y.data_ptr<float>(), out);
        return y;
    }
    // One buffer per thread, kept: a fresh allocation of this size costs more in page faults than the product.
    thread_local at::Tensor buffer;
    if (!buffer.defined() || buffer.numel() < out * in) buffer = at::empty({out * in}, x2d.options());
    at::Tensor weight = buffer.narrow(0, 0, out * in).view({out, in});
    weight.copy_(w.values).mul_(w.scales.unsqueeze(1));
    return at::linear(x2d, weight, bias);
}

} // namespace

Int8StreamTotals int8StreamTotals() {
    return {gStreamBytes.load(std::memory_order_relaxed), gStreamNanoseconds.load(std::memory_order_relaxed)};
}

Int8Rows quantizeRows(const at::Tensor& weight) {
    if (weight.dim() != 2 || weight.scalar_type() != at::kFloat || !weight.device().is_cpu())
        throw Error("int8 weights: expected a 2-D f32 CPU weight");
    at::NoGradGuard noGrad;
    at::Tensor scales = weight.abs().amax(1) / 127.0;
    scales.masked_fill_(scales == 0, 1.0);
    at::Tensor values = hugePageTensor(weight.sizes(), at::kChar);
    values.copy_((weight / scales.unsqueeze(1)).round_().clamp_(-127, 127));
    return {values, scales.contiguous()};
}

void quantizeLinearInt8(LinearImpl& linear) {
    if (linear.loraA.defined()) throw Error("int8 weights: merge the LoRA adapter into the weights first");
    if (linear.int8.values.defined()) return;
    at::NoGradGuard noGrad;
    linear.int8 = quantizeRows(linear.weight);
    // The f32 weight is no longer read; an empty tensor keeps the parameter's name, type and device.
    linear.weight.set_data(at::empty({0, linear.weight.size(1)}, linear.weight.options()));
}

at::Tensor int8Linear(const at::Tensor& x, const Int8Rows& w, const at::Tensor& bias) {
    const std::int64_t in = w.values.size(1), out = w.values.size(0);
    if (!x.device().is_cpu() || x.scalar_type() != at::kFloat)
        throw Error("int8 weights run on the CPU with f32 activations");
    if (x.size(-1) != in) throw Error("int8 linear: input has " + std::to_string(x.size(-1)) + " features, weight " +
                                      std::to_string(in));
    at::Tensor x2d = x.reshape({-1, in}).contiguous();
    at::Tensor b = bias.defined() ? bias.contiguous() : bias;
    at::Tensor y = x2d.size(0) <= kStreamRows ? streamRows(x2d, w, b) : f32Product(x2d, w, b);
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
    for (auto& layer : model.text_model->model->layerList) {
        layer->self_attn->quantizeInt8();
        for (Linear* l : {&layer->self_attn->out_proj, &layer->ffn->fc1, &layer->ffn->fc2}) quantizeLinearInt8(**l);
    }
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
