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

    // Starts and saves an empty trace next to `path` (then removes it): throws, before any run is spent, where
    // this LibTorch cannot write traces (built without Kineto, as Debian's is) or the folder takes no file.
    static void checkCanSave(bool cuda, const std::string& path);

    void start();
    void save(const std::string& path);   // stops recording and writes the trace

private:
    void saveAs(const std::string& path, const std::string& shownAs);   // errors name `shownAs`

    bool mCuda;
    bool mRunning = false;
};

} // namespace kosmos
