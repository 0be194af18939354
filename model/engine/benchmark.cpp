#include "model/engine/benchmark.h"

#include "model/engine/int8_weights.h"

#include <ATen/core/grad_mode.h>
#include <ATen/record_function.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "model/engine/checkpoint.h"
#include "model/engine/cpu_parallel.h"
#include "model/engine/device_memory.h"
#include "model/engine/engine_impl.h"
#include "model/engine/generation.h"
#include "model/engine/huge_pages.h"
#include "model/engine/kosmos2_loader.h"
#include "model/engine/random_init.h"
#include "model/engine/runtime_info.h"
#include "model/engine/trace_recorder.h"
#include "model/error.h"
#include "model/tokens.h"

namespace kosmos {
namespace {

using Clock = std::chrono::steady_clock;

double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

Spread spread(std::vector<double> values) {
    Spread s;
    if (values.empty()) return s;
    std::sort(values.begin(), values.end());
    s.min = values.front();
    s.max = values.back();
    const std::size_t n = values.size();
    s.median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    return s;
}

double peakRssMb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;
}

// Copy bandwidth (bytes read + written per second) of a buffer far larger than the caches.
double measureCopyBandwidth(const at::Device& device) {
    const std::int64_t elements = 64ll << 20;   // 256 MiB of f32
    at::Tensor a = at::ones({elements}, at::TensorOptions().dtype(at::kFloat).device(device));
    at::Tensor b = at::empty_like(a);
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
        cudaSynchronize();
        const auto start = Clock::now();
        b.copy_(a);
        if (device.is_cuda()) cudaSynchronize();
        best = std::min(best, ms(start, Clock::now()));
    }
    return 2.0 * elements * 4 / (best / 1000.0) / 1e9;
}

// How a core reads its share: in 1 to 8 sequential streams side by side, with or without non-temporal
// prefetches 2 KiB ahead. Which is fastest depends on the machine (on this project's 2-core CI machine one
// stream reads 17-21 GB/s, four or eight without prefetches 22-30), so the bandwidth is the best of them.
struct ReadPattern {
    int streams;
    bool prefetch;
};
constexpr ReadPattern kReadPatterns[] = {{1, false}, {1, true}, {2, false}, {4, false}, {4, true}, {8, false}};

// The bytes a pattern reads of n: whole cache lines, the same number in each stream.
std::int64_t patternBytes(std::int64_t n, ReadPattern pattern) { return n / pattern.streams / 64 * 64 * pattern.streams; }

#if KOSMOS_CPU_AVX2
__attribute__((target("avx2,fma"))) std::uint64_t foldBytesAvx2(const std::uint8_t* p, std::int64_t n,
                                                                ReadPattern pattern) {
    const std::int64_t length = patternBytes(n, pattern) / pattern.streams;
    __m256i a = _mm256_setzero_si256(), b = a;
    for (std::int64_t i = 0; i < length; i += 64)
        for (int s = 0; s < pattern.streams; ++s) {
            const std::uint8_t* line = p + s * length + i;
            if (pattern.prefetch) _mm_prefetch(reinterpret_cast<const char*>(line + 2048), _MM_HINT_NTA);
            a = _mm256_xor_si256(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(line)));
            b = _mm256_xor_si256(b, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(line + 32)));
        }
    a = _mm256_xor_si256(a, b);
    return static_cast<std::uint64_t>(_mm256_extract_epi64(a, 0) ^ _mm256_extract_epi64(a, 1) ^
                                      _mm256_extract_epi64(a, 2) ^ _mm256_extract_epi64(a, 3));
}
#endif

// The bits of p's first patternBytes(n, pattern) bytes folded together: one read of each line.
std::uint64_t foldBytes(const std::uint8_t* p, std::int64_t n, ReadPattern pattern) {
#if KOSMOS_CPU_AVX2
    if (cpuHasAvx2Fma()) return foldBytesAvx2(p, n, pattern);
#endif
    std::uint64_t fold = 0;
    const std::int64_t bytes = patternBytes(n, pattern);
    for (std::int64_t i = 0; i < bytes; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        fold ^= word;
    }
    return fold;
}

