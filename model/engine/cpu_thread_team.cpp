#include "model/engine/cpu_thread_team.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kosmos {
namespace {

using Clock = std::chrono::steady_clock;

// How long a team thread busy-waits for the next split before it sleeps: a decode step's splits come a few to a
// few hundred microseconds apart, and waking a sleeping thread took 64 us on average on the project's 2-core CI
// machine (120 splits a step). Not where the team and the caller outnumber the cores: a waiting thread would
// take a core from one with work.
constexpr std::chrono::microseconds kSpin{300};

// A read-ahead checks for the next split every this many bytes.
constexpr std::int64_t kAheadStep = 4096;

inline void pause() {
#if defined(__x86_64__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

// Busy-waits until done() (true) or until `budget` has passed (false).
template <typename Done>
bool spinUntil(Done&& done, Clock::duration budget) {
    const Clock::time_point until = Clock::now() + budget;
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (done()) return true;
            pause();
        }
        if (Clock::now() >= until) return done();
    }
}

// A split's claim state in one word, so a thread claims a chunk of the split it saw or none:
// generation (22 bits) | chunks (21 bits) | next chunk (21 bits).
constexpr int kIndexBits = 21;
constexpr std::uint64_t kIndexMask = (std::uint64_t{1} << kIndexBits) - 1;
constexpr std::uint32_t kGenerationMask = (std::uint32_t{1} << (64 - 2 * kIndexBits)) - 1;
constexpr std::int64_t kMaxChunks = std::int64_t{1} << 20;

std::uint32_t generationOf(std::uint64_t ticket) { return static_cast<std::uint32_t>(ticket >> (2 * kIndexBits)); }
std::int64_t chunksOf(std::uint64_t ticket) { return static_cast<std::int64_t>((ticket >> kIndexBits) & kIndexMask); }
std::int64_t nextOf(std::uint64_t ticket) { return static_cast<std::int64_t>(ticket & kIndexMask); }

class ThreadTeam {
public:
    bool run(std::int64_t n, std::int64_t grain, int helpers, const std::function<void(std::int64_t, std::int64_t)>& f) {
        std::unique_lock<std::mutex> call(callMutex_, std::try_to_lock);
        if (!call.owns_lock()) return false;
        if (static_cast<int>(threads_.size()) != helpers) resize(helpers);
        grain = std::max(grain, (n + kMaxChunks - 1) / kMaxChunks);
        const std::int64_t chunks = (n + grain - 1) / grain;
        f_ = &f;
        n_ = n;
        grain_ = grain;
        failure_ = nullptr;
        done_.store(0, std::memory_order_relaxed);
        const std::uint32_t generation = (generationOf(ticket_.load(std::memory_order_relaxed)) + 1) & kGenerationMask;
        ticket_.store((std::uint64_t{generation} << (2 * kIndexBits)) | (static_cast<std::uint64_t>(chunks) << kIndexBits),
                      std::memory_order_release);
        {
            std::lock_guard<std::mutex> lock(sleepMutex_);
            if (sleepers_ > 0) wake_.notify_all();
        }
        runChunks(generation);
        // The chunks still running are one each at most in the other threads.
        const auto allDone = [&] { return done_.load(std::memory_order_acquire) == chunks; };
        while (!spinUntil(allDone, std::chrono::microseconds(50))) std::this_thread::yield();
        if (failure_) std::rethrow_exception(failure_);
        return true;
    }

    void requestReadAhead(const void* begin, std::int64_t bytes) {
        if (!readAheadWaits_.load(std::memory_order_relaxed)) return;
        std::lock_guard<std::mutex> lock(aheadMutex_);
        ahead_ = {static_cast<const char*>(begin), bytes, generationOf(ticket_.load(std::memory_order_acquire))};
        aheadPending_.store(true, std::memory_order_relaxed);
    }

private:
    // Claims and runs chunks of split `generation` until none is left (or a newer split has begun).
    void runChunks(std::uint32_t generation) {
        std::uint64_t ticket = ticket_.load(std::memory_order_acquire);
        for (;;) {
            if (generationOf(ticket) != generation || nextOf(ticket) >= chunksOf(ticket)) return;
            if (!ticket_.compare_exchange_weak(ticket, ticket + 1, std::memory_order_acq_rel, std::memory_order_acquire))
                continue;
            // The chunk is ours: its split's caller waits for it, so the job below is that split's.
            const std::int64_t begin = nextOf(ticket) * grain_;
            try {
                (*f_)(begin, std::min(n_, begin + grain_));
            } catch (...) {
                std::lock_guard<std::mutex> lock(failureMutex_);
                if (!failure_) failure_ = std::current_exception();
            }
            done_.fetch_add(1, std::memory_order_release);
            ticket = ticket_.load(std::memory_order_acquire);
        }
    }

