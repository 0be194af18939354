// Fuzz targets of datasets: one GRIT record, a GRIT JSONL file and an img2dataset folder imported into a
// store, a webdataset tar shard.
#include "fuzz/targets/fuzz_targets.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/grit_codec.h"
#include "core/grit_import.h"
#include "core/image_probe.h"
#include "core/record_source.h"
#include "core/store.h"
#include "core/store_stats.h"
#include "model/error.h"

namespace kosmos::fuzz {

namespace {

using namespace kosmos::store;

bool sameEntities(const Sample& a, const Sample& b) {
    if (a.entities.size() != b.entities.size()) return false;
    for (std::size_t i = 0; i < a.entities.size(); ++i) {
        const EntityRecord& x = a.entities[i];
        const EntityRecord& y = b.entities[i];
        if (x.kind != y.kind || x.spanStart != y.spanStart || x.spanEnd != y.spanEnd || x.boxes != y.boxes ||
            x.confidence != y.confidence || x.phrase != y.phrase)
            return false;
    }
    return true;
}

bool sameSample(const Sample& a, const Sample& b) {
    return a.key == b.key && a.caption == b.caption && a.gritId == b.gritId && a.url == b.url && a.width == b.width &&
           a.height == b.height && sameEntities(a, b);
}

// A store per few hundred inputs: imports of distinct files never skip each other's records.
AnnotationStore& scratchStore() {
    static std::unique_ptr<AnnotationStore> store;
    static int uses = 0;
    if (!store || ++uses % 500 == 0) store = std::make_unique<AnnotationStore>(":memory:");
    return *store;
}

ImportOptions smallImport() {
    ImportOptions options;
    options.batchSize = 3;
    options.hashImages = false;
    options.limits.maxRecordBytes = 1 << 14;   // small, so that the too-long paths run too
    options.limits.maxTextBytes = 256;
    options.limits.maxImageBytes = 1 << 16;
    options.mediaDir = scratchDir() + "/media";
    return options;
}

void importAndCheck(const std::string& source) {
    AnnotationStore& store = scratchStore();
    const ImportSummary summary = importSources(store, {source}, smallImport());
    require(summary.imported >= 0 && summary.rejected >= 0, "negative import counts");
    const CheckReport report = checkStore(store);
    require(report.integrity.empty() && report.foreignKeys.empty() && report.staleCounters.empty(),
            "the store is inconsistent after an import");
}

} // namespace

int gritRecord(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string fallback = size % 2 ? "fallback-key" : "";
    Sample sample;
    std::optional<std::string> image;
    const std::string problem = decodeGritText(text, sample, image, fallback);

    GritJson json;
    const std::string parseProblem = parseJsonRecord(text, json);
    // The strict scanner and the document parser accept the same texts.
    require(parseProblem != "invalid JSON", "the scanner accepted JSON the document parser refuses");
    if (parseProblem.empty()) {
        Sample viaTree;
        std::optional<std::string> treeImage;
        const std::string treeProblem = decodeGrit(json, viaTree, treeImage, fallback);
        require(treeProblem == problem, "decoding the text and the parsed record disagree");
        if (problem.empty()) require(sameSample(sample, viaTree) && image == treeImage, "the two decodings differ");
    }
    if (!problem.empty()) return 0;

    // A decoded record encodes to one that decodes the same.
    std::vector<const EntityRecord*> entities;
    for (const EntityRecord& e : sample.entities) entities.push_back(&e);
    const std::string encoded = encodeGrit(sample, entities, image.value_or("")).dump();
    Sample again;
    std::optional<std::string> againImage;
    const std::string againProblem = decodeGritText(encoded, again, againImage, fallback);
    require(againProblem.empty(), "an encoded record does not decode");
    require(sameSample(sample, again), "an encoded record decodes differently");
    require(image.value_or("") == againImage.value_or(""), "an encoded record lost its image field");
    sampleToJson(sample).dump();
    return 0;
}

int gritJsonl(const std::uint8_t* data, std::size_t size) {
    static int counter = 0;
    // A new name each time: a resumed import skips lines already stored from the same file.
    importAndCheck(writeScratch("jsonl/data-" + std::to_string(counter++ % 1000) + ".jsonl", data, size));
    return 0;
}

int img2datasetRecord(const std::uint8_t* data, std::size_t size) {
    // <json> [0x00 <caption>]: the record, and the caption file beside it.
    static int counter = 0;
    const std::string folder = scratchDir() + "/img2dataset-" + std::to_string(counter++ % 1000);
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
    const std::uint8_t* split = static_cast<const std::uint8_t*>(std::memchr(data, 0, size));
    const std::size_t jsonSize = split ? static_cast<std::size_t>(split - data) : size;
    const std::string rel = folder.substr(scratchDir().size() + 1);
    writeScratch(rel + "/00000/000000001.json", data, jsonSize);
    if (split) writeScratch(rel + "/00000/000000001.txt", split + 1, size - jsonSize - 1);
    static const std::string png = [] {
        std::ifstream in(testDataDir() + "/kosmos2-tiny/images/checker_224x224.png", std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }();
    writeScratch(rel + "/00000/000000001.png", reinterpret_cast<const std::uint8_t*>(png.data()), png.size());
    importAndCheck(folder);
    return 0;
}

int tarShard(const std::uint8_t* data, std::size_t size) {
    const std::string path = writeScratch("shard.tar", data, size);
    SourceLimits limits = smallImport().limits;
    try {
        std::unique_ptr<RecordSource> source = openTarSource(path, limits);
        SourceRecord record;
        for (int n = 0; n < 10000 && source->next(record); ++n) {
            require(record.text.size() <= limits.maxRecordBytes, "a record over the limit was read");
            require(record.imageBytes.size() <= limits.maxImageBytes, "an image over the limit was read");
            require(!record.pairedCaption || record.pairedCaption->size() <= limits.maxTextBytes,
                    "a caption over the limit was read");
            Sample sample;
            std::optional<std::string> image;
            decodeGritText(record.text, sample, image, record.fallbackKey);
            ImageProbe probe;
            if (!record.imageBytes.empty()) probeImageBytes(record.imageBytes, probe);
        }
    } catch (const Error&) {
    }
    return 0;
}

} // namespace kosmos::fuzz
