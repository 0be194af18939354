// The engine's CUDA kernels (model/engine/cuda/fused_kernels.cu, row_product.cu) against a double-precision
// reference on the host, then timed as CUDA graphs of 100 launches at the decode step's shapes. No LibTorch needed:
//   nvcc -std=c++17 -O3 -arch=sm_90 -I. bench/gpu_check/kernel_check.cu -o kernel_check && ./kernel_check
// Exit status 1 when a kernel's output is off (the tolerance is stated below).
#include "model/engine/cuda/fused_kernels.cu"
#include "model/engine/cuda/row_product.cu"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

using namespace kosmos::cuda;

namespace kernel_check {

#define CHECK(call)                                                                                 \
    do {                                                                                            \
        cudaError_t status_ = (call);                                                               \
        if (status_ != cudaSuccess) {                                                               \
            std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(status_), __FILE__, __LINE__); \
            std::exit(2);                                                                           \
        }                                                                                           \
    } while (0)

// Round to bfloat16 (nearest even) and back, as __float2bfloat16_rn does.
float roundBf16(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    u += 0x7fff + ((u >> 16) & 1);
    u &= 0xffff0000u;
    std::memcpy(&f, &u, 4);
    return f;
}

std::uint16_t bitsBf16(float f) {   // f already representable
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return static_cast<std::uint16_t>(u >> 16);
}

