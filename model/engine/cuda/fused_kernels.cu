#include "model/engine/cuda/fused_kernels.h"

#include <cstdint>

#include "model/engine/cuda/kernel_math.cuh"

namespace kosmos::cuda {
namespace {

using namespace math;

constexpr int kPerThread = 8;
constexpr int kMaxThreads = kMaxNormWidth / kPerThread;

// Elementwise steps shared by both kernels: the value the norm sees, rounded as LibTorch would store it.
template <typename T, BeforeNorm Pre> __device__ __forceinline__ float normInput(float x, float delta) {
    if constexpr (Pre == BeforeNorm::AddResidual) return toFloat(fromFloat<T>(x + delta));
    if constexpr (Pre == BeforeNorm::Gelu) return toFloat(fromFloat<T>(gelu(x)));
    return x;
}

// One block per row; each thread keeps its kPerThread elements in registers between the two reductions
// (mean, then the centred sum of squares) and the output.
template <typename T, BeforeNorm Pre>
__global__ void __launch_bounds__(kMaxThreads) layerNormKernel(const T* __restrict__ x, const T* __restrict__ delta,
                                                               T* __restrict__ sumOut, const T* __restrict__ gamma,
                                                               const T* __restrict__ beta, T* __restrict__ out,
                                                               int width, float eps) {
    __shared__ float partials[32];
    const std::int64_t offset = static_cast<std::int64_t>(blockIdx.x) * width;
    float values[kPerThread], scales[kPerThread], shifts[kPerThread];
    float local = 0.f;
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = threadIdx.x + k * blockDim.x;
        float v = 0.f;
        if (i < width) {
            scales[k] = toFloat(gamma[i]);   // loaded with the row, not after the reductions
            shifts[k] = toFloat(beta[i]);
            v = normInput<T, Pre>(toFloat(x[offset + i]),
                                  Pre == BeforeNorm::AddResidual ? toFloat(delta[offset + i]) : 0.f);
            if constexpr (Pre == BeforeNorm::AddResidual) sumOut[offset + i] = fromFloat<T>(v);
            local += v;
        }
        values[k] = v;
    }
    const float mean = blockSum(local, partials) / static_cast<float>(width);
    float squares = 0.f;
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = threadIdx.x + k * blockDim.x;
        if (i < width) {
            const float d = values[k] - mean;
            squares += d * d;
        }
    }
    const float rstd = rsqrtf(blockSum(squares, partials) / static_cast<float>(width) + eps);
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int i = threadIdx.x + k * blockDim.x;
        if (i < width) out[offset + i] = fromFloat<T>(scales[k] * (rstd * (values[k] - mean)) + shifts[k]);
    }
}

// The same with 16-byte loads and stores, for rows whose width is a multiple of 16 bytes at aligned
// addresses: each thread holds up to kVectors vectors of the row, and its scales and shifts.
constexpr int kVectors = 4;
constexpr int kVectorThreads = 256;   // bounds the registers the kernel may use: no spills

