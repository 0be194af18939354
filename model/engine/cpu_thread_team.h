#pragma once
// The threads that splitAcrossThreads (cpu_parallel.h) runs its chunks on: kept for the process's life and
// busy-waiting a short while after each split, so the next one, a few microseconds later in a decode step,
// starts without waking a sleeping thread.
#include <cstdint>
#include <functional>

namespace kosmos {

// Runs f(begin, end) over [0, n) in chunks of `grain` items (the last may be shorter) on the caller and
// `helpers` team threads, each claiming the next chunk as it finishes one, and returns when every chunk has run;
// the first exception is rethrown then. Returns false, running nothing, when another thread's split holds the
// team (the caller then runs the work itself).
bool runOnThreadTeam(std::int64_t n, std::int64_t grain, int helpers,
                     const std::function<void(std::int64_t, std::int64_t)>& f);

// Asks a waiting team thread to bring [begin, begin + bytes) into the caches until the next split begins, while
// the caller works alone (a decode step's norms and attention between two weight products). A hint: any
// address may be given, and nothing happens where no team thread waits.
void readAheadOnThreadTeam(const void* begin, std::int64_t bytes);

} // namespace kosmos
