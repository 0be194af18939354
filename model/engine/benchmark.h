#pragma once
// Timing of the engine's stages (preprocess, vision, prefill, per-token decode, end to end) on a loaded
// checkpoint or a randomly initialised model of any configuration.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/image_processor.h"

namespace kosmos {

struct BenchOptions {
    std::string modelDir;            // a checkpoint, or empty with configPath for random weights
    std::string configPath;          // config.json for --random-weights
    std::string device = "cpu";
    std::string dtype = "f32";
    ImageU8 image;                   // empty: a synthetic 640x480 image
    int batch = 1;
    int runs = 3;
    int newTokens = 24;              // also the minimum: every run generates as many
    int noRepeatNgramSize = 0;       // the logits processor (0: off)
    int threads = 0;
    std::uint64_t seed = 1234;       // random weights
    std::string dumpPath;            // writes image_embeds and the first step's logits (safetensors)
    std::string profilePath;         // a Chrome trace of one extra, untimed run (operators, GPU kernels)
};

struct Spread {
    double median = 0, min = 0, max = 0;
};

struct BenchResult {
    std::map<std::string, Spread> stagesMs;   // preprocess, vision, prefill, decode_per_token, end_to_end
    double tokensPerSecond = 0;
    double imagesPerSecond = 0;
    double peakRssMb = 0;
    double peakDeviceMb = 0;
    double memoryBandwidthGBs = 0;     // the floor's: a CPU's read rate (all cores, best run), a GPU's copy
    std::string bandwidthMeasure;      // "read" or "copy"
    Spread readBandwidthGBs;           // a CPU's read rate measured after each run (the best is the floor's)
    double copyBandwidthGBs = 0;       // bytes read + written per second by a copy of a large buffer
    double decodeWeightBytes = 0;      // bytes of weights read per decode step
    double decodeFloorMs = 0;          // decodeWeightBytes / bandwidth
    // A CPU's decode step over the floor at the read rate measured right after its run, run by run: the rate
    // of a shared machine's memory moves over minutes, and this compares each run with its own moment.
    Spread floorRatioByRun;
    // A decode step split, run by run, into its int8 weight products (engine dtype "int8"; zeros otherwise), the
    // rate they read the weights at, and the rest of the step: norms, attention, hand-overs, token choice.
    Spread decodeInt8ProductsMs, decodeInt8ProductGBs, decodeRestMs;
    std::int64_t parameters = 0;
    std::string blas;
    int threads = 0;
    int blasThreads = 0;   // OpenBLAS's own threads (0: not OpenBLAS)
    std::string ompWaitPolicy;
    std::string device, dtype, torchVersion;
    std::vector<std::int64_t> promptIds;     // the prompt fed to the model
    std::vector<std::int64_t> firstRunIds;   // the generated ids of the first run (parity checks)
    bool idsEqualEveryRun = true;            // every later run generated the first run's ids, row by row
};

BenchResult runBenchmark(const BenchOptions& options);

} // namespace kosmos
