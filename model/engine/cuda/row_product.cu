#include "model/engine/cuda/row_product.h"

#include <algorithm>
#include <cstring>

#include "model/engine/cuda/kernel_math.cuh"

namespace kosmos::cuda {
namespace {

using namespace math;

constexpr int kThreads = 512;   // 16 warps, each on one weight row at a time
constexpr int kWarps = kThreads / 32;
// 16-byte weight loads each lane has in flight: fewer where each load feeds several rows' sums (registers).
template <int MaxRows> constexpr int kUnroll = MaxRows == 1 ? 8 : 4;

// Totals over the block of each row's value, returned to every thread in the same order of sums.
template <int MaxRows> __device__ void rowTotals(float (&values)[MaxRows], float (*partials)[kWarps]) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
#pragma unroll
    for (int r = 0; r < MaxRows; ++r) values[r] = warpSum(values[r]);
    __syncthreads();   // the previous call's partials have been read
    if (lane == 0) {
#pragma unroll
        for (int r = 0; r < MaxRows; ++r) partials[r][warp] = values[r];
    }
    __syncthreads();
#pragma unroll
    for (int r = 0; r < MaxRows; ++r) {
        float total = 0.f;
        for (int w = 0; w < kWarps; ++w) total += partials[r][w];
        values[r] = total;
    }
}

// The block's copy of LayerNorm(x) or LayerNorm(x + delta), rows [rows, width], in `normed`; the same
// arithmetic as layerNormKernel (values rounded as stored, mean, centred sum of squares, float32).
template <typename T, ProductInput Input, int MaxRows>
__device__ void normaliseRows(const T* __restrict__ x, const T* __restrict__ delta, T* __restrict__ sumOut,
                              const T* __restrict__ gamma, const T* __restrict__ beta, float eps, T* normed, int rows,
                              int width) {
    __shared__ float partials[MaxRows][kWarps];
    float mean[MaxRows], rstd[MaxRows];
#pragma unroll
    for (int r = 0; r < MaxRows; ++r) {
        mean[r] = 0.f;
        if (r >= rows) continue;
        for (int i = threadIdx.x; i < width; i += blockDim.x) {
            const int k = r * width + i;
            T value = x[k];
            if constexpr (Input == ProductInput::AddThenNormed) {
                value = fromFloat<T>(toFloat(value) + toFloat(delta[k]));
                if (blockIdx.x == 0) sumOut[k] = value;
            }
            normed[k] = value;
            mean[r] += toFloat(value);
        }
    }
    rowTotals<MaxRows>(mean, partials);
#pragma unroll
    for (int r = 0; r < MaxRows; ++r) {
        mean[r] /= static_cast<float>(width);
        rstd[r] = 0.f;
        if (r >= rows) continue;
        for (int i = threadIdx.x; i < width; i += blockDim.x) {
            const float d = toFloat(normed[r * width + i]) - mean[r];
            rstd[r] += d * d;
        }
    }
    rowTotals<MaxRows>(rstd, partials);
#pragma unroll
    for (int r = 0; r < MaxRows; ++r) {
        rstd[r] = rsqrtf(rstd[r] / static_cast<float>(width) + eps);
        if (r >= rows) continue;
        for (int i = threadIdx.x; i < width; i += blockDim.x) {
            const int k = r * width + i;
            normed[k] = fromFloat<T>(toFloat(gamma[i]) * (rstd[r] * (toFloat(normed[k]) - mean[r])) + toFloat(beta[i]));
        }
    }
    __syncthreads();
}

// acc += the products of the elements of two 16-byte chunks, in element order.
__device__ __forceinline__ float bf16Low(unsigned word) { return __uint_as_float(word << 16); }
__device__ __forceinline__ float bf16High(unsigned word) { return __uint_as_float(word & 0xffff0000u); }

template <typename T> __device__ __forceinline__ void accumulate(float& acc, const uint4& w, const uint4& x);
template <> __device__ __forceinline__ void accumulate<float>(float& acc, const uint4& w, const uint4& x) {
    acc = fmaf(__uint_as_float(w.x), __uint_as_float(x.x), acc);
    acc = fmaf(__uint_as_float(w.y), __uint_as_float(x.y), acc);
    acc = fmaf(__uint_as_float(w.z), __uint_as_float(x.z), acc);
    acc = fmaf(__uint_as_float(w.w), __uint_as_float(x.w), acc);
}
template <> __device__ __forceinline__ void accumulate<__nv_bfloat16>(float& acc, const uint4& w, const uint4& x) {
    for (unsigned i = 0; i < 4; ++i) {
        const unsigned a = i == 0 ? w.x : i == 1 ? w.y : i == 2 ? w.z : w.w;
        const unsigned b = i == 0 ? x.x : i == 1 ? x.y : i == 2 ? x.z : x.w;
        acc = fmaf(bf16Low(a), bf16Low(b), acc);
        acc = fmaf(bf16High(a), bf16High(b), acc);
    }
}
template <> __device__ __forceinline__ void accumulate<__half>(float& acc, const uint4& w, const uint4& x) {
    for (unsigned i = 0; i < 4; ++i) {
        const unsigned a = i == 0 ? w.x : i == 1 ? w.y : i == 2 ? w.z : w.w;
        const unsigned b = i == 0 ? x.x : i == 1 ? x.y : i == 2 ? x.z : x.w;
        __half2 ha, hb;
        memcpy(&ha, &a, sizeof(ha));
        memcpy(&hb, &b, sizeof(hb));
        const float2 fa = __half22float2(ha), fb = __half22float2(hb);
        acc = fmaf(fa.x, fb.x, acc);
        acc = fmaf(fa.y, fb.y, acc);
    }
}

template <typename T, ProductInput Input, bool Gelu, int MaxRows>
__global__ void __launch_bounds__(kThreads, 2) rowProductKernel(const RowProduct p) {
    constexpr int n = 16 / sizeof(T);   // elements per 16-byte chunk
    uint4* sharedRows = dynamicSharedMemory();
    const T* __restrict__ weight = static_cast<const T*>(p.weight);
    const T* __restrict__ bias = static_cast<const T*>(p.bias);
    T* __restrict__ y = static_cast<T*>(p.y);
    const int rows = p.rows, width = static_cast<int>(p.inFeatures), outFeatures = static_cast<int>(p.outFeatures);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int chunks = width / n;
    const int firstRow = blockIdx.x * kWarps + warp, rowStride = gridDim.x * kWarps;
    allowDependentsToStart();   // a product launched to overlap this one may start
    if (firstRow < outFeatures) {
        // This warp's first weight row starts on its way to L2 while the kernel before it finishes and the
        // block normalises its rows.
        const char* row = reinterpret_cast<const char*>(weight + static_cast<std::int64_t>(firstRow) * width);
        const int bytes = width * static_cast<int>(sizeof(T));
        for (int offset = lane * 128; offset < bytes; offset += 32 * 128) prefetchToL2(row + offset);
    }
    waitForPreviousKernel();
    const uint4* in = static_cast<const uint4*>(p.x);
    if constexpr (Input != ProductInput::Raw) {
        normaliseRows<T, Input, MaxRows>(static_cast<const T*>(p.x), static_cast<const T*>(p.delta),
                                         static_cast<T*>(p.sumOut), static_cast<const T*>(p.gamma),
                                         static_cast<const T*>(p.beta), p.eps, reinterpret_cast<T*>(sharedRows), rows,
                                         width);
        in = sharedRows;
    }
    for (int o = firstRow; o < outFeatures; o += rowStride) {
        const uint4* w = reinterpret_cast<const uint4*>(weight + static_cast<std::int64_t>(o) * width);
        float acc[MaxRows];
#pragma unroll
        for (int r = 0; r < MaxRows; ++r) acc[r] = 0.f;
        for (int base = lane; base < chunks; base += 32 * kUnroll<MaxRows>) {
            uint4 wv[kUnroll<MaxRows>];
#pragma unroll
            for (int u = 0; u < kUnroll<MaxRows>; ++u)   // read once: through the read-only path
                wv[u] = base + u * 32 < chunks ? __ldg(w + base + u * 32) : make_uint4(0, 0, 0, 0);
#pragma unroll
            for (int u = 0; u < kUnroll<MaxRows>; ++u) {
                const int c = base + u * 32;
#pragma unroll
                for (int r = 0; r < MaxRows; ++r)
                    if (r < rows && c < chunks) accumulate<T>(acc[r], wv[u], in[r * chunks + c]);
            }
        }
#pragma unroll
        for (int r = 0; r < MaxRows; ++r) acc[r] = warpSum(acc[r]);
        if (lane == 0) {
            const float b = bias ? toFloat(bias[o]) : 0.f;
#pragma unroll
            for (int r = 0; r < MaxRows; ++r) {
                if (r >= rows) break;
                float v = acc[r] + b;
                if constexpr (Gelu) v = gelu(toFloat(fromFloat<T>(v)));
                y[static_cast<std::int64_t>(r) * outFeatures + o] = fromFloat<T>(v);
            }
        }
    }
}

int elementBytes(ElementType type) { return type == ElementType::Float32 ? 4 : 2; }

int multiprocessors() {
    int device = 0, count = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || count < 1)
        return 132;
    return count;
}

