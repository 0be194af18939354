#pragma once
// A CPU stand-in for the part of the CUDA runtime the engine's row-product kernel uses, so that its source
// (model/engine/cuda/row_product.cu, compiled as C++) runs in a test on machines without a GPU. A launch runs
// its blocks one after the other; the threads of a block run as fibers on the calling thread, switching at
// each __syncthreads and warp shuffle, so shared memory (static here: one copy for all fibers) and the order
// of every sum behave as on the device. It checks the kernels' indexing, sums and rounding; their speed
// and the GPU-only hints (prefetches, overlapped launches) need a GPU.
#include <ucontext.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define KOSMOS_CUDA_EMULATION 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
    dim3() = default;
    dim3(unsigned x_, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(16) uint4 {
    unsigned x, y, z, w;
};
struct float2 {
    float x, y;
};
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }
template <typename T> T __ldg(const T* p) { return *p; }

enum cudaError_t {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorLaunchFailure = 719,
};
enum cudaMemcpyKind { cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2 };
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16, cudaDevAttrComputeCapabilityMajor = 75 };
enum cudaLaunchAttributeID { cudaLaunchAttributeProgrammaticStreamSerialization = 5 };
using cudaStream_t = struct CUstream_st*;

struct cudaLaunchAttribute {
    cudaLaunchAttributeID id;
    union {
        int programmaticStreamSerializationAllowed;
    } val;
};
struct cudaLaunchConfig_t {
    dim3 gridDim, blockDim;
    std::size_t dynamicSmemBytes = 0;
    cudaStream_t stream = nullptr;
    cudaLaunchAttribute* attrs = nullptr;
    unsigned numAttrs = 0;
};

inline dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace kosmos_emulation {

// One multiprocessor: launches that size their grid by it get few blocks, and their warps take several rows.
constexpr int kMultiprocessors = 1;
constexpr std::size_t kSharedBytes = 48 * 1024;   // what a block gets without asking for more
constexpr std::size_t kStackBytes = 64 * 1024;

struct Fiber {
    ucontext_t context;
    bool done = false, waiting = false;
    int scope = 0;                 // 0: the block; 1 + w: warp w
    unsigned long generation = 0;  // of that scope when the fiber began to wait
};

struct Block {
    std::vector<Fiber> fibers;
    ucontext_t scheduler;
    unsigned current = 0;
    std::vector<unsigned> arrived;           // per scope
    std::vector<unsigned long> generations;  // per scope: barriers passed
    std::vector<std::uint64_t> lanes;        // per thread: the value it offers to a shuffle
    void (*body)(void*) = nullptr;
    void* argument = nullptr;
};

inline uint4* sharedMemory() {
    alignas(16) static uint4 bytes[kSharedBytes / sizeof(uint4)];
    return bytes;
}

inline Block*& running() {
    static Block* block = nullptr;
    return block;
}

inline void arriveAndWait(int scope, unsigned size) {
    Block& b = *running();
    const unsigned long generation = b.generations[scope];
    if (++b.arrived[scope] == size) {   // the last to arrive releases the others and goes on
        b.arrived[scope] = 0;
        ++b.generations[scope];
        return;
    }
    Fiber& f = b.fibers[b.current];
    f.waiting = true, f.scope = scope, f.generation = generation;
    swapcontext(&f.context, &b.scheduler);
}

inline void fiberMain() {
    Block& b = *running();
    b.body(b.argument);
    b.fibers[b.current].done = true;   // returns to the scheduler through uc_link
}

// Runs one block: every thread to the end, switching at barriers. Returns false when the threads cannot all
// go on (a barrier some threads never reach).
inline bool runBlock(unsigned threads, void (*body)(void*), void* argument) {
    static std::vector<std::vector<char>> stacks;
    if (stacks.size() < threads) stacks.resize(threads, std::vector<char>(kStackBytes));
    Block b;
    b.fibers.resize(threads);
    b.arrived.assign(1 + (threads + 31) / 32, 0);
    b.generations.assign(b.arrived.size(), 0);
    b.lanes.assign(threads, 0);
    b.body = body, b.argument = argument;
    running() = &b;
    for (unsigned i = 0; i < threads; ++i) {
        Fiber& f = b.fibers[i];
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = stacks[i].data();
        f.context.uc_stack.ss_size = kStackBytes;
        f.context.uc_link = &b.scheduler;
        makecontext(&f.context, fiberMain, 0);
    }
    for (;;) {
        bool progressed = false, finished = true;
        for (unsigned i = 0; i < threads; ++i) {
            Fiber& f = b.fibers[i];
            if (f.done) continue;
            finished = false;
            if (f.waiting && b.generations[f.scope] == f.generation) continue;
            f.waiting = false;
            b.current = i;
            threadIdx = dim3(i);
            swapcontext(&b.scheduler, &f.context);
            progressed = true;
        }
        if (finished) break;
        if (!progressed) {
            running() = nullptr;
            return false;
        }
    }
    running() = nullptr;
    return true;
}

} // namespace kosmos_emulation

