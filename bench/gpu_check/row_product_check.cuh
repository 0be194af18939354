// The row-product kernel (model/engine/cuda/row_product.cu) against a double-precision reference, and its
// time per launch at the decode step's shapes. Part of kernel_check.cu, which includes it after CHECK and
// perLaunch, and of tests/unit/test_row_product_emulated.cpp, which runs the checks on the CPU emulation of
// tests/cuda_emulation (KOSMOS_CUDA_EMULATION: fewer output rows, the same input widths, no timing).

namespace kernel_check {

template <typename T> float roundTo(float v);
template <> float roundTo<float>(float v) { return v; }
template <> float roundTo<__nv_bfloat16>(float v) { return __bfloat162float(__float2bfloat16_rn(v)); }
template <> float roundTo<__half>(float v) { return __half2float(__float2half_rn(v)); }

template <typename T> int mantissaBits() { return sizeof(T) == 4 ? 23 : std::is_same<T, __half>::value ? 10 : 7; }
template <typename T> double unitInLastPlace(double v) {
    return std::ldexp(1.0, std::ilogb(std::max(std::fabs(v), 1e-4)) - mantissaBits<T>());
}
template <typename T> ElementType elementTypeOf() {
    return sizeof(T) == 4 ? ElementType::Float32
                          : std::is_same<T, __half>::value ? ElementType::Float16 : ElementType::BFloat16;
}
template <typename T> const char* typeName() {
    return sizeof(T) == 4 ? "f32" : std::is_same<T, __half>::value ? "f16" : "bf16";
}

template <typename T> T* upload(const std::vector<float>& host) {
    std::vector<T> converted(host.size());
    for (std::size_t i = 0; i < host.size(); ++i) converted[i] = static_cast<T>(host[i]);
    T* device;
    CHECK(cudaMalloc(&device, std::max<std::size_t>(1, host.size()) * sizeof(T)));
    CHECK(cudaMemcpy(device, converted.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    return device;
}

template <typename T> std::vector<float> download(const T* device, std::size_t count) {
    std::vector<T> host(count);
    CHECK(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost));
    std::vector<float> out(count);
    for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<float>(host[i]);
    return out;
}

struct ProductCase {
    ProductInput input;
    bool gelu;
    int rows, width, outFeatures;
};

const char* inputName(ProductInput p) {
    return p == ProductInput::Raw ? "raw" : p == ProductInput::Normed ? "norm" : "add+norm";
}

// Largest error over the output in units of its tolerance (> 1 fails); the sum must be exact.
template <typename T> double runProductCase(const ProductCase& c, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.f, 1.f);
    const std::size_t inCount = static_cast<std::size_t>(c.rows) * c.width;
    std::vector<float> x(inCount), d(inCount), g(c.width), b(c.width), bias(c.outFeatures),
        w(static_cast<std::size_t>(c.outFeatures) * c.width);
    for (auto& v : x) v = roundTo<T>(normal(rng) * 3.f + 0.5f);
    for (auto& v : d) v = roundTo<T>(normal(rng));
    for (auto& v : g) v = roundTo<T>(1.f + 0.3f * normal(rng));
    for (auto& v : b) v = roundTo<T>(0.2f * normal(rng));
    for (auto& v : w) v = roundTo<T>(0.05f * normal(rng));
    for (auto& v : bias) v = roundTo<T>(0.1f * normal(rng));
    T *dx = upload<T>(x), *dd = upload<T>(d), *dg = upload<T>(g), *db = upload<T>(b), *dw = upload<T>(w),
      *dbias = upload<T>(bias);
    T *dy, *dsum;
    const std::size_t outCount = static_cast<std::size_t>(c.rows) * c.outFeatures;
    CHECK(cudaMalloc(&dy, outCount * sizeof(T)));
    CHECK(cudaMalloc(&dsum, inCount * sizeof(T)));
    CHECK(cudaMemset(dy, 0xff, outCount * sizeof(T)));   // NaN: every element must be written
    CHECK(cudaMemset(dsum, 0xff, inCount * sizeof(T)));
    RowProduct product;
    product.type = elementTypeOf<T>();
    product.input = c.input;
    product.gelu = c.gelu;
    product.x = dx, product.delta = dd, product.sumOut = dsum, product.gamma = dg, product.beta = db;
    product.weight = dw, product.bias = dbias, product.y = dy;
    product.rows = c.rows, product.inFeatures = c.width, product.outFeatures = c.outFeatures;
    const int status = rowProduct(product, nullptr);
    if (status != 0) {
        std::printf("row product launch failed: %d\n", status);
        return 1e9;
    }
    CHECK(cudaDeviceSynchronize());
    const std::vector<float> y = download(dy, outCount), sum = download(dsum, inCount);
    double worst = 0;
    for (int r = 0; r < c.rows; ++r) {
        std::vector<double> in(c.width);
        for (int i = 0; i < c.width; ++i) {
            const std::size_t k = static_cast<std::size_t>(r) * c.width + i;
            in[i] = x[k];
            if (c.input == ProductInput::AddThenNormed) {
                in[i] = roundTo<T>(x[k] + d[k]);
                if (sum[k] != static_cast<float>(in[i])) worst = 1e9;
            }
        }
        if (c.input != ProductInput::Raw) {
            double mean = 0, var = 0;
            for (double v : in) mean += v;
            mean /= c.width;
            for (double v : in) var += (v - mean) * (v - mean);
            const double rstd = 1.0 / std::sqrt(var / c.width + 1e-5);
            for (int i = 0; i < c.width; ++i)
                in[i] = roundTo<T>(static_cast<float>((in[i] - mean) * rstd * g[i] + b[i]));
        }
        for (int o = 0; o < c.outFeatures; ++o) {
            double acc = bias[o], magnitude = 0, largest = 0;
            for (int i = 0; i < c.width; ++i) {
                const double p = static_cast<double>(w[static_cast<std::size_t>(o) * c.width + i]) * in[i];
                acc += p;
                magnitude += std::fabs(p);
                largest = std::max(largest, std::fabs(p));
            }
            // float32 sums, and up to two normalised inputs rounded the other way by the kernel's float32
            // statistics.
            const double sumError =
                2e-5 * magnitude + (sizeof(T) == 4 ? 0 : 2 * largest * std::ldexp(1.0, -mantissaBits<T>()));
            double ref = acc, tolerance = sumError;
            if (c.gelu) {
                const double pre = roundTo<T>(static_cast<float>(acc));
                ref = 0.5 * pre * (1.0 + std::erf(pre / std::sqrt(2.0)));
                tolerance = 1.13 * (unitInLastPlace<T>(acc) + sumError);
            }
            tolerance += unitInLastPlace<T>(ref) + 1e-6;
            const double got = y[static_cast<std::size_t>(r) * c.outFeatures + o];
            worst = std::isnan(got) ? 1e9 : std::max(worst, std::fabs(got - ref) / tolerance);
        }
    }
    for (T* p : {dx, dd, dg, db, dw, dbias, dy, dsum}) CHECK(cudaFree(p));
    return worst;
}

template <typename T> bool checkProductCases(const std::vector<ProductCase>& cases, std::mt19937& rng) {
    bool ok = true;
    for (const ProductCase& c : cases) {
        const double worst = runProductCase<T>(c, rng);
        std::printf("%-5s %-9s %-5s %-5d %-6d %-7d %.3f%s\n", typeName<T>(), inputName(c.input), c.gelu ? "gelu" : "-",
                    c.rows, c.width, c.outFeatures, worst, worst > 1 ? "  FAIL" : "");
        ok &= worst <= 1;
    }
    return ok;
}

bool checkRowProducts(std::mt19937& rng) {
    using P = ProductInput;
#ifdef KOSMOS_CUDA_EMULATION
    // Each emulated barrier is a fiber switch: output rows cost time, widths hardly.
    auto outputs = [](int gpu, int emulated) { return emulated; };
#else
    auto outputs = [](int gpu, int emulated) { return gpu; };
#endif
    std::printf("\n%-5s %-9s %-5s %-5s %-6s %-7s %s\n", "type", "input", "after", "rows", "width", "outputs",
                "row product: worst error / tolerance");
    bool ok = checkProductCases<__nv_bfloat16>(
        {{P::Raw, false, 1, 2048, outputs(2051, 67)}, {P::Raw, false, 1, 64, outputs(70001, 1100)},
         {P::Raw, false, 3, 2048, outputs(1000, 40)}, {P::Normed, false, 1, 2048, outputs(2048, 48)},
         {P::Normed, false, 1, 8192, outputs(2048, 40)}, {P::AddThenNormed, false, 1, 2048, outputs(6144, 40)},
         {P::AddThenNormed, true, 1, 2048, outputs(8192, 33)}, {P::AddThenNormed, false, 8, 2048, outputs(512, 24)},
         {P::Normed, false, 2, 8192, outputs(300, 20)}, {P::Normed, false, 1, 1000, 77},
         {P::AddThenNormed, true, 5, 1024, outputs(999, 35)}},
        rng);
    ok &= checkProductCases<float>({{P::Raw, false, 1, 2048, outputs(777, 45)},
                                    {P::AddThenNormed, true, 2, 1024, outputs(513, 30)},
                                    {P::Normed, false, 1, 8192, 100}, {P::Raw, false, 8, 1028, outputs(300, 20)}},
                                   rng);
    ok &= checkProductCases<__half>({{P::AddThenNormed, false, 1, 2048, outputs(333, 33)},
                                     {P::Raw, false, 4, 512, outputs(1000, 40)}},
                                    rng);
    // Refused: more rows than a block takes, normalised rows over the shared-memory budget, a misaligned input.
    RowProduct misaligned;
    misaligned.x = reinterpret_cast<const void*>(4), misaligned.weight = reinterpret_cast<const void*>(16);
    misaligned.y = reinterpret_cast<void*>(16), misaligned.inFeatures = 64, misaligned.outFeatures = 64;
    const bool refused = !rowProductSupported(ElementType::BFloat16, P::Raw, kMaxProductRows + 1, 2048, 10) &&
                         !rowProductSupported(ElementType::BFloat16, P::Normed, 8, 8192, 10) &&
                         !rowProductSupported(ElementType::BFloat16, P::Raw, 1, 2044, 10) &&
                         rowProduct(misaligned, nullptr) != 0;
    std::printf("row product refuses unsupported shapes and misaligned rows: %s\n", refused ? "yes" : "FAIL");
    return ok && refused;
}

#ifndef KOSMOS_CUDA_EMULATION
// Lets the next launch start at once, then writes `values` into `x` only after `cycles` clock cycles: a
// product launched to overlap it must wait for it (griddepcontrol.wait) before reading x.
__global__ void slowWriter(__nv_bfloat16* x, const __nv_bfloat16* values, int n, long long cycles) {
    allowDependentsToStart();
    const long long start = clock64();
    while (clock64() - start < cycles) {
    }
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) x[i] = values[i];
}

