#pragma once
// Raw launchers of the engine's own CUDA kernels (fused_kernels.cu), on plain pointers, so that this
// file compiles with nvcc without LibTorch. model/engine/fused_ops.h is the tensor-level face.
// Element types: 0 = float32, 1 = bfloat16, 2 = float16. Every launcher returns a cudaError_t value
// (0 = launched).
#include <cstdint>

namespace kosmos::cuda {

enum class ElementType { Float32 = 0, BFloat16 = 1, Float16 = 2 };
enum class BeforeNorm { None = 0, AddResidual = 1, Gelu = 2 };

// The largest row a layer-norm launch takes (8 elements per thread, 1024 threads).
constexpr int kMaxNormWidth = 8192;

// out = LayerNorm(pre(x)) over rows of `width`, with pre:
//   None:        x
//   AddResidual: x + delta, rounded to the element type and also written to `sumOut`
//   Gelu:        gelu(x) (erf form), rounded to the element type
// gamma/beta: [width]. All tensors contiguous, rows * width elements.
int layerNorm(ElementType type, BeforeNorm pre, const void* x, const void* delta, void* sumOut, const void* gamma,
              const void* beta, void* out, std::int64_t rows, int width, float eps, void* stream);

// Splits the fused q/k/v projection qkv [B, n, 3E] (E = heads * headDim) into q * scale [B, heads, n, headDim]
// and writes k and v into the caches [B, heads, capacity, headDim] at positions start + t, where start is
// *startOnDevice when given (a CUDA-graph step) and `start` otherwise.
int splitQkvIntoCache(ElementType type, const void* qkv, void* q, void* keys, void* values, std::int64_t batch,
                      std::int64_t n, int heads, int headDim, std::int64_t capacity,
                      const std::int64_t* startOnDevice, std::int64_t start, float scale, void* stream);

} // namespace kosmos::cuda
