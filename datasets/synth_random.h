#pragma once
// Random numbers that are the same on every standard library: std::mt19937_64 is specified bit for bit,
// the std::uniform_*_distribution adaptors are not, so the mappings to ranges live here.
#include <cstdint>
#include <limits>
#include <random>

namespace kosmos::synth {

class SynthRandom {
public:
    explicit SynthRandom(std::uint64_t seed) : mEngine(seed) {}

    // A well-spread seed for stream `index` of a run seeded with `seed` (splitmix64 finaliser).
    static std::uint64_t streamSeed(std::uint64_t seed, std::uint64_t index) {
        std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + index + 0x632BE59BD9B4E019ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    std::uint64_t next() { return mEngine(); }

    // Uniform integer in [lo, hi], exactly (rejection of the incomplete last block).
    int uniformInt(int lo, int hi) {
        if (hi <= lo) return lo;
        const std::uint64_t range = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo) + 1;
        const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                    std::numeric_limits<std::uint64_t>::max() % range;
        std::uint64_t value = mEngine();
        while (value >= limit) value = mEngine();
        return static_cast<int>(lo + static_cast<std::int64_t>(value % range));
    }

    // Uniform double in [lo, hi): 53 random bits.
    double uniformReal(double lo, double hi) {
        const double unit = static_cast<double>(mEngine() >> 11) * (1.0 / 9007199254740992.0);
        return lo + (hi - lo) * unit;
    }

    bool chance(double probability) { return uniformReal(0.0, 1.0) < probability; }

private:
    std::mt19937_64 mEngine;
};

} // namespace kosmos::synth
