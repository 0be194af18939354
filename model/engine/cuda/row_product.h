#pragma once
// The decode step's matrix products as one kernel: a few rows (one per sequence) times a Linear's weight,
// each weight row streamed once with 16-byte loads, optionally after the layer norm that comes before the
// product in the model (each block normalises the rows itself, so the norm needs no launch of its own) and
// with gelu after it. Plain pointers, like fused_kernels.h.
#include <cstdint>

#include "model/engine/cuda/fused_kernels.h"

namespace kosmos::cuda {

constexpr int kMaxProductRows = 8;
// Normalised rows are kept in each block's shared memory: rows * inFeatures elements take this much at most
// (under the 48 KiB a block gets without asking, with room for the kernel's own sums).
constexpr int kMaxNormedProductBytes = 40 * 1024;

enum class ProductInput {
    Raw = 0,             // x
    Normed = 1,          // LayerNorm(x)
    AddThenNormed = 2,   // LayerNorm(x + delta); the sum, rounded to the element type, is written to sumOut
};

// y[r, o] = after(sum_i W[o, i] * in[r, i] + bias[o]) for r < rows, o < outFeatures. Each normalised value
// is rounded to the element type, as the layer-norm kernel stores it; `after` is gelu (erf form) of the product
// rounded to the element type when `gelu` is set (AddThenNormed only), else nothing. The product is summed in
// float32 and rounded once.
struct RowProduct {
    ElementType type = ElementType::Float32;
    ProductInput input = ProductInput::Raw;
    bool gelu = false;
    const void* x = nullptr;        // [rows, inFeatures]
    const void* delta = nullptr;    // AddThenNormed: [rows, inFeatures]
    void* sumOut = nullptr;         // AddThenNormed: x + delta
    const void* gamma = nullptr;    // the norm's scale and shift, [inFeatures]
    const void* beta = nullptr;
    float eps = 1e-5f;
    const void* weight = nullptr;   // [outFeatures, inFeatures], row-major
    const void* bias = nullptr;     // [outFeatures] or nullptr
    void* y = nullptr;              // [rows, outFeatures]
    int rows = 1;
    std::int64_t inFeatures = 0, outFeatures = 0;
    // Programmatic dependent launch (Hopper): the kernel may start while the kernel before it in the stream
    // finishes, fetching its first weights into L2, and waits for that kernel before it reads or writes
    // anything else. Ignored where the GPU, the kernel's build or the driver cannot (row_product.cu).
    bool overlapPrevious = false;
};

// Needs inFeatures a multiple of 16 bytes' worth of elements, x, weight (and delta) 16-byte aligned, and
// rowProductSupported(); returns a cudaError_t value (0 = launched).
bool rowProductSupported(ElementType type, ProductInput input, int rows, std::int64_t inFeatures,
                         std::int64_t outFeatures);
int rowProduct(const RowProduct& product, void* stream);

} // namespace kosmos::cuda
