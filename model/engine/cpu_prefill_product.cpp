#include "model/engine/cpu_prefill_product.h"

#include <algorithm>
#include <vector>

#include "model/engine/cpu_parallel.h"
#include "model/error.h"

namespace kosmos {

bool prefillProductApplies(std::int64_t in, std::int64_t out) {
    return KOSMOS_CPU_AVX2 && in * out >= (std::int64_t{1} << 20) && cpuHasAvx2Fma();
}

#if KOSMOS_CPU_AVX2
namespace {

constexpr int kTileOutputs = 6;               // weight rows a tile multiplies at once, each value broadcast
constexpr std::int64_t kDepth = 256;          // inputs a pass: a tile's widened weights (6 KiB) stay in L1
constexpr std::int64_t kRowsAPass = 128;      // rows of x a pass: their slice of 256 inputs (128 KiB) stays in L2
constexpr std::int64_t kChunkOutputs = 16 * kTileOutputs;   // outputs a thread claims at a time

// x in panels of 16 rows (8 for a last one of at most 8 rows, zeros past the last row): input i of a panel's
// rows is `width` floats at offset + i * width.
struct Panel {
    std::int64_t firstRow, width, offset;
};

std::vector<Panel> panelsFor(std::int64_t rows, std::int64_t in) {
    std::vector<Panel> panels;
    std::int64_t offset = 0;
    for (std::int64_t m = 0; m < rows;) {
        const std::int64_t width = rows - m <= 8 ? 8 : 16;
        panels.push_back({m, width, offset});
        offset += width * in;
        m += width;
    }
    return panels;
}

void packPanel(const float* x, std::int64_t rows, std::int64_t in, const Panel& p, float* packed) {
    float* dst = packed + p.offset;
    for (std::int64_t j = 0; j < p.width; ++j) {
        const std::int64_t m = p.firstRow + j;
        if (m < rows) {
            const float* src = x + m * in;
            for (std::int64_t i = 0; i < in; ++i) dst[i * p.width + j] = src[i];
        } else {
            for (std::int64_t i = 0; i < in; ++i) dst[i * p.width + j] = 0.0f;
        }
    }
}

// acc[r][0 .. 8V) += sum over k < depth of w[r][k] * xp[k][0 .. 8V), for r < R; w's rows are wStride apart.
template <int R, int V>
__attribute__((target("avx2,fma"))) void tile(const float* w, std::int64_t wStride, std::int64_t depth,
                                              const float* xp, float* acc, std::int64_t accStride) {
    __m256 c[R][V];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) c[r][v] = _mm256_loadu_ps(acc + r * accStride + 8 * v);
    for (std::int64_t k = 0; k < depth; ++k) {
        __m256 xv[V];
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) xv[v] = _mm256_loadu_ps(xp + k * 8 * V + 8 * v);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            const __m256 b = _mm256_broadcast_ss(w + r * wStride + k);
#pragma GCC unroll 2
            for (int v = 0; v < V; ++v) c[r][v] = _mm256_fmadd_ps(b, xv[v], c[r][v]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) _mm256_storeu_ps(acc + r * accStride + 8 * v, c[r][v]);
}

template <int V>
void tileRows(int rows, const float* w, std::int64_t wStride, std::int64_t depth, const float* xp, float* acc,
              std::int64_t accStride) {
    switch (rows) {
    case 1: tile<1, V>(w, wStride, depth, xp, acc, accStride); break;
    case 2: tile<2, V>(w, wStride, depth, xp, acc, accStride); break;
    case 3: tile<3, V>(w, wStride, depth, xp, acc, accStride); break;
    case 4: tile<4, V>(w, wStride, depth, xp, acc, accStride); break;
    case 5: tile<5, V>(w, wStride, depth, xp, acc, accStride); break;
    default: tile<6, V>(w, wStride, depth, xp, acc, accStride); break;
    }
}

// w[r][k] = q[r][k] for r < rows, k < depth (rows of q are `in` apart, of w kDepth apart); exact, as every int8
// is a float.
__attribute__((target("avx2,fma"))) void widen(const std::int8_t* q, std::int64_t in, int rows, std::int64_t depth,
                                               float* w) {
    for (int r = 0; r < rows; ++r) {
        const std::int8_t* src = q + r * in;
        float* dst = w + r * kDepth;
        std::int64_t k = 0;
        for (; k + 8 <= depth; k += 8)
            _mm256_storeu_ps(dst + k, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
                                          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + k)))));
        for (; k < depth; ++k) dst[k] = static_cast<float>(src[k]);
    }
}