// The read test's buffer, in huge pages where the system grants them, as the int8 weights are (huge_pages.h).
at::Tensor readBuffer() {
    const std::int64_t bytes = 256ll << 20;   // eight times this machine's L3, and the same on larger ones
    return hugePageTensor({bytes}, at::kByte).fill_(1);
}

// Read bandwidth of the CPU's memory with all its cores (whatever --threads says): the machine's rate that a
// decode step's weight stream can at best reach, over `held` (readBuffer()).
double measureCpuReadBandwidth(const at::Tensor& held) {
    const std::int64_t bytes = held.numel();
    const std::uint8_t* buffer = held.data_ptr<std::uint8_t>();
    const std::int64_t parts = std::max(1u, std::thread::hardware_concurrency());
    const std::int64_t share = bytes / parts / 64 * 64;
    std::atomic<std::uint64_t> sink{0};
    double best = 0;
    for (const ReadPattern pattern : kReadPatterns)
        for (int i = 0; i < 3; ++i) {
            const auto start = Clock::now();
            std::vector<std::thread> threads;
            for (std::int64_t p = 0; p < parts; ++p)
                threads.emplace_back([&, p] {
                    sink.fetch_xor(foldBytes(buffer + p * share, share, pattern));
                });
            for (auto& t : threads) t.join();
            const double bytesRead = static_cast<double>(parts * patternBytes(share, pattern));
            best = std::max(best, bytesRead / (ms(start, Clock::now()) / 1000.0) / 1e9);
        }
    return best;
}

ImageU8 syntheticImage() {
    ImageU8 image;
    image.width = 640;
    image.height = 480;
    image.channels = 3;
    image.pixels.resize(640 * 480 * 3);
    for (int y = 0; y < 480; ++y)
        for (int x = 0; x < 640; ++x) {
            std::uint8_t* p = &image.pixels[(y * 640 + x) * 3];
            p[0] = static_cast<std::uint8_t>(x * 255 / 639);
            p[1] = static_cast<std::uint8_t>(y * 255 / 479);
            p[2] = static_cast<std::uint8_t>((x + y) & 255);
        }
    return image;
}

} // namespace

