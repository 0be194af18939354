#pragma once
// Generator A of the synthetic "shapes" grounding world (docs/synthetic-shapes.md): images drawn with
// OpenCV plus GRIT JSONL annotations. Sample i of seed s depends on (s, i) only, never on the thread count.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "datasets/grit_record.h"
#include "datasets/scene.h"

namespace kosmos::synth {

inline constexpr std::uint64_t kMaxSampleCount = 10'000'000;

struct GeneratedSample {
    Scene scene;
    GritRecord record;
    std::vector<unsigned char> encoded;  // PNG or JPEG bytes of the image named by record.image
};

// "000042"
std::string sampleStem(std::uint64_t index);
// "shapes-<seed>-000042": unique over seeds and indices.
std::string sampleKey(std::uint64_t seed, std::uint64_t index);
// The seed that sample `index` of run `seed` is planned from.
std::uint64_t sampleSeed(std::uint64_t seed, std::uint64_t index);

// Plans, draws and encodes one sample. `encode` false leaves `encoded` empty (captions only).
GeneratedSample generateSample(std::uint64_t seed, std::uint64_t index, const SampleLimits& limits,
                               bool encode = true);

struct SynthOptions {
    std::string outDir;                 // receives images/NNNNNN.png|jpg and annotations.jsonl
    std::uint64_t count = 0;
    std::uint64_t seed = 0;
    int threads = 1;
    SampleLimits limits;
    bool keepCaptions = false;          // fill SynthReport::captions
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct SynthReport {
    std::uint64_t count = 0;
    std::uint64_t objects = 0;
    std::uint64_t jpegImages = 0;
    std::string annotationsPath;
    std::vector<std::string> captions;  // in sample order, when asked for
};

// Writes the dataset; the JSONL appears complete or not at all (written aside, then renamed).
// Throws kosmos::Error naming the file and the reason.
SynthReport generateDataset(const SynthOptions& options);

// Captions of samples 0..count-1 of `seed` without drawing the pictures' files.
std::vector<std::string> datasetCaptions(std::uint64_t seed, std::uint64_t count, const SampleLimits& limits,
                                         int threads = 1);

} // namespace kosmos::synth
