#include "model/engine/cpu_parallel.h"

#include <ATen/Parallel.h>

#include <algorithm>

#include "model/engine/cpu_thread_team.h"

namespace kosmos {

namespace {

// Set while a thread runs a part: a split asked for inside one runs there, whole (the team is taken by the
// split that part belongs to).
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

} // namespace

void splitAcrossThreads(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& f) {
    grain = std::max<std::int64_t>(grain, 1);
    const int threads = at::get_num_threads();
    if (threads <= 1 || n <= grain || tInsidePart) {
        f(0, n);
        return;
    }
    const std::function<void(std::int64_t, std::int64_t)> part = [&](std::int64_t begin, std::int64_t end) {
        runPart(f, begin, end);
    };
    if (!runOnThreadTeam(n, grain, threads - 1, part)) f(0, n);
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
