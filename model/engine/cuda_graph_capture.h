#pragma once
// The one way this engine records a CUDA graph (decode step, vision tower).
#include <ATen/ATen.h>

#include <functional>

namespace kosmos {

// Whether work on `device` may be recorded as CUDA graphs: a CUDA device, KOSMOS_NO_CUDA_GRAPHS unset and no
// recording failed in this process.
bool cudaGraphsEnabled(const at::Device& device);

} // namespace kosmos

#ifdef KOSMOS_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>

namespace kosmos {

// Runs `step` once eagerly on a side stream (warming up cuDNN, cuBLAS and the allocator), then records a second
// run into `graph`, whose output buffer goes to `graphOutput` (rewritten by every replay). Returns a copy of the
// eager run's result. The current stream waits for both.
// Where recording fails (an operation that cannot be recorded, a launch refused during capture) the capture
// is ended and dropped, `graphOutput` is left undefined, the reason printed once to stderr and
// cudaGraphsEnabled() false from then on: the eager result stands and the caller goes on without the graph.
// A recorded run does not execute, so the eager run's effects happened exactly once either way.
at::Tensor warmUpAndCapture(at::cuda::CUDAGraph& graph, const std::function<at::Tensor()>& step,
                            at::Tensor& graphOutput);

} // namespace kosmos
#endif
