#include "model/engine/huge_pages.h"

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
    // A fresh mapping, not the C allocator's: memory it hands back again is often already faulted in 4 KiB
    // pages, which the advice does not change (on the CI machine 84 of the 96 attention weights were).
    void* mapped = mmap(nullptr, rounded + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<char*>(mapped);
    const std::size_t lead = (kHugePage - reinterpret_cast<std::uintptr_t>(base) % kHugePage) % kHugePage;
    if (lead > 0) munmap(base, lead);
    if (kHugePage - lead > 0) munmap(base + lead + rounded, kHugePage - lead);
    char* memory = base + lead;
    // Advice only: where the kernel refuses it the buffer is used in ordinary pages.
    madvise(memory, rounded, MADV_HUGEPAGE);
    return at::from_blob(memory, shape, [rounded](void* p) { munmap(p, rounded); }, options);
#else
    return at::empty(shape, options);
#endif
}

} // namespace kosmos