float fromBits(std::uint16_t b) {
    std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

struct Case {
    int rows, width;
    BeforeNorm pre;
    bool bf16;
    bool misalign;   // offset the row pointer by one element: the scalar kernel
};

const char* preName(BeforeNorm p) { return p == BeforeNorm::None ? "none" : p == BeforeNorm::AddResidual ? "add" : "gelu"; }

// Returns the largest error over the output in units of the tolerance (> 1 fails).
double runNormCase(const Case& c, std::mt19937& rng) {
    const std::size_t count = static_cast<std::size_t>(c.rows) * c.width, pad = c.misalign ? 1 : 0;
    std::normal_distribution<float> normal(0.f, 1.f);
    std::vector<float> x(count), d(count), g(c.width), b(c.width);
    for (auto& v : x) v = normal(rng) * 3.f + 0.5f;
    for (auto& v : d) v = normal(rng);
    for (auto& v : g) v = 1.f + 0.3f * normal(rng);
    for (auto& v : b) v = 0.2f * normal(rng);
    auto rounded = [&](float v) { return c.bf16 ? roundBf16(v) : v; };
    for (auto* vec : {&x, &d, &g, &b})
        for (auto& v : *vec) v = rounded(v);
    const std::size_t elem = c.bf16 ? 2 : 4;
    auto upload = [&](const std::vector<float>& host, std::size_t extra) {
        void* p;
        CHECK(cudaMalloc(&p, (host.size() + extra) * elem));
        std::vector<unsigned char> bytes((host.size() + extra) * elem, 0);
        for (std::size_t i = 0; i < host.size(); ++i) {
            if (c.bf16) {
                std::uint16_t h = bitsBf16(host[i]);
                std::memcpy(&bytes[(i + extra) * elem], &h, 2);
            } else {
                std::memcpy(&bytes[(i + extra) * elem], &host[i], 4);
            }
        }
        CHECK(cudaMemcpy(p, bytes.data(), bytes.size(), cudaMemcpyHostToDevice));
        return p;
    };
    void *dx = upload(x, pad), *dd = upload(d, pad), *dg = upload(g, 0), *db = upload(b, 0);
    void *dout, *dsum;
    CHECK(cudaMalloc(&dout, (count + pad) * elem));
    CHECK(cudaMalloc(&dsum, (count + pad) * elem));
    CHECK(cudaMemset(dout, 0xff, (count + pad) * elem));   // NaN everywhere: every element must be written
    CHECK(cudaMemset(dsum, 0xff, (count + pad) * elem));
    auto at = [&](void* p) { return static_cast<char*>(p) + pad * elem; };
    const int status = layerNorm(c.bf16 ? ElementType::BFloat16 : ElementType::Float32, c.pre, at(dx), at(dd), at(dsum),
                                 dg, db, at(dout), c.rows, c.width, 1e-5f, nullptr);
    if (status != 0) {
        std::printf("launch failed: %d\n", status);
        std::exit(2);
    }
    CHECK(cudaDeviceSynchronize());
    std::vector<unsigned char> outBytes(count * elem), sumBytes(count * elem);
    CHECK(cudaMemcpy(outBytes.data(), at(dout), count * elem, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(sumBytes.data(), at(dsum), count * elem, cudaMemcpyDeviceToHost));
    auto read = [&](const std::vector<unsigned char>& bytes, std::size_t i) {
        if (c.bf16) {
            std::uint16_t h;
            std::memcpy(&h, &bytes[i * elem], 2);
            return fromBits(h);
        }
        float f;
        std::memcpy(&f, &bytes[i * elem], 4);
        return f;
    };
    double worst = 0;
    for (int r = 0; r < c.rows; ++r) {
        std::vector<double> in(c.width);
        for (int i = 0; i < c.width; ++i) {
            const std::size_t k = static_cast<std::size_t>(r) * c.width + i;
            double v = x[k];
            if (c.pre == BeforeNorm::AddResidual) {
                v = rounded(x[k] + d[k]);
                if (read(sumBytes, k) != static_cast<float>(v)) worst = std::max(worst, 1e9);   // must be exact
            } else if (c.pre == BeforeNorm::Gelu) {
                v = rounded(static_cast<float>(0.5 * x[k] * (1.0 + std::erf(x[k] / std::sqrt(2.0)))));
            }
            in[i] = v;
        }
        double mean = 0, var = 0;
        for (double v : in) mean += v;
        mean /= c.width;
        for (double v : in) var += (v - mean) * (v - mean);
        var /= c.width;
        const double rstd = 1.0 / std::sqrt(var + 1e-5);
        for (int i = 0; i < c.width; ++i) {
            const double ref = (in[i] - mean) * rstd * g[i] + b[i];
            const double got = read(outBytes, static_cast<std::size_t>(r) * c.width + i);
            // One unit in the last place of the output type, plus float32 rounding of the statistics;
            // erff against erf may round gelu's bf16 value the other way, which the norm scales: three units.
            const double ulp = c.bf16 ? std::ldexp(1.0, std::ilogb(std::max(std::fabs(ref), 1e-3)) - 7) : 1e-5;
            const double tolerance = (c.pre == BeforeNorm::Gelu ? 3 : 1) * ulp + 1e-5 * std::fabs(ref) + 1e-6;
            const double err = std::fabs(got - ref) / tolerance;
            worst = std::isnan(got) ? 1e9 : std::max(worst, err);
        }
    }
    for (void* p : {dx, dd, dg, db, dout, dsum}) CHECK(cudaFree(p));
    return worst;
}

bool checkSplit(std::mt19937& rng, bool fromDevice) {
    const int batch = 2, n = 3, heads = 4, headDim = 16, e = heads * headDim;
    const std::int64_t capacity = 10, start = 5;
    std::vector<float> qkv(static_cast<std::size_t>(batch) * n * 3 * e);
    std::uniform_real_distribution<float> uniform(-2.f, 2.f);
    for (auto& v : qkv) v = uniform(rng);
    float *dqkv, *dq, *dk, *dv;
    std::int64_t* dstart;
    CHECK(cudaMalloc(&dqkv, qkv.size() * 4));
    CHECK(cudaMalloc(&dq, static_cast<std::size_t>(batch) * n * e * 4));
    CHECK(cudaMalloc(&dk, static_cast<std::size_t>(batch) * heads * capacity * headDim * 4));
    CHECK(cudaMalloc(&dv, static_cast<std::size_t>(batch) * heads * capacity * headDim * 4));
    CHECK(cudaMalloc(&dstart, 8));
    CHECK(cudaMemcpy(dqkv, qkv.data(), qkv.size() * 4, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dstart, &start, 8, cudaMemcpyHostToDevice));
    CHECK(cudaMemset(dk, 0, static_cast<std::size_t>(batch) * heads * capacity * headDim * 4));
    CHECK(cudaMemset(dv, 0, static_cast<std::size_t>(batch) * heads * capacity * headDim * 4));
    const float scale = 0.25f;
    if (splitQkvIntoCache(ElementType::Float32, dqkv, dq, dk, dv, batch, n, heads, headDim, capacity,
                          fromDevice ? dstart : nullptr, fromDevice ? 0 : start, scale, nullptr) != 0)
        return false;
    std::vector<float> q(static_cast<std::size_t>(batch) * n * e), k(static_cast<std::size_t>(batch) * heads * capacity * headDim),
        v(k.size());
    CHECK(cudaMemcpy(q.data(), dq, q.size() * 4, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(k.data(), dk, k.size() * 4, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(v.data(), dv, v.size() * 4, cudaMemcpyDeviceToHost));
    bool ok = true;
    for (int bb = 0; bb < batch; ++bb)
        for (int t = 0; t < n; ++t)
            for (int h = 0; h < heads; ++h)
                for (int dd = 0; dd < headDim; ++dd) {
                    const float* row = &qkv[(static_cast<std::size_t>(bb) * n + t) * 3 * e];
                    const int col = h * headDim + dd;
                    ok &= q[((bb * heads + h) * n + t) * headDim + dd] == row[col] * scale;
                    const std::size_t slot = ((bb * heads + h) * capacity + start + t) * headDim + dd;
                    ok &= k[slot] == row[e + col] && v[slot] == row[2 * e + col];
                }
    for (void* p : {static_cast<void*>(dqkv), static_cast<void*>(dq), static_cast<void*>(dk), static_cast<void*>(dv),
                    static_cast<void*>(dstart)})
        CHECK(cudaFree(p));
    return ok;
}

__global__ void emptyKernel() {}

// Microseconds per launch of `launch`, replayed as a graph of 100 launches (median of 20 replays).
template <typename F> double perLaunch(F launch) {
    cudaStream_t stream;
    CHECK(cudaStreamCreate(&stream));
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
    for (int i = 0; i < 100; ++i) launch(stream);
    CHECK(cudaStreamEndCapture(stream, &graph));
    CHECK(cudaGraphInstantiate(&exec, graph, 0));
    cudaEvent_t a, b;
    CHECK(cudaEventCreate(&a));
    CHECK(cudaEventCreate(&b));
    std::vector<float> times;
    for (int rep = 0; rep < 23; ++rep) {
        CHECK(cudaEventRecord(a, stream));
        CHECK(cudaGraphLaunch(exec, stream));
        CHECK(cudaEventRecord(b, stream));
        CHECK(cudaEventSynchronize(b));
        float ms;
        CHECK(cudaEventElapsedTime(&ms, a, b));
        if (rep >= 3) times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    CHECK(cudaGraphExecDestroy(exec));
    CHECK(cudaGraphDestroy(graph));
    CHECK(cudaStreamDestroy(stream));
    return times[times.size() / 2] * 1000.0 / 100.0;
}

} // namespace kernel_check

#include "bench/gpu_check/row_product_check.cuh"

int main() {
    using namespace kernel_check;
    std::mt19937 rng(1234);
    bool ok = true;
    const Case cases[] = {
        {1, 2048, BeforeNorm::None, true, false},   {1, 2048, BeforeNorm::AddResidual, true, false},
        {1, 8192, BeforeNorm::Gelu, true, false},   {71, 2048, BeforeNorm::AddResidual, true, false},
        {257, 1024, BeforeNorm::AddResidual, true, false}, {3, 2048, BeforeNorm::AddResidual, true, true},
        {2, 8192, BeforeNorm::Gelu, true, true},    {3, 100, BeforeNorm::None, true, false},
        {2, 2048, BeforeNorm::AddResidual, false, false}, {2, 8192, BeforeNorm::Gelu, false, false},
        {2, 1000, BeforeNorm::AddResidual, false, true},
    };
    std::printf("%-6s %-6s %-5s %-5s %-9s %s\n", "rows", "width", "pre", "type", "kernel", "worst error / tolerance");
    for (const Case& c : cases) {
        const double worst = runNormCase(c, rng);
        const bool vector = !c.misalign && c.width % (c.bf16 ? 8 : 4) == 0 &&
                            (c.width / (c.bf16 ? 8 : 4) + kVectors - 1) / kVectors <= kVectorThreads;
        std::printf("%-6d %-6d %-5s %-5s %-9s %.3f%s\n", c.rows, c.width, preName(c.pre), c.bf16 ? "bf16" : "f32",
                    vector ? "vector" : "scalar", worst, worst > 1 ? "  FAIL" : "");
        ok &= worst <= 1;
    }
    const bool splitOk = checkSplit(rng, false) && checkSplit(rng, true);
    std::printf("q/k/v split into the cache (host and device start): %s\n", splitOk ? "exact" : "FAIL");
    ok &= splitOk;
    ok &= checkRowProducts(rng);
    ok &= checkOverlappingLaunches(rng);

    // Timing at the decode step's shapes (bf16, one row).
    void *x, *d, *s, *g, *b, *o;
    for (void** p : {&x, &d, &s, &g, &b, &o}) {
        CHECK(cudaMalloc(p, 8192 * 2));
        CHECK(cudaMemset(*p, 0x3c, 8192 * 2));   // 0x3c3c: bf16 0.0115, not zero
    }
    using B = __nv_bfloat16;
    const B *px = static_cast<const B*>(x), *pd = static_cast<const B*>(d), *pg = static_cast<const B*>(g),
            *pb = static_cast<const B*>(b);
    B *ps = static_cast<B*>(s), *po = static_cast<B*>(o);
    std::printf("\nper launch in a graph of 100 (us): empty kernel %.2f\n",
                perLaunch([](cudaStream_t st) { emptyKernel<<<1, 32, 0, st>>>(); }));
    struct Shape { int width; BeforeNorm pre; };
    for (Shape sh : {Shape{2048, BeforeNorm::None}, Shape{2048, BeforeNorm::AddResidual}, Shape{8192, BeforeNorm::Gelu}}) {
        const int w = sh.width;
        const int scalarThreads = ((w + kPerThread - 1) / kPerThread + 31) / 32 * 32;
        const int vectorThreads = ((w / 8 + kVectors - 1) / kVectors + 31) / 32 * 32;
        double scalar, vector;
        if (sh.pre == BeforeNorm::None) {
            scalar = perLaunch([&](cudaStream_t st) { layerNormKernel<B, BeforeNorm::None><<<1, scalarThreads, 0, st>>>(px, pd, ps, pg, pb, po, w, 1e-5f); });
            vector = perLaunch([&](cudaStream_t st) { layerNormVectorKernel<B, BeforeNorm::None><<<1, vectorThreads, 0, st>>>(px, pd, ps, pg, pb, po, w, 1e-5f); });
        } else if (sh.pre == BeforeNorm::AddResidual) {
            scalar = perLaunch([&](cudaStream_t st) { layerNormKernel<B, BeforeNorm::AddResidual><<<1, scalarThreads, 0, st>>>(px, pd, ps, pg, pb, po, w, 1e-5f); });
            vector = perLaunch([&](cudaStream_t st) { layerNormVectorKernel<B, BeforeNorm::AddResidual><<<1, vectorThreads, 0, st>>>(px, pd, ps, pg, pb, po, w, 1e-5f); });
        } else {
            scalar = perLaunch([&](cudaStream_t st) { layerNormKernel<B, BeforeNorm::Gelu><<<1, scalarThreads, 0, st>>>(px, pd, ps, pg, pb, po, w, 1e-5f); });
            vector = perLaunch([&](cudaStream_t st) { layerNormVectorKernel<B, BeforeNorm::Gelu><<<1, vectorThreads, 0, st>>>(px, pd, ps, pg, pb, po, w, 1e-5f); });
        }
        std::printf("layer norm 1 x %d %-5s: scalar kernel %.2f (%d threads), vector kernel %.2f (%d threads)\n", w,
                    preName(sh.pre), scalar, scalarThreads, vector, vectorThreads);
    }
    std::printf("%s\n", ok ? "kernels: all checks passed" : "kernels: FAILED");
    std::fflush(stdout);
    timeRowProducts();
    return ok ? 0 : 1;
}
