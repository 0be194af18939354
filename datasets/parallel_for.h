#pragma once
// Runs body(i) for i in [0, count) on up to `threads` threads; the first exception is rethrown after all
// threads have stopped. Work is handed out one index at a time, so results must be stored by index.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace kosmos::synth {

template <typename Body>
void parallelFor(std::uint64_t count, int threads, const Body& body) {
    std::atomic<std::uint64_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr firstError;
    std::mutex errorMutex;
    auto worker = [&] {
        for (std::uint64_t i = next++; i < count && !failed; i = next++) {
            try {
                body(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(errorMutex);
                if (!firstError) firstError = std::current_exception();
                failed = true;
            }
        }
    };
    const std::uint64_t wanted = std::min<std::uint64_t>(static_cast<std::uint64_t>(std::max(threads, 1)), count);
    std::vector<std::thread> pool;
    for (std::uint64_t t = 1; t < wanted; ++t) pool.emplace_back(worker);
    worker();
    for (std::thread& thread : pool) thread.join();
    if (firstError) std::rethrow_exception(firstError);
}

} // namespace kosmos::synth
