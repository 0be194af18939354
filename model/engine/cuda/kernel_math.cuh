#pragma once
// Device helpers shared by the engine's CUDA kernels: element conversions, 16-byte vectors and a block sum.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace kosmos::cuda::math {

template <typename T> __device__ __forceinline__ float toFloat(T v);
template <> __device__ __forceinline__ float toFloat<float>(float v) { return v; }
template <> __device__ __forceinline__ float toFloat<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }
template <> __device__ __forceinline__ float toFloat<__half>(__half v) { return __half2float(v); }

template <typename T> __device__ __forceinline__ T fromFloat(float v);
template <> __device__ __forceinline__ float fromFloat<float>(float v) { return v; }
template <> __device__ __forceinline__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ __half fromFloat<__half>(float v) { return __float2half_rn(v); }

// gelu in its erf form, as LibTorch's default.
__device__ __forceinline__ float gelu(float x) { return x * 0.5f * (1.f + erff(x * static_cast<float>(M_SQRT1_2))); }

template <typename T> struct alignas(16) Vector {
    static constexpr int kSize = 16 / sizeof(T);
    T v[kSize];
};

inline bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

// Hints and launch ordering of the GPU; they do nothing where tests/cuda_emulation runs the kernels on the CPU.
__device__ __forceinline__ void prefetchToL2(const void* address) {
#ifdef __CUDA_ARCH__
    asm volatile("prefetch.global.L2 [%0];" ::"l"(address));
#endif
}

// Programmatic dependent launch (Hopper): lets a kernel launched to overlap this one start...
__device__ __forceinline__ void allowDependentsToStart() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;");
#endif
}

// ...and, in that kernel, waits until the kernel before it has finished and its writes are visible (returns at
// once when the kernel was launched the ordinary way).
__device__ __forceinline__ void waitForPreviousKernel() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// The block's dynamic shared memory (the launch's dynamicSmemBytes), 16-byte aligned.
__device__ __forceinline__ uint4* dynamicSharedMemory() {
#ifdef KOSMOS_CUDA_EMULATION
    return kosmos_emulation::sharedMemory();
#else
    extern __shared__ uint4 kosmosDynamicShared[];
    return kosmosDynamicShared;
#endif
}

__device__ __forceinline__ float warpSum(float value) {
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffffu, value, offset);
    return value;
}

// Sum over the block, returned to every thread. `partials` holds one value per warp; blockDim.x is a
// multiple of 32.
__device__ __forceinline__ float blockSum(float value, float* partials) {
    value = warpSum(value);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads();   // the previous call's partials have been read
    if (lane == 0) partials[warp] = value;
    __syncthreads();
    return warpSum(lane < static_cast<int>(blockDim.x / 32) ? partials[lane] : 0.f);
}

} // namespace kosmos::cuda::math
