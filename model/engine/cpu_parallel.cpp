#include "model/engine/cpu_parallel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

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

// The same split on LibTorch's inter-op pool: a task queue with a mutex, each part woken through the kernel.
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

// Workers that wait for the next split spinning for a short while before they sleep: a decode step hands out
// some 170 splits a few hundred microseconds apart, and waking a sleeping thread through the kernel costs tens
// of microseconds each time. One split at a time; a split asked for by another thread while one runs goes to
// the inter-op pool instead.
class SpinningPool {
public:
    static SpinningPool& instance() {
        static SpinningPool* pool = new SpinningPool;   // never destroyed: its threads may outlive static objects
        return *pool;
    }

    bool trySplit(std::int64_t n, std::int64_t parts, const std::function<void(std::int64_t, std::int64_t)>& f) {
        bool idle = false;
        if (!mBusy.compare_exchange_strong(idle, true, std::memory_order_acquire)) return false;
        struct Release {
            std::atomic<bool>& busy;
            ~Release() { busy.store(false, std::memory_order_release); }
        } release{mBusy};
        // A new worker starts from the generation before this split's, so it takes this split too.
        while (static_cast<std::int64_t>(mWorkers) < parts - 1) {
            std::thread(&SpinningPool::work, this, static_cast<std::int64_t>(mWorkers) + 1,
                        mGeneration.load(std::memory_order_relaxed))
                .detach();
            ++mWorkers;
        }
        mJob = &f;
        mN = n;
        mParts = parts;
        mChunk = (n + parts - 1) / parts;
        mFailure = nullptr;
        mPending.store(mWorkers, std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lock(mSleep);
            mGeneration.fetch_add(1, std::memory_order_release);
        }
        mWake.notify_all();
        std::exception_ptr own;
        try {
            runPart(f, 0, std::min(n, mChunk));
        } catch (...) {
            own = std::current_exception();
        }
        while (mPending.load(std::memory_order_acquire) != 0) pause();
        if (own) std::rethrow_exception(own);
        if (mFailure) std::rethrow_exception(mFailure);
        return true;
    }

private:
    static void pause() {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
    }

    void work(std::int64_t index, std::uint64_t seen) {
        for (;;) {
            const auto spinUntil = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
            while (mGeneration.load(std::memory_order_acquire) == seen) {
                if (std::chrono::steady_clock::now() < spinUntil) {
                    pause();
                    continue;
                }
                std::unique_lock<std::mutex> lock(mSleep);
                mWake.wait(lock, [&] { return mGeneration.load(std::memory_order_acquire) != seen; });
            }
            seen = mGeneration.load(std::memory_order_acquire);
            if (index < mParts) {
                try {
                    runPart(*mJob, index * mChunk, std::min(mN, (index + 1) * mChunk));
                } catch (...) {
                    std::lock_guard<std::mutex> lock(mSleep);
                    if (!mFailure) mFailure = std::current_exception();
                }
            }
            mPending.fetch_sub(1, std::memory_order_release);
        }
    }

    std::atomic<bool> mBusy{false};   // set by the thread whose split runs
    std::size_t mWorkers = 0;
    const std::function<void(std::int64_t, std::int64_t)>* mJob = nullptr;
    std::int64_t mN = 0, mParts = 0, mChunk = 0;
    std::exception_ptr mFailure;
    std::atomic<std::uint64_t> mGeneration{0};
    std::atomic<std::size_t> mPending{0};
    std::mutex mSleep;
    std::condition_variable mWake;
};

} // namespace

void splitAcrossThreads(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& f) {
    const std::int64_t parts =
        std::max<std::int64_t>(1, std::min<std::int64_t>(at::get_num_threads(), n / std::max<std::int64_t>(grain, 1)));
    if (parts == 1 || tInsidePart) {
        f(0, n);
        return;
    }
    if (!SpinningPool::instance().trySplit(n, parts, f)) splitOnInterOpPool(n, parts, f);
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
