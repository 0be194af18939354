#include "model/engine/trace_recorder.h"

#include <cstdio>
#include <set>

#include <c10/util/Exception.h>

#include <torch/csrc/autograd/profiler_kineto.h>

#include "model/error.h"

namespace kosmos {
namespace {

namespace impl = torch::profiler::impl;

std::set<impl::ActivityType> activities(bool cuda) {
    std::set<impl::ActivityType> set{impl::ActivityType::CPU};
    if (cuda) set.insert(impl::ActivityType::CUDA);
    return set;
}

// LibTorch's own errors carry a backtrace of its frames, which says nothing to the user.
std::string messageOf(const std::exception& e) {
    if (const auto* c10Error = dynamic_cast<const c10::Error*>(&e)) return c10Error->what_without_backtrace();
    return e.what();
}

} // namespace

void TraceRecorder::checkCanSave(bool cuda, const std::string& path) {
    const std::string probePath = path + ".probe";
    TraceRecorder probe(cuda);
    probe.start();
    try {
        probe.saveAs(probePath, path);
    } catch (const Error&) {
        std::remove(probePath.c_str());
        throw;
    }
    std::remove(probePath.c_str());
}

TraceRecorder::TraceRecorder(bool cuda) : mCuda(cuda) {}

TraceRecorder::~TraceRecorder() {
    if (!mRunning) return;
    try {
        torch::autograd::profiler::disableProfiler();
    } catch (...) {   // nothing left to report to
    }
}

void TraceRecorder::start() {
    const impl::ProfilerConfig config(impl::ProfilerState::KINETO);
    try {
        torch::autograd::profiler::prepareProfiler(config, activities(mCuda));
        torch::autograd::profiler::enableProfiler(config, activities(mCuda));
    } catch (const std::exception& e) {
        throw Error("cannot start the profiler (this LibTorch may lack Kineto): " + messageOf(e));
    }
    mRunning = true;
}

void TraceRecorder::save(const std::string& path) { saveAs(path, path); }

void TraceRecorder::saveAs(const std::string& path, const std::string& shownAs) {
    if (!mRunning) throw Error("the profiler is not running");
    mRunning = false;
    auto result = torch::autograd::profiler::disableProfiler();
    if (!result) throw Error("the profiler returned no trace");
    try {
        result->save(path);
    } catch (const std::exception& e) {
        const std::string message = messageOf(e);
        const bool noKineto = message.find("Kineto") != std::string::npos;
        throw Error(shownAs + ": cannot write the trace: " + message +
                    (noKineto ? " (this LibTorch was built without it; --profile needs one with it, such as pip's torch)"
                              : ""));
    }
}

} // namespace kosmos
