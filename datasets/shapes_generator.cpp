#include "datasets/shapes_generator.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <opencv2/imgcodecs.hpp>

#include "datasets/caption.h"
#include "datasets/parallel_for.h"
#include "datasets/scene_planner.h"
#include "datasets/synth_random.h"
#include "model/error.h"

namespace kosmos::synth {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kChunk = 512;  // samples whose JSONL lines are held before writing
constexpr int kMaxThreads = 256;
constexpr int kPngCompression = 3;

std::vector<unsigned char> encodeImage(const cv::Mat& image, const Scene& scene, const std::string& name) {
    std::vector<unsigned char> bytes;
    const std::vector<int> params = scene.jpeg
        ? std::vector<int>{cv::IMWRITE_JPEG_QUALITY, scene.jpegQuality}
        : std::vector<int>{cv::IMWRITE_PNG_COMPRESSION, kPngCompression};
    if (!cv::imencode(scene.jpeg ? ".jpg" : ".png", image, bytes, params) || bytes.empty())
        throw Error(name + ": the image could not be encoded");
    return bytes;
}

void writeFile(const fs::path& path, const std::vector<unsigned char>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw Error(path.string() + ": cannot write the image file");
}

} // namespace

std::string sampleStem(std::uint64_t index) {
    char text[32];
    std::snprintf(text, sizeof text, "%06llu", static_cast<unsigned long long>(index));
    return text;
}

std::string sampleKey(std::uint64_t seed, std::uint64_t index) {
    return "shapes-" + std::to_string(seed) + "-" + sampleStem(index);
}

std::uint64_t sampleSeed(std::uint64_t seed, std::uint64_t index) { return SynthRandom::streamSeed(seed, index); }

GeneratedSample generateSample(std::uint64_t seed, std::uint64_t index, const SampleLimits& limits, bool encode) {
    const PlannedScene planned = planScene(sampleSeed(seed, index), limits);
    GeneratedSample sample;
    sample.scene = planned.scene;
    const Scene& scene = sample.scene;

    std::vector<CaptionItem> items;
    for (const SceneObject& object : scene.objects)
        items.push_back({kColours[static_cast<size_t>(object.colourIndex)].name, shapeName(object.shape)});
    const Caption caption = buildCaption(scene.captionTemplate, items);

    GritRecord& record = sample.record;
    record.key = sampleKey(seed, index);
    record.id = static_cast<std::int64_t>(index);
    record.caption = caption.text;
    record.width = scene.width;
    record.height = scene.height;
    record.image = "images/" + sampleStem(index) + (scene.jpeg ? ".jpg" : ".png");
    for (size_t i = 0; i < scene.objects.size(); ++i) {
        const PixelBox& box = scene.objects[i].box;
        const double w = scene.width, h = scene.height;
        record.entities.push_back(
            {caption.spans[i].start, caption.spans[i].end, box.x0 / w, box.y0 / h, box.x1 / w, box.y1 / h});
    }
    if (encode) sample.encoded = encodeImage(renderScene(planned), scene, record.image);
    return sample;
}

SynthReport generateDataset(const SynthOptions& options) {
    if (options.outDir.empty()) throw Error("synth: no output folder given");
    if (options.count == 0 || options.count > kMaxSampleCount)
        throw Error("synth: count " + std::to_string(options.count) + " outside 1.." + std::to_string(kMaxSampleCount));
    const fs::path root(options.outDir);
    std::error_code error;
    fs::create_directories(root / "images", error);
    if (error) throw Error((root / "images").string() + ": cannot create the folder (" + error.message() + ")");

    SynthReport report;
    report.count = options.count;
    report.annotationsPath = (root / "annotations.jsonl").string();
    const fs::path partial = root / "annotations.jsonl.part";
    std::ofstream jsonl(partial, std::ios::binary | std::ios::trunc);
    if (!jsonl) throw Error(partial.string() + ": cannot create the file");

    const int threads = std::clamp(options.threads, 1, kMaxThreads);
    for (std::uint64_t start = 0; start < options.count; start += kChunk) {
        const std::uint64_t n = std::min(kChunk, options.count - start);
        std::vector<std::string> lines(n), captions(n);
        std::vector<unsigned> objects(n), jpegs(n);
        parallelFor(n, threads, [&](std::uint64_t i) {
            const GeneratedSample sample = generateSample(options.seed, start + i, options.limits);
            writeFile(root / sample.record.image, sample.encoded);
            lines[i] = gritJsonLine(sample.record);
            captions[i] = sample.record.caption;
            objects[i] = static_cast<unsigned>(sample.scene.objects.size());
            jpegs[i] = sample.scene.jpeg ? 1u : 0u;
        });
        for (std::uint64_t i = 0; i < n; ++i) {
            jsonl << lines[i] << '\n';
            report.objects += objects[i];
            report.jpegImages += jpegs[i];
            if (options.keepCaptions) report.captions.push_back(std::move(captions[i]));
        }
        if (!jsonl) throw Error(partial.string() + ": write failed");
        if (options.progress) options.progress(start + n, options.count);
    }
    jsonl.close();
    if (!jsonl) throw Error(partial.string() + ": write failed");
    fs::rename(partial, report.annotationsPath, error);
    if (error)
        throw Error(report.annotationsPath + ": cannot move the finished file into place (" + error.message() + ")");
    return report;
}

std::vector<std::string> datasetCaptions(std::uint64_t seed, std::uint64_t count, const SampleLimits& limits,
                                         int threads) {
    if (count > kMaxSampleCount) throw Error("synth: count " + std::to_string(count) + " too large");
    std::vector<std::string> captions(count);
    parallelFor(count, std::clamp(threads, 1, kMaxThreads), [&](std::uint64_t i) {
        captions[i] = generateSample(seed, i, limits, false).record.caption;
    });
    return captions;
}

} // namespace kosmos::synth