inline void __syncthreads() { kosmos_emulation::arriveAndWait(0, blockDim.x); }

template <typename T> T __shfl_xor_sync(unsigned, T value, int laneMask) {
    static_assert(sizeof(T) <= sizeof(std::uint64_t));
    kosmos_emulation::Block& b = *kosmos_emulation::running();
    const unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    std::memcpy(&b.lanes[threadIdx.x], &value, sizeof(T));
    kosmos_emulation::arriveAndWait(1 + static_cast<int>(warp), 32);   // every lane has offered its value
    T out;
    std::memcpy(&out, &b.lanes[warp * 32 + (lane ^ static_cast<unsigned>(laneMask))], sizeof(T));
    kosmos_emulation::arriveAndWait(1 + static_cast<int>(warp), 32);   // and every lane has read its partner's
    return out;
}

template <typename Kernel, typename... Args>
cudaError_t cudaLaunchKernelEx(const cudaLaunchConfig_t* config, Kernel kernel, Args&&... args) {
    if (config->dynamicSmemBytes > kosmos_emulation::kSharedBytes || config->blockDim.x % 32 != 0 ||
        config->blockDim.x == 0 || config->blockDim.x > 1024 || config->gridDim.x == 0)
        return cudaErrorInvalidValue;
    auto call = [&] { kernel(args...); };
    using Call = decltype(call);
    blockDim = config->blockDim, gridDim = config->gridDim;
    for (unsigned block = 0; block < config->gridDim.x; ++block) {
        blockIdx = dim3(block);
        if (!kosmos_emulation::runBlock(config->blockDim.x, [](void* c) { (*static_cast<Call*>(c))(); }, &call))
            return cudaErrorLaunchFailure;
    }
    return cudaSuccess;
}

inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "emulated CUDA error"; }
inline cudaError_t cudaGetDevice(int* device) {
    *device = 0;
    return cudaSuccess;
}
// An emulated device of no compute capability: launches never overlap.
inline cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int) {
    *value = attribute == cudaDevAttrMultiProcessorCount ? kosmos_emulation::kMultiprocessors : 0;
    return cudaSuccess;
}
struct cudaFuncAttributes {
    int binaryVersion = 0, ptxVersion = 0;
};
template <typename Kernel> cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* attributes, Kernel) {
    *attributes = {};
    return cudaSuccess;
}
inline cudaError_t cudaDriverGetVersion(int* version) {
    *version = 0;
    return cudaSuccess;
}
template <typename T> cudaError_t cudaMalloc(T** pointer, std::size_t bytes) {
    *pointer = static_cast<T*>(std::aligned_alloc(256, (bytes + 255) / 256 * 256));
    return *pointer ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t cudaFree(void* pointer) {
    std::free(pointer);
    return cudaSuccess;
}
inline cudaError_t cudaMemcpy(void* to, const void* from, std::size_t bytes, cudaMemcpyKind) {
    std::memcpy(to, from, bytes);
    return cudaSuccess;
}
inline cudaError_t cudaMemset(void* to, int value, std::size_t bytes) {
    std::memset(to, value, bytes);
    return cudaSuccess;
}
