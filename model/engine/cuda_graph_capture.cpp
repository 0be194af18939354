#include "model/engine/cuda_graph_capture.h"

#include <cstdlib>

namespace kosmos {

bool cudaGraphsEnabled(const at::Device& device) { return device.is_cuda() && !std::getenv("KOSMOS_NO_CUDA_GRAPHS"); }

} // namespace kosmos

#ifdef KOSMOS_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

namespace kosmos {

at::Tensor warmUpAndCapture(at::cuda::CUDAGraph& graph, const std::function<at::Tensor()>& step,
                            at::Tensor& graphOutput) {
    at::Tensor out;
    auto stream = c10::cuda::getStreamFromPool();
    auto main = c10::cuda::getCurrentCUDAStream();
    at::cuda::CUDAEvent ready;
    ready.record(main);
    ready.block(stream);
    {
        c10::cuda::CUDAStreamGuard guard(stream);
        out = step().clone();
        graph.capture_begin();
        graphOutput = step();
        graph.capture_end();
    }
    at::cuda::CUDAEvent done;
    done.record(stream);
    done.block(main);
    return out;
}

} // namespace kosmos
#endif
