#pragma once
// Splitting CPU work across as many threads as LibTorch's intra-op setting (the project's own team) from code
// built without OpenMP, which vector instructions the CPU runs, and the AVX2 helpers the kernels share.
#include <cstdint>
#include <functional>

// KOSMOS_CPU_AVX2: whether the hand-written AVX2 kernels are compiled (x86-64); cpuHasAvx2Fma() says whether
// they may run.
#if defined(__x86_64__)
#include <immintrin.h>
#define KOSMOS_CPU_AVX2 1
#else
#define KOSMOS_CPU_AVX2 0
#endif

namespace kosmos {

// f(begin, end) over [0, n), in chunks of `grain` items run by the caller and at::get_num_threads() - 1 threads
// of the project's own team (cpu_thread_team.h), each claiming the next chunk as it finishes one; the first
// exception is rethrown after every chunk ran. A split asked for inside a chunk, or while another thread's split
// holds the team, runs whole in the calling thread.
// (at::parallel_for would run serially here: with an OpenMP LibTorch its loop is an inline `omp parallel`,
// which does nothing in code compiled without -fopenmp, as this project's is.)
void splitAcrossThreads(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& f);

// True when the CPU runs AVX2 and FMA (the hand-written kernels' fast path; others use plain loops).
bool cpuHasAvx2Fma();

#if KOSMOS_CPU_AVX2
// The sum of a vector's eight floats.
__attribute__((target("avx2,fma"))) inline float horizontalSum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// e^x for x <= 0 (Cephes' expf: x = n ln 2 + r, a degree-6 polynomial in r, 2^n put into the exponent); NaN
// stays NaN.
__attribute__((target("avx2,fma"))) inline __m256 expNonPositive(__m256 x) {
    // e^-87.3 is about the smallest normal float. max_ps returns its second operand where one is NaN.
    x = _mm256_max_ps(_mm256_set1_ps(-87.3f), x);
    const __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(exponent));
}
#endif

} // namespace kosmos
