#pragma once
// Image embeddings on CUDA replayed as a CUDA graph, one captured per input shape: the vision tower is
// about 380 small kernels, and launching them one by one takes the CPU several times their GPU time.
// Inference only (no autograd); KOSMOS_NO_CUDA_GRAPHS=1 turns it off like the decode graph.
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace kosmos {

class VisionGraphs {
public:
    VisionGraphs();
    ~VisionGraphs();

    static bool usable(const at::Tensor& pixelValues);

    // compute(pixels) through the graph captured for pixelValues' shape and dtype (captured on first use).
    // The result is the caller's own tensor (not the graph's output buffer).
    at::Tensor run(const std::function<at::Tensor(const at::Tensor&)>& compute, const at::Tensor& pixelValues);

private:
    struct Entry;
    std::map<std::vector<std::int64_t>, std::unique_ptr<Entry>> mEntries;
};

} // namespace kosmos