// An overlapping launch needs a Hopper GPU, the kernel built from PTX for it (griddepcontrol.wait is compiled
// for sm_90 and later only: without it the kernel would read what the one before is still writing) and a
// driver whose CUDA graphs keep such launches (12.3).
template <typename Kernel> bool overlapPossible(Kernel kernel) {
    int device = 0, major = 0, driver = 0;
    cudaFuncAttributes attributes{};
    return cudaGetDevice(&device) == cudaSuccess &&
           cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess && major >= 9 &&
           cudaFuncGetAttributes(&attributes, kernel) == cudaSuccess && attributes.ptxVersion >= 90 &&
           cudaDriverGetVersion(&driver) == cudaSuccess && driver >= 12030;
}

template <typename T, ProductInput Input, bool Gelu, int MaxRows>
cudaError_t launch(const RowProduct& p, cudaStream_t stream) {
    // Enough blocks for a few per multiprocessor; beyond that each warp takes further rows in turn.
    static const int maxBlocks = 4 * multiprocessors();
    const dim3 grid(static_cast<unsigned>(std::min<std::int64_t>((p.outFeatures + kWarps - 1) / kWarps, maxBlocks)));
    // The normalised rows.
    const std::size_t shared =
        Input == ProductInput::Raw ? 0 : static_cast<std::size_t>(p.rows) * p.inFeatures * sizeof(T);
#if !defined(CUDART_VERSION) || CUDART_VERSION >= 11080   // launch attributes (CUDA 11.8)
    cudaLaunchConfig_t config = {};
    config.gridDim = grid;
    config.blockDim = dim3(kThreads);
    config.dynamicSmemBytes = shared;
    config.stream = stream;
    cudaLaunchAttribute overlap[1];
    overlap[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    overlap[0].val.programmaticStreamSerializationAllowed = 1;
    config.attrs = overlap;
    static const bool canOverlap = overlapPossible(rowProductKernel<T, Input, Gelu, MaxRows>);
    config.numAttrs = p.overlapPrevious && canOverlap ? 1 : 0;
    return cudaLaunchKernelEx(&config, rowProductKernel<T, Input, Gelu, MaxRows>, p);
#else
    rowProductKernel<T, Input, Gelu, MaxRows><<<grid, kThreads, shared, stream>>>(p);   // never overlapping
    return cudaGetLastError();
#endif
}

template <typename T, int MaxRows> cudaError_t launchFor(const RowProduct& p, cudaStream_t stream) {
    switch (p.input) {
    case ProductInput::Normed: return launch<T, ProductInput::Normed, false, MaxRows>(p, stream);
    case ProductInput::AddThenNormed:
        return p.gelu ? launch<T, ProductInput::AddThenNormed, true, MaxRows>(p, stream)
                      : launch<T, ProductInput::AddThenNormed, false, MaxRows>(p, stream);
    default: return launch<T, ProductInput::Raw, false, MaxRows>(p, stream);
    }
}

template <typename T> cudaError_t launchForRows(const RowProduct& p, cudaStream_t stream) {
    return p.rows == 1 ? launchFor<T, 1>(p, stream) : launchFor<T, kMaxProductRows>(p, stream);
}

} // namespace