BenchResult runBenchmark(const BenchOptions& o) {
    configureThreads(o.threads);
    at::NoGradGuard noGrad;
    BenchResult result;
    const at::Device device = parseDevice(o.device);
    const at::ScalarType dtype = parseDtype(o.dtype);
    if (!o.profilePath.empty()) TraceRecorder::checkCanSave(device.is_cuda(), o.profilePath);   // before the model
    const RuntimeInfo info = runtimeInfo();
    result.blas = info.blas;
    result.threads = info.intraOpThreads;
    result.blasThreads = info.blasThreads;
    result.ompWaitPolicy = info.ompWaitPolicy;
    result.device = device.str();
    result.dtype = o.dtype;
    result.torchVersion = info.torchVersion;
    if (o.batch < 1 || o.runs < 1 || o.newTokens < 2) throw Error("bench needs batch >= 1, runs >= 1, new tokens >= 2");

    Kosmos2ForConditionalGeneration model{nullptr};
    KosmosConfig config;
    PreprocessConfig preprocess;
    if (!o.modelDir.empty()) {
        CheckpointLoadOptions load;
        load.dtype = dtype;
        load.device = device;
        load.int8Weights = isInt8Dtype(o.dtype);
        model = loadKosmos2(o.modelDir, load);
        config = model->config;
        preprocess = loadPreprocessConfig(o.modelDir, config.vision.imageSize);
    } else {
        std::ifstream in(o.configPath);
        if (!in) throw Error(o.configPath + ": cannot open");
        std::stringstream text;
        text << in.rdbuf();
        config = parseConfig(text.str(), o.configPath);
        requireMemoryForNewModel(config, o.configPath);
        configurePrecision(device, dtype);
        model = Kosmos2ForConditionalGeneration(config, at::TensorOptions().dtype(at::kFloat));
        randomInitialise(model, o.seed);
        model->to(device, dtype);
        tieLmHead(model);
        model->eval();
        if (isInt8Dtype(o.dtype)) quantizeDecoderInt8(*model);
        preprocess.size = config.vision.imageSize;
    }
    prepareForCudaInference(model);
    // The ids of "<grounding>An image of" in the real vocabulary's layout (tags after the spm pieces),
    // so that a checkpoint without a tokenizer and transformers can be fed the same prompt.
    const std::int64_t firstTag = config.text.vocabSize - tokens::kNumPatchIndexTokens - 11;
    std::vector<std::int64_t> ids = {0, firstTag + 1};
    for (int i = 0; i < config.latentQueryNum; ++i) ids.push_back(4 + i);
    ids.insert(ids.end(), {firstTag + 2, firstTag + 10});
    for (std::int64_t text : {712, 1648, 9}) ids.push_back(std::min<std::int64_t>(text, firstTag - 1));
    result.promptIds = ids;
    result.parameters = parameterCount(*model);
    result.decodeWeightBytes = decodeWeightBytes(*model);

    const ImageU8 image = o.image.pixels.empty() ? syntheticImage() : o.image;
    std::vector<double> pre, vision, prefill, decode, total, readRates, productsMs, restMs, productRates;
    at::Tensor readTestBuffer;
    const std::int64_t L = static_cast<std::int64_t>(ids.size());
    std::vector<std::int64_t> imageMask(L, 0);
    for (int i = 2; i < 2 + config.latentQueryNum && i < L; ++i) imageMask[i] = 1;
    auto row = [&](const std::vector<std::int64_t>& v) {
        return at::tensor(v, at::TensorOptions().dtype(at::kLong)).view({1, -1}).expand({o.batch, L}).contiguous().to(device);
    };
    cudaResetPeak();
    std::unique_ptr<TraceRecorder> trace;
    std::vector<std::vector<std::int64_t>> firstRunRows;
    const int lastRun = o.profilePath.empty() ? o.runs : o.runs + 1;
    for (int run = -1; run < lastRun; ++run) {   // run -1 warms up; run o.runs is the profiled one
        if (run == o.runs) {
            trace = std::make_unique<TraceRecorder>(device.is_cuda());
            trace->start();
        }
        const auto t0 = Clock::now();
        std::vector<float> chw = preprocessImage(image, preprocess);
        at::Tensor pixels = at::tensor(chw, at::TensorOptions().dtype(at::kFloat))
                                .view({1, 3, preprocess.size, preprocess.size})
                                .expand({o.batch, 3, preprocess.size, preprocess.size});
        const auto t1 = Clock::now();
        GenerationInputs in;
        at::Tensor features;
        {
            RECORD_USER_SCOPE("kosmos2::vision");
            in.imageEmbeds = model->imageEmbeds(pixels.to(device, dtype), o.dumpPath.empty() ? nullptr : &features);
        }
        cudaSynchronize();
        const auto t2 = Clock::now();
        in.inputIds = row(ids);
        in.attentionMask = at::ones_like(in.inputIds);
        in.imageEmbedsPositionMask = row(imageMask);
        ResolvedGenerationParams params;
        params.maxNewTokens = o.newTokens;
        params.minNewTokens = o.newTokens;
        params.noRepeatNgramSize = o.noRepeatNgramSize;
        std::vector<Clock::time_point> steps;
        std::vector<Int8StreamTotals> streamed;   // at each step, as `steps`
        GenerationHooks hooks;
        hooks.onStep = [&](int, const std::vector<std::int64_t>&) {
            steps.push_back(Clock::now());
            streamed.push_back(int8StreamTotals());
            return true;
        };
        params.recordScores = run < 0 && !o.dumpPath.empty();
        GenerationOutput out = generateTokens(model, in, params, hooks);
        if (params.recordScores)
            saveTensors(o.dumpPath, {{"image_embeds", in.imageEmbeds.to(at::kCPU, at::kFloat)},
                                     {"pixel_values", pixels.contiguous()},
                                     {"vision_features", features.to(at::kCPU, at::kFloat)},
                                     {"first_logits", out.stepScores.front()}});
        const auto t3 = Clock::now();
        if (run < 0)
            firstRunRows = out.newTokens;
        else if (out.newTokens != firstRunRows)
            result.idsEqualEveryRun = false;
        if (run < 0) {
            result.firstRunIds = out.newTokens.front();
            // Every run does the same work: the peak so far is the model's, before any bandwidth buffer.
            result.peakRssMb = peakRssMb();
            continue;
        }
        if (run == o.runs) {
            cudaSynchronize();
            trace->save(o.profilePath);
            continue;
        }
        pre.push_back(ms(t0, t1));
        vision.push_back(ms(t1, t2));
        prefill.push_back(ms(t2, steps.front()));
        decode.push_back(ms(steps.front(), steps.back()) / static_cast<double>(steps.size() - 1));
        const Int8StreamTotals& first = streamed.front();
        const Int8StreamTotals& last = streamed.back();
        if (last.bytes > first.bytes) {
            const double perToken = static_cast<double>(steps.size() - 1);
            const double productMs = static_cast<double>(last.nanoseconds - first.nanoseconds) / 1e6 / perToken;
            productsMs.push_back(productMs);
            restMs.push_back(decode.back() - productMs);
            productRates.push_back(static_cast<double>(last.bytes - first.bytes) / perToken / (productMs / 1000.0) / 1e9);
        }
        total.push_back(ms(t0, t3));
        // The memory's rate moves between runs on a shared machine: measured after each, the best taken.
        if (!device.is_cuda()) {
            if (!readTestBuffer.defined()) readTestBuffer = readBuffer();   // after the warm-up's peak RSS
            readRates.push_back(measureCpuReadBandwidth(readTestBuffer));
        }
    }
    result.stagesMs = {{"preprocess", spread(pre)}, {"vision", spread(vision)}, {"prefill", spread(prefill)},
                       {"decode_per_token", spread(decode)}, {"end_to_end", spread(total)}};
    result.tokensPerSecond = 1000.0 * o.batch / result.stagesMs["decode_per_token"].median;
    result.imagesPerSecond = 1000.0 * o.batch / result.stagesMs["end_to_end"].median;
    result.peakDeviceMb = cudaPeakAllocatedBytes() / (1 << 20);
    result.copyBandwidthGBs = measureCopyBandwidth(device);
    // A decode step reads every decoder weight once: its floor at the memory's read rate. On a GPU a device
    // copy (2 bytes of traffic per byte copied) reaches it; on a CPU reads are timed on their own.
    result.bandwidthMeasure = device.is_cuda() ? "copy" : "read";
    if (!device.is_cuda()) result.readBandwidthGBs = spread(readRates);
    result.memoryBandwidthGBs = device.is_cuda() ? result.copyBandwidthGBs : result.readBandwidthGBs.max;
    auto floorMsAt = [&](double gbs) { return result.decodeWeightBytes / (gbs * 1e9) * 1000.0; };
    result.decodeFloorMs = floorMsAt(result.memoryBandwidthGBs);
    if (!productsMs.empty()) {
        result.decodeInt8ProductsMs = spread(productsMs);
        result.decodeRestMs = spread(restMs);
        result.decodeInt8ProductGBs = spread(productRates);
    }
    if (!device.is_cuda()) {
        std::vector<double> ratios;
        for (std::size_t i = 0; i < decode.size(); ++i)
            ratios.push_back(decode[i] / floorMsAt(readRates[i]));
        result.floorRatioByRun = spread(ratios);
    }
    return result;
}

} // namespace kosmos
