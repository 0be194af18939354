#include "model/engine/cuda_graph_capture.h"

#include <cstdlib>

namespace kosmos {

bool cudaGraphsEnabled(const at::Device& device) { return device.is_cuda() && !std::getenv("KOSMOS_NO_CUDA_GRAPHS"); }

} // namespace kosmos

#ifdef KOSMOS_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include <atomic>
#include <exception>
#include <iostream>
#include <string>

namespace kosmos {
namespace {

// Leaves `stream` out of capture mode after a failed recording: capture_end() ends the capture even where it
// then throws (an invalidated capture); should it throw before that, the capture is ended here.
void abandonCapture(at::cuda::CUDAGraph& graph, cudaStream_t stream) {
    try {
        graph.capture_end();
    } catch (const std::exception&) {
    }
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing(stream, &status) == cudaSuccess && status != cudaStreamCaptureStatusNone) {
        cudaGraph_t partial = nullptr;
        if (cudaStreamEndCapture(stream, &partial) == cudaSuccess && partial) cudaGraphDestroy(partial);
    }
    (void)cudaGetLastError();   // a refused launch during capture is not a lasting error of the device
    graph.reset();
}

void reportOnce(const std::string& reason) {
    static std::atomic<bool> reported{false};
    if (reported.exchange(true)) return;
    // LibTorch's messages go on with a backtrace after their first line.
    std::cerr << "kosmos2: CUDA graph recording failed, running those steps launch by launch: "
              << reason.substr(0, reason.find('\n')) << "\n";
}

} // namespace

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
        try {
            graphOutput = step();
            graph.capture_end();
        } catch (const std::exception& e) {
            abandonCapture(graph, stream.stream());
            graphOutput = at::Tensor();
            reportOnce(e.what());
        }
    }
    at::cuda::CUDAEvent done;
    done.record(stream);
    done.block(main);
    return out;
}

} // namespace kosmos
#endif