bool rowProductSupported(ElementType type, ProductInput input, int rows, std::int64_t inFeatures,
                         std::int64_t outFeatures) {
    const int bytes = elementBytes(type);
    if (rows < 1 || rows > kMaxProductRows || inFeatures < 1 || inFeatures * bytes % 16 != 0 ||
        inFeatures > 0x7fffffff / kMaxProductRows || outFeatures < 1 || outFeatures > 0x7fffffff)
        return false;
    if (input == ProductInput::Raw) return true;
    return rows * inFeatures * bytes <= kMaxNormedProductBytes;
}

int rowProduct(const RowProduct& p, void* stream) {
    if (!rowProductSupported(p.type, p.input, p.rows, p.inFeatures, p.outFeatures) ||
        (p.gelu && p.input != ProductInput::AddThenNormed) || !aligned16(p.x) || !aligned16(p.weight) || !p.y ||
        (p.input == ProductInput::AddThenNormed && (!aligned16(p.delta) || !p.delta || !p.sumOut)) ||
        (p.input != ProductInput::Raw && (!p.gamma || !p.beta)))
        return cudaErrorInvalidValue;
    const auto s = static_cast<cudaStream_t>(stream);
    switch (p.type) {
    case ElementType::BFloat16: return launchForRows<__nv_bfloat16>(p, s);
    case ElementType::Float16: return launchForRows<__half>(p, s);
    default: return launchForRows<float>(p, s);
    }
}

} // namespace kosmos::cuda
