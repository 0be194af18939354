#pragma once
// Splitting CPU work across LibTorch's intra-op threads from code built without OpenMP, and which vector
// instructions the CPU runs.
#include <cstdint>
#include <functional>

namespace kosmos {

// f(begin, end) over [0, n), in at most at::get_num_threads() parts of at least `grain` items: the caller runs
// the first part, LibTorch's inter-op pool the others; the first exception is rethrown after all parts end.
// (at::parallel_for would run serially here: with an OpenMP LibTorch its loop is an inline `omp parallel`,
// which does nothing in code compiled without -fopenmp, as this project's is.)
void splitAcrossThreads(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& f);

// True when the CPU runs AVX2 and FMA (the hand-written kernels' fast path; others use plain loops).
bool cpuHasAvx2Fma();

} // namespace kosmos
