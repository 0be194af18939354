#include "model/engine/cpu_parallel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>

namespace kosmos {

namespace {

// Set while a thread runs a part: a split asked for inside one runs there, whole (the threads are taken, and
// a part waiting for parts queued behind it on the same pool would wait forever).
thread_local bool tInsidePart = false;

void runPart(const std::function<void(std::int64_t, std::int64_t)>& f, std::int64_t begin, std::int64_t end) {
    const bool outer = tInsidePart;
    tInsidePart = true;
    struct Restore {
        bool value;
        ~Restore() { tInsidePart = value; }
    } restore{outer};
    f(begin, end);
}

// The caller runs the first part, LibTorch's inter-op pool the others.
void splitOnInterOpPool(std::int64_t n, std::int64_t parts, const std::function<void(std::int64_t, std::int64_t)>& f) {
    const std::int64_t chunk = (n + parts - 1) / parts;
    std::mutex mutex;
    std::condition_variable finished;
    std::int64_t pending = parts - 1;
    std::exception_ptr failure;
    for (std::int64_t p = 1; p < parts; ++p) {
        at::launch([&, p] {
            std::exception_ptr error;
            try {
                runPart(f, p * chunk, std::min(n, (p + 1) * chunk));
            } catch (...) {
                error = std::current_exception();
            }
            std::lock_guard<std::mutex> lock(mutex);
            if (error && !failure) failure = error;
            if (--pending == 0) finished.notify_one();
        });
    }
    std::exception_ptr own;
    try {
        runPart(f, 0, std::min(n, chunk));
    } catch (...) {
        own = std::current_exception();
    }
    std::unique_lock<std::mutex> lock(mutex);
    finished.wait(lock, [&] { return pending == 0; });
    if (own) std::rethrow_exception(own);
    if (failure) std::rethrow_exception(failure);
}

} // namespace

void splitAcrossThreads(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& f) {
    const std::int64_t parts =
        std::max<std::int64_t>(1, std::min<std::int64_t>(at::get_num_threads(), n / std::max<std::int64_t>(grain, 1)));
    if (parts == 1 || tInsidePart) {
        f(0, n);
        return;
    }
    splitOnInterOpPool(n, parts, f);
}

bool cpuHasAvx2Fma() {
#if KOSMOS_CPU_AVX2
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
#else
    return false;
#endif
}

} // namespace kosmos
