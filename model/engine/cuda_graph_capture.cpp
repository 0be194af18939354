#include "model/engine/cuda_graph_capture.h"

#include <atomic>
#include <cstdlib>

namespace kosmos {
namespace {

// Set by a recording that failed: from then on this process records no graph (see warmUpAndCapture).
std::atomic<bool> gRecordingFailed{false};

} // namespace

bool cudaGraphsEnabled(const at::Device& device) {
    return device.is_cuda() && !std::getenv("KOSMOS_NO_CUDA_GRAPHS") && !gRecordingFailed.load();
}

} // namespace kosmos

#ifdef KOSMOS_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#include <torch/version.h>

#include <exception>
#include <iostream>
#include <string>

namespace kosmos {
namespace {

// After capture_end() (which ends the capture, or throws before it where the stream is not the capture's).
void endCaptureIfOpen(cudaStream_t stream) {
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing(stream, &status) == cudaSuccess && status != cudaStreamCaptureStatusNone) {
        cudaGraph_t partial = nullptr;
        if (cudaStreamEndCapture(stream, &partial) == cudaSuccess && partial) cudaGraphDestroy(partial);
    }
    (void)cudaGetLastError();   // a launch refused during capture is not a lasting error of the device
}

void reportOnce(const std::string& reason) {
    static std::atomic<bool> reported{false};
    if (reported.exchange(true)) return;
    // LibTorch's messages go on with a backtrace after their first line.
    std::cerr << "kosmos2: CUDA graph recording failed; this process now runs every step launch by launch: "
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
        // Calls on other threads (a training run on the same GPU) may not invalidate this recording.
#if TORCH_VERSION_MAJOR >= 2
        graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
#else
        graph.capture_begin();
#endif
        std::string failure;
        try {
            graphOutput = step();
        } catch (const std::exception& e) {
            failure = e.what();
        }
        bool ended = false;
        try {
            graph.capture_end();   // called once whatever happened: it also ends the allocator's recording pool
            ended = true;
        } catch (const std::exception& e) {
            if (failure.empty()) failure = e.what();
        }
        if (!ended || !failure.empty()) {
            // An invalidated capture makes LibTorch's capture_end() throw before it hands the allocator back
            // its recording pool; that pool stays reserved, and no later recording may use the allocator
            // alongside it: graphs are off for the rest of the process, which goes on eagerly.
            endCaptureIfOpen(stream.stream());
            graph.reset();
            graphOutput = at::Tensor();
            gRecordingFailed.store(true);
            reportOnce(failure);
        }
    }
    at::cuda::CUDAEvent done;
    done.record(stream);
    done.block(main);
    return out;
}

} // namespace kosmos
#endif