// The decode step's chain (add+norm with gelu into fc1, norm into fc2, raw into an lm_head), after a slow
// writer of its input, launched plainly and then overlapping: the outputs must be the same bits every time.
bool checkOverlappingLaunches(std::mt19937& rng) {
    using B = __nv_bfloat16;
    const int width = 2048, hidden = 8192, vocab = 5000;
    std::normal_distribution<float> normal(0.f, 1.f);
    auto values = [&](std::size_t n, float scale, float shift) {
        std::vector<float> v(n);
        for (float& f : v) f = roundTo<B>(shift + scale * normal(rng));
        return upload<B>(v);
    };
    B *input = values(width, 3.f, 0.5f), *delta = values(width, 1.f, 0.f), *gamma1 = values(width, 0.3f, 1.f),
      *beta1 = values(width, 0.2f, 0.f), *w1 = values(std::size_t(hidden) * width, 0.05f, 0.f),
      *b1 = values(hidden, 0.1f, 0.f), *gamma2 = values(hidden, 0.3f, 1.f), *beta2 = values(hidden, 0.2f, 0.f),
      *w2 = values(std::size_t(width) * hidden, 0.05f, 0.f), *b2 = values(width, 0.1f, 0.f),
      *w3 = values(std::size_t(vocab) * width, 0.05f, 0.f);
    B *x, *sum, *h, *y, *logits;
    CHECK(cudaMalloc(&x, width * sizeof(B)));
    CHECK(cudaMalloc(&sum, width * sizeof(B)));
    CHECK(cudaMalloc(&h, hidden * sizeof(B)));
    CHECK(cudaMalloc(&y, width * sizeof(B)));
    CHECK(cudaMalloc(&logits, vocab * sizeof(B)));
    cudaStream_t stream;
    CHECK(cudaStreamCreate(&stream));
    auto chain = [&](bool overlap) {
        CHECK(cudaMemsetAsync(x, 0, width * sizeof(B), stream));
        CHECK(cudaMemsetAsync(logits, 0xff, vocab * sizeof(B), stream));
        slowWriter<<<4, 256, 0, stream>>>(x, input, width, 200000);
        RowProduct fc1;
        fc1.type = ElementType::BFloat16, fc1.input = ProductInput::AddThenNormed, fc1.gelu = true;
        fc1.x = x, fc1.delta = delta, fc1.sumOut = sum, fc1.gamma = gamma1, fc1.beta = beta1;
        fc1.weight = w1, fc1.bias = b1, fc1.y = h, fc1.inFeatures = width, fc1.outFeatures = hidden;
        RowProduct fc2;
        fc2.type = ElementType::BFloat16, fc2.input = ProductInput::Normed;
        fc2.x = h, fc2.gamma = gamma2, fc2.beta = beta2, fc2.weight = w2, fc2.bias = b2, fc2.y = y;
        fc2.inFeatures = hidden, fc2.outFeatures = width;
        RowProduct head;
        head.type = ElementType::BFloat16, head.x = y, head.weight = w3, head.y = logits;
        head.inFeatures = width, head.outFeatures = vocab;
        for (RowProduct* product : {&fc1, &fc2, &head}) {
            product->overlapPrevious = overlap;
            CHECK(static_cast<cudaError_t>(rowProduct(*product, stream)));
        }
        CHECK(cudaStreamSynchronize(stream));
        std::vector<B> out(vocab);
        CHECK(cudaMemcpy(out.data(), logits, vocab * sizeof(B), cudaMemcpyDeviceToHost));
        return out;
    };
    const std::vector<B> plain = chain(false);
    int differing = 0;
    for (int run = 0; run < 20; ++run) {
        const std::vector<B> overlapped = chain(true);
        differing += std::memcmp(overlapped.data(), plain.data(), plain.size() * sizeof(B)) != 0;
    }
    std::printf("row products overlapping a slow writer and each other: %d of 20 runs differ%s\n", differing,
                differing ? "  FAIL" : "");
    for (B* p : {input, delta, gamma1, beta1, w1, b1, gamma2, beta2, w2, b2, w3, x, sum, h, y, logits})
        CHECK(cudaFree(p));
    CHECK(cudaStreamDestroy(stream));
    return differing == 0;
}