struct Job {
    const float* packed;
    const std::vector<Panel>* panels;
    std::int64_t rows, in, out;
    const std::int8_t* q;   // int8 weights, or
    const float* w;         // f32 ones
    const float* scale;     // int8 rows' scales (null for f32 weights)
    const float* bias;
    float* y;
};

// Outputs [begin, end): for each pass of up to kRowsAPass rows of x, sums over the inputs kDepth at a time into
// a block [end - begin][those rows], then scaled, biased and written into y.
void productChunk(const Job& j, std::int64_t begin, std::int64_t end) {
    thread_local std::vector<float> sums;
    alignas(32) float widened[kTileOutputs * kDepth];
    const std::vector<Panel>& panels = *j.panels;
    const std::int64_t outputs = end - begin;
    for (std::size_t first = 0; first < panels.size();) {
        std::size_t last = first;   // panels [first, last) this pass
        std::int64_t width = 0;
        while (last < panels.size() && (width == 0 || width + panels[last].width <= kRowsAPass))
            width += panels[last++].width;
        sums.assign(static_cast<std::size_t>(outputs * width), 0.0f);
        for (std::int64_t k0 = 0; k0 < j.in; k0 += kDepth) {
            const std::int64_t depth = std::min(kDepth, j.in - k0);
            for (std::int64_t o = begin; o < end; o += kTileOutputs) {
                const int tileRowsHere = static_cast<int>(std::min<std::int64_t>(kTileOutputs, end - o));
                const float* w = j.w + o * j.in + k0;
                std::int64_t wStride = j.in;
                if (j.q) {
                    widen(j.q + o * j.in + k0, j.in, tileRowsHere, depth, widened);
                    w = widened, wStride = kDepth;
                }
                float* acc = sums.data() + (o - begin) * width;
                for (std::size_t p = first, column = 0; p < last; column += panels[p].width, ++p) {
                    const float* xp = j.packed + panels[p].offset + k0 * panels[p].width;
                    if (panels[p].width == 16) tileRows<2>(tileRowsHere, w, wStride, depth, xp, acc + column, width);
                    else tileRows<1>(tileRowsHere, w, wStride, depth, xp, acc + column, width);
                }
            }
        }
        const std::int64_t firstRow = panels[first].firstRow;
        const std::int64_t rowsHere = std::min(width, j.rows - firstRow);
        for (std::int64_t m = 0; m < rowsHere; ++m) {
            float* dst = j.y + (firstRow + m) * j.out;
            for (std::int64_t o = begin; o < end; ++o)
                dst[o] = sums[(o - begin) * width + m] * (j.scale ? j.scale[o] : 1.0f) + (j.bias ? j.bias[o] : 0.0f);
        }
        first = last;
    }
}

void product(const float* x, std::int64_t rows, std::int64_t in, const std::int8_t* q, const float* w,
             const float* scale, const float* bias, float* y, std::int64_t out) {
    if (!cpuHasAvx2Fma()) throw Error("prefill product: this CPU has no AVX2 and FMA");
    if (rows <= 0 || out <= 0) return;
    const std::vector<Panel> panels = panelsFor(rows, in);
    thread_local std::vector<float> packed;
    packed.resize(static_cast<std::size_t>((panels.back().offset + panels.back().width * in)));
    // Named outside the lambdas: a thread_local inside one would be the running thread's own.
    float* packedRows = packed.data();
    splitAcrossThreads(static_cast<std::int64_t>(panels.size()), 1, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t p = b; p < e; ++p) packPanel(x, rows, in, panels[p], packedRows);
    });
    const Job job{packedRows, &panels, rows, in, out, q, w, scale, bias, y};
    splitAcrossThreads(out, kChunkOutputs, [&](std::int64_t b, std::int64_t e) { productChunk(job, b, e); });
}

} // namespace

void int8PrefillProduct(const float* x, std::int64_t rows, std::int64_t in, const std::int8_t* q, const float* scale,
                        const float* bias, float* y, std::int64_t out) {
    product(x, rows, in, q, nullptr, scale, bias, y, out);
}

void f32PrefillProduct(const float* x, std::int64_t rows, std::int64_t in, const float* w, const float* bias,
                       float* y, std::int64_t out) {
    product(x, rows, in, nullptr, w, nullptr, bias, y, out);
}
#else
void int8PrefillProduct(const float*, std::int64_t, std::int64_t, const std::int8_t*, const float*, const float*,
                        float*, std::int64_t) {
    throw Error("prefill product: built without the AVX2 kernels");
}

void f32PrefillProduct(const float*, std::int64_t, std::int64_t, const float*, const float*, float*, std::int64_t) {
    throw Error("prefill product: built without the AVX2 kernels");
}
#endif

} // namespace kosmos
