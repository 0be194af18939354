#include "model/engine/trace_recorder.h"

#include <set>

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

} // namespace

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
        throw Error(std::string("cannot start the profiler (this LibTorch may lack Kineto): ") + e.what());
    }
    mRunning = true;
}

void TraceRecorder::save(const std::string& path) {
    if (!mRunning) throw Error("the profiler is not running");
    mRunning = false;
    auto result = torch::autograd::profiler::disableProfiler();
    if (!result) throw Error("the profiler returned no trace");
    try {
        result->save(path);
    } catch (const std::exception& e) {
        throw Error(path + ": cannot write the trace: " + e.what());
    }
}

} // namespace kosmos