// Microseconds per launch at the decode step's shapes (bf16, one row), each launch reading its own copy
// of the weights so that they come from memory, not from L2; and the weight bytes per second that gives.
void timeRowProducts() {
    using B = __nv_bfloat16;
    struct Shape { const char* name; ProductInput input; bool gelu; int rows, width, outFeatures; };
    const Shape shapes[] = {
        {"q/k/v (add+norm)", ProductInput::AddThenNormed, false, 1, 2048, 6144},
        {"out_proj (norm)", ProductInput::Normed, false, 1, 2048, 2048},
        {"fc1 (add+norm, gelu)", ProductInput::AddThenNormed, true, 1, 2048, 8192},
        {"fc2 (norm)", ProductInput::Normed, false, 1, 8192, 2048},
        {"lm_head (raw)", ProductInput::Raw, false, 1, 2048, 65037},
        {"fc1 at batch 8 (raw)", ProductInput::Raw, false, 8, 2048, 8192},
    };
    void *x, *d, *s, *g, *b, *y;
    for (void** p : {&x, &d, &s, &g, &b, &y}) {
        CHECK(cudaMalloc(p, 8 * 65536 * 2));
        CHECK(cudaMemset(*p, 0x3c, 8 * 65536 * 2));   // 0x3c3c: bf16 0.0115, not zero
    }
    // Each launch alone, then (second pass, so that a failure to capture it loses nothing else) each launch
    // allowed to overlap the one before it.
    for (int overlap = 0; overlap < 2; ++overlap) {
        std::printf(overlap ? "\nthe same, each launch overlapping the one before:\n"
                            : "\nrow product per launch in a graph of 100, weights from memory:\n");
        for (const Shape& sh : shapes) {
            const std::size_t bytes = static_cast<std::size_t>(sh.outFeatures) * sh.width * sizeof(B);
            const int copies = static_cast<int>(std::max<std::size_t>(2, (512u << 20) / bytes));
            std::vector<void*> weights(copies);
            for (void*& p : weights) {
                CHECK(cudaMalloc(&p, bytes));
                CHECK(cudaMemset(p, 0x3c, bytes));
            }
            int next = 0;
            const double us = perLaunch([&](cudaStream_t st) {
                RowProduct product;
                product.type = ElementType::BFloat16;
                product.input = sh.input;
                product.gelu = sh.gelu;
                product.x = x, product.delta = d, product.sumOut = s, product.gamma = g, product.beta = b;
                product.weight = weights[next++ % copies], product.bias = b, product.y = y;
                product.rows = sh.rows, product.inFeatures = sh.width, product.outFeatures = sh.outFeatures;
                product.overlapPrevious = overlap == 1;
                CHECK(static_cast<cudaError_t>(rowProduct(product, st)));
            });
            std::printf("  %-22s %5d x %-6d %8.2f us  %6.0f GB/s of weights\n", sh.name, sh.width, sh.outFeatures, us,
                        bytes / us * 1e-3);
            std::fflush(stdout);
            for (void* p : weights) CHECK(cudaFree(p));
        }
    }
    for (void* p : {x, d, s, g, b, y}) CHECK(cudaFree(p));
}
#endif

} // namespace kernel_check