    // `seen`: the last split published before the thread was started (it may start after the next one is).
    void work(std::uint32_t seen) {
        for (;;) {
            const auto fresh = [&] {
                return stop_.load(std::memory_order_acquire) ||
                       generationOf(ticket_.load(std::memory_order_acquire)) != seen;
            };
            const auto ready = [&] { return fresh() || aheadPending_.load(std::memory_order_relaxed); };
            if (!spinUntil(ready, spin_)) {
                std::unique_lock<std::mutex> lock(sleepMutex_);
                ++sleepers_;
                wake_.wait(lock, fresh);
                --sleepers_;
            }
            if (stop_.load(std::memory_order_acquire)) return;
            if (!fresh()) {
                readAhead(seen);
                continue;
            }
            seen = generationOf(ticket_.load(std::memory_order_acquire));
            runChunks(seen);
        }
    }

    // Brings the requested bytes into the caches, line by line, until the next split begins.
    void readAhead(std::uint32_t seen) {
        ReadAhead request;
        {
            std::unique_lock<std::mutex> lock(aheadMutex_, std::try_to_lock);
            if (!lock.owns_lock() || !aheadPending_.load(std::memory_order_relaxed)) return;
            request = ahead_;
            aheadPending_.store(false, std::memory_order_relaxed);
        }
        if (request.after != seen) return;
#if defined(__x86_64__)
        for (std::int64_t at = 0; at < request.bytes; at += kAheadStep) {
            if (generationOf(ticket_.load(std::memory_order_relaxed)) != seen || stop_.load(std::memory_order_relaxed))
                return;
            const std::int64_t end = std::min(request.bytes, at + kAheadStep);
            // Prefetches, not loads: the bytes may belong to weights freed since (a hint never faults).
            for (std::int64_t line = at; line < end; line += 64) _mm_prefetch(request.begin + line, _MM_HINT_T0);
        }
#endif
    }

    void resize(int helpers) {
        {
            std::lock_guard<std::mutex> lock(sleepMutex_);
            stop_.store(true, std::memory_order_release);
            wake_.notify_all();
        }
        for (std::thread& t : threads_) t.join();
        threads_.clear();
        stop_.store(false, std::memory_order_release);
        const unsigned cores = std::thread::hardware_concurrency();
        spin_ = cores == 0 || static_cast<unsigned>(helpers) + 1 <= cores ? kSpin : Clock::duration::zero();
#if defined(__x86_64__)
        readAheadWaits_.store(helpers > 0 && spin_ > Clock::duration::zero(), std::memory_order_relaxed);
#endif
        const std::uint32_t seen = generationOf(ticket_.load(std::memory_order_relaxed));
        for (int i = 0; i < helpers; ++i) threads_.emplace_back([this, seen] { work(seen); });
    }

    std::mutex callMutex_;   // one split at a time
    std::vector<std::thread> threads_;
    std::atomic<std::uint64_t> ticket_{0};
    std::atomic<std::int64_t> done_{0};
    std::atomic<bool> stop_{false};
    Clock::duration spin_{};
    std::mutex sleepMutex_;
    std::condition_variable wake_;
    int sleepers_ = 0;
    // The current split, written before its ticket is published.
    const std::function<void(std::int64_t, std::int64_t)>* f_ = nullptr;
    std::int64_t n_ = 0, grain_ = 1;
    std::mutex failureMutex_;
    std::exception_ptr failure_;
    // The read-ahead asked for after split `after`, taken by one waiting thread.
    struct ReadAhead {
        const char* begin = nullptr;
        std::int64_t bytes = 0;
        std::uint32_t after = 0;
    };
    std::mutex aheadMutex_;
    ReadAhead ahead_;
    std::atomic<bool> aheadPending_{false};
    std::atomic<bool> readAheadWaits_{false};   // team threads that busy-wait, so may read ahead
};

ThreadTeam& team() {
    // Never destroyed: its threads may be waiting when static destructors run.
    static ThreadTeam* team = new ThreadTeam;
    return *team;
}

} // namespace

bool runOnThreadTeam(std::int64_t n, std::int64_t grain, int helpers,
                     const std::function<void(std::int64_t, std::int64_t)>& f) {
    return team().run(n, grain, helpers, f);
}

void readAheadOnThreadTeam(const void* begin, std::int64_t bytes) { team().requestReadAhead(begin, bytes); }

} // namespace kosmos
