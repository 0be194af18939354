#include "model/engine/vision_graph.h"

#include <ATen/core/grad_mode.h>

#include <cstdlib>

#include "model/error.h"

#ifdef KOSMOS_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace kosmos {
namespace {

constexpr std::size_t kMaxShapes = 4;   // each graph keeps its own activation memory

} // namespace

#ifdef KOSMOS_WITH_CUDA

struct VisionGraphs::Entry {
    at::cuda::CUDAGraph graph;
    at::Tensor input, output;
};

VisionGraphs::VisionGraphs() = default;
VisionGraphs::~VisionGraphs() = default;

bool VisionGraphs::usable(const at::Tensor& pixelValues) {
    return pixelValues.is_cuda() && !at::GradMode::is_enabled() && !std::getenv("KOSMOS_NO_CUDA_GRAPHS");
}

at::Tensor VisionGraphs::run(const std::function<at::Tensor(const at::Tensor&)>& compute,
                             const at::Tensor& pixelValues) {
    std::vector<std::int64_t> key(pixelValues.sizes().begin(), pixelValues.sizes().end());
    key.push_back(static_cast<std::int64_t>(pixelValues.scalar_type()));
    key.push_back(pixelValues.device().index());
    auto found = mEntries.find(key);
    if (found != mEntries.end()) {
        Entry& e = *found->second;
        e.input.copy_(pixelValues);
        e.graph.replay();
        return e.output.clone();
    }
    if (mEntries.size() >= kMaxShapes) mEntries.clear();
    auto entry = std::make_unique<Entry>();
    entry->input = pixelValues.contiguous().clone();
    // As in the decode graph: one eager pass on a side stream (warms up cuDNN and cuBLAS), then the capture.
    at::Tensor out;
    auto stream = c10::cuda::getStreamFromPool();
    auto main = c10::cuda::getCurrentCUDAStream();
    at::cuda::CUDAEvent ready;
    ready.record(main);
    ready.block(stream);
    {
        c10::cuda::CUDAStreamGuard guard(stream);
        out = compute(entry->input).clone();
        entry->graph.capture_begin();
        entry->output = compute(entry->input);
        entry->graph.capture_end();
    }
    at::cuda::CUDAEvent done;
    done.record(stream);
    done.block(main);
    mEntries.emplace(std::move(key), std::move(entry));
    return out;
}

#else

struct VisionGraphs::Entry {};
VisionGraphs::VisionGraphs() = default;
VisionGraphs::~VisionGraphs() = default;
bool VisionGraphs::usable(const at::Tensor&) { return false; }
at::Tensor VisionGraphs::run(const std::function<at::Tensor(const at::Tensor&)>& compute, const at::Tensor& pixels) {
    return compute(pixels);
}

#endif

} // namespace kosmos
