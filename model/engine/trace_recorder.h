#pragma once
// A Chrome trace (chrome://tracing, Perfetto) of the operators and, on CUDA, the GPU kernels run between
// start() and save(): what `kosmos2 bench --profile FILE` writes for one extra, untimed run.
#include <string>

namespace kosmos {

class TraceRecorder {
public:
    explicit TraceRecorder(bool cuda);
    ~TraceRecorder();
    TraceRecorder(const TraceRecorder&) = delete;
    TraceRecorder& operator=(const TraceRecorder&) = delete;

    void start();
    void save(const std::string& path);   // stops recording and writes the trace

private:
    bool mCuda;
    bool mRunning = false;
};

} // namespace kosmos