template <typename T, BeforeNorm Pre>
__global__ void __launch_bounds__(kVectorThreads) layerNormVectorKernel(const T* __restrict__ x, const T* __restrict__ delta,
                                                              T* __restrict__ sumOut, const T* __restrict__ gamma,
                                                              const T* __restrict__ beta, T* __restrict__ out,
                                                              int width, float eps) {
    using V = Vector<T>;
    constexpr int n = V::kSize;
    __shared__ float partials[32];
    const int vectors = width / n;
    const std::int64_t rowOffset = static_cast<std::int64_t>(blockIdx.x) * vectors;
    const V* xs = reinterpret_cast<const V*>(x) + rowOffset;
    const V* ds = reinterpret_cast<const V*>(delta) + rowOffset;
    V* sums = reinterpret_cast<V*>(sumOut) + rowOffset;
    V* outs = reinterpret_cast<V*>(out) + rowOffset;
    const V* gs = reinterpret_cast<const V*>(gamma);
    const V* bs = reinterpret_cast<const V*>(beta);
    V xv[kVectors], dv[kVectors], gv[kVectors], bv[kVectors];
#pragma unroll
    for (int k = 0; k < kVectors; ++k) {
        const int j = threadIdx.x + k * blockDim.x;
        if (j < vectors) {
            xv[k] = xs[j];
            if constexpr (Pre == BeforeNorm::AddResidual) dv[k] = ds[j];
            gv[k] = gs[j];
            bv[k] = bs[j];
        }
    }
    float values[kVectors][n];
    float local = 0.f;
#pragma unroll
    for (int k = 0; k < kVectors; ++k) {
        const int j = threadIdx.x + k * blockDim.x;
#pragma unroll
        for (int e = 0; e < n; ++e) {
            float v = 0.f;
            if (j < vectors) {
                v = normInput<T, Pre>(toFloat(xv[k].v[e]),
                                      Pre == BeforeNorm::AddResidual ? toFloat(dv[k].v[e]) : 0.f);
                if constexpr (Pre == BeforeNorm::AddResidual) dv[k].v[e] = fromFloat<T>(v);
                local += v;
            }
            values[k][e] = v;
        }
        if constexpr (Pre == BeforeNorm::AddResidual)
            if (j < vectors) sums[j] = dv[k];
    }
    const float mean = blockSum(local, partials) / static_cast<float>(width);
    float squares = 0.f;
#pragma unroll
    for (int k = 0; k < kVectors; ++k) {
        const int j = threadIdx.x + k * blockDim.x;
#pragma unroll
        for (int e = 0; e < n; ++e) {
            const float d = values[k][e] - mean;
            if (j < vectors) squares += d * d;
        }
    }
    const float rstd = rsqrtf(blockSum(squares, partials) / static_cast<float>(width) + eps);
#pragma unroll
    for (int k = 0; k < kVectors; ++k) {
        const int j = threadIdx.x + k * blockDim.x;
        if (j >= vectors) continue;
        V o;
#pragma unroll
        for (int e = 0; e < n; ++e)
            o.v[e] = fromFloat<T>(toFloat(gv[k].v[e]) * (rstd * (values[k][e] - mean)) + toFloat(bv[k].v[e]));
        outs[j] = o;
    }
}

template <typename T>
__global__ void splitQkvKernel(const T* __restrict__ qkv, T* __restrict__ q, T* __restrict__ keys,
                               T* __restrict__ values, std::int64_t total, std::int64_t n, int heads, int headDim,
                               std::int64_t capacity, const std::int64_t* __restrict__ startOnDevice,
                               std::int64_t start, float scale) {
    const std::int64_t index = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= total) return;   // total = B * n * E
    const std::int64_t e = static_cast<std::int64_t>(heads) * headDim;
    const std::int64_t column = index % e;
    const std::int64_t token = index / e;   // b * n + t
    const std::int64_t b = token / n, t = token % n;
    const std::int64_t h = column / headDim, d = column % headDim;
    const T* row = qkv + token * 3 * e;
    q[((b * heads + h) * n + t) * headDim + d] = fromFloat<T>(toFloat(row[column]) * scale);
    const std::int64_t position = (startOnDevice ? *startOnDevice : start) + t;
    const std::int64_t slot = ((b * heads + h) * capacity + position) * headDim + d;
    keys[slot] = row[e + column];
    values[slot] = row[2 * e + column];
}

template <typename T, BeforeNorm Pre>
cudaError_t launchNorm(const void* x, const void* delta, void* sumOut, const void* gamma, const void* beta, void* out,
                       std::int64_t rows, int width, float eps, cudaStream_t stream) {
    constexpr int n = Vector<T>::kSize;
    const bool vectorised = width % n == 0 && aligned16(x) && aligned16(gamma) && aligned16(beta) && aligned16(out) &&
                            (Pre != BeforeNorm::AddResidual || (aligned16(delta) && aligned16(sumOut)));
    if (vectorised) {
        const int vectors = width / n;
        const int threads = ((vectors + kVectors - 1) / kVectors + 31) / 32 * 32;
        if (threads <= kVectorThreads) {
            layerNormVectorKernel<T, Pre><<<static_cast<unsigned>(rows), threads, 0, stream>>>(
                static_cast<const T*>(x), static_cast<const T*>(delta), static_cast<T*>(sumOut),
                static_cast<const T*>(gamma), static_cast<const T*>(beta), static_cast<T*>(out), width, eps);
            return cudaGetLastError();
        }
    }
    int threads = (width + kPerThread - 1) / kPerThread;
    threads = (threads + 31) / 32 * 32;
    layerNormKernel<T, Pre><<<static_cast<unsigned>(rows), threads, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(delta), static_cast<T*>(sumOut),
        static_cast<const T*>(gamma), static_cast<const T*>(beta), static_cast<T*>(out), width, eps);
    return cudaGetLastError();
}

