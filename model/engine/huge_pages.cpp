#include "model/engine/huge_pages.h"

#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace kosmos {

at::Tensor hugePageTensor(at::IntArrayRef shape, at::ScalarType dtype) {
    const at::TensorOptions options = at::TensorOptions().dtype(dtype).device(at::kCPU);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::size_t kHugePage = 2u << 20;
    std::size_t bytes = c10::elementSize(dtype);
    for (const std::int64_t d : shape) bytes *= static_cast<std::size_t>(d);
    if (bytes < kHugePage) return at::empty(shape, options);
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* memory = std::aligned_alloc(kHugePage, rounded);
    if (memory == nullptr) throw std::bad_alloc();
    // Advice only: where the kernel refuses it the buffer is used in ordinary pages.
    madvise(memory, rounded, MADV_HUGEPAGE);
    return at::from_blob(memory, shape, [](void* p) { std::free(p); }, options);
#else
    return at::empty(shape, options);
#endif
}

} // namespace kosmos