template <typename T>
cudaError_t launchNormFor(BeforeNorm pre, const void* x, const void* delta, void* sumOut, const void* gamma,
                          const void* beta, void* out, std::int64_t rows, int width, float eps, cudaStream_t stream) {
    switch (pre) {
    case BeforeNorm::AddResidual:
        return launchNorm<T, BeforeNorm::AddResidual>(x, delta, sumOut, gamma, beta, out, rows, width, eps, stream);
    case BeforeNorm::Gelu:
        return launchNorm<T, BeforeNorm::Gelu>(x, delta, sumOut, gamma, beta, out, rows, width, eps, stream);
    default:
        return launchNorm<T, BeforeNorm::None>(x, delta, sumOut, gamma, beta, out, rows, width, eps, stream);
    }
}

template <typename T>
cudaError_t launchSplit(const void* qkv, void* q, void* keys, void* values, std::int64_t batch, std::int64_t n,
                        int heads, int headDim, std::int64_t capacity, const std::int64_t* startOnDevice,
                        std::int64_t start, float scale, cudaStream_t stream) {
    const std::int64_t total = batch * n * heads * headDim;
    const int threads = 256;
    const auto blocks = static_cast<unsigned>((total + threads - 1) / threads);
    splitQkvKernel<T><<<blocks, threads, 0, stream>>>(static_cast<const T*>(qkv), static_cast<T*>(q),
                                                      static_cast<T*>(keys), static_cast<T*>(values), total, n, heads,
                                                      headDim, capacity, startOnDevice, start, scale);
    return cudaGetLastError();
}

} // namespace

int layerNorm(ElementType type, BeforeNorm pre, const void* x, const void* delta, void* sumOut, const void* gamma,
              const void* beta, void* out, std::int64_t rows, int width, float eps, void* stream) {
    if (width < 1 || width > kMaxNormWidth || rows < 1 || rows > 0x7fffffff) return cudaErrorInvalidValue;
    auto s = static_cast<cudaStream_t>(stream);
    switch (type) {
    case ElementType::BFloat16:
        return launchNormFor<__nv_bfloat16>(pre, x, delta, sumOut, gamma, beta, out, rows, width, eps, s);
    case ElementType::Float16:
        return launchNormFor<__half>(pre, x, delta, sumOut, gamma, beta, out, rows, width, eps, s);
    default:
        return launchNormFor<float>(pre, x, delta, sumOut, gamma, beta, out, rows, width, eps, s);
    }
}

int splitQkvIntoCache(ElementType type, const void* qkv, void* q, void* keys, void* values, std::int64_t batch,
                      std::int64_t n, int heads, int headDim, std::int64_t capacity,
                      const std::int64_t* startOnDevice, std::int64_t start, float scale, void* stream) {
    if (batch < 1 || n < 1 || heads < 1 || headDim < 1) return cudaErrorInvalidValue;
    auto s = static_cast<cudaStream_t>(stream);
    switch (type) {
    case ElementType::BFloat16:
        return launchSplit<__nv_bfloat16>(qkv, q, keys, values, batch, n, heads, headDim, capacity, startOnDevice,
                                          start, scale, s);
    case ElementType::Float16:
        return launchSplit<__half>(qkv, q, keys, values, batch, n, heads, headDim, capacity, startOnDevice, start,
                                   scale, s);
    default:
        return launchSplit<float>(qkv, q, keys, values, batch, n, heads, headDim, capacity, startOnDevice, start,
                                  scale, s);
    }
}

} // namespace kosmos::cuda
