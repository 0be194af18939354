#include "core/store_export.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/grit_codec.h"
#include "core/sample_repository.h"
#include "core/sample_rows.h"
#include "core/store_schema.h"
#include "model/error.h"

namespace fs = std::filesystem;

namespace kosmos::store {

namespace {

// The output file, written under a temporary name and renamed into place by finish().
class OutputFile {
public:
    explicit OutputFile(const std::string& path) : path_(path), temporary_(path + ".part") {
        file_ = std::fopen(temporary_.c_str(), "wb");
        if (!file_) throw Error(path + ": cannot write: " + std::strerror(errno));
        std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    }
    ~OutputFile() {
        if (file_) {
            std::fclose(file_);
            std::remove(temporary_.c_str());
        }
    }
    void write(const std::string& text) {
        if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
            throw Error(path_ + ": write failed: " + std::strerror(errno));
        }
    }
    void finish() {
        const bool failed = std::fflush(file_) != 0 || std::fclose(file_) != 0;
        file_ = nullptr;
        if (failed || std::rename(temporary_.c_str(), path_.c_str()) != 0) {
            std::remove(temporary_.c_str());
            throw Error(path_ + ": cannot write: " + std::strerror(errno));
        }
    }

private:
    std::string path_;
    std::string temporary_;
    std::FILE* file_ = nullptr;
};

std::string whereClause(const ExportFilter& filter, std::vector<std::string>& values) {
    std::string clause;
    const auto add = [&](const char* fragment, const char* value) {
        clause += clause.empty() ? " WHERE " : " AND ";
        clause += fragment;
        values.emplace_back(value);
    };
    if (filter.split) add(schema::sql::kWhereSplit, toString(*filter.split));
    if (filter.review) add(schema::sql::kWhereReview, toString(*filter.review));
    return clause;
}

struct ExportCancelled {};
constexpr std::int64_t kProgressEvery = 256;

// The browsing filter that selects the same samples as the export's split and review filter.
SampleFilter sampleFilter(const ExportFilter& filter) {
    SampleFilter out;
    out.split = filter.split;
    out.review = filter.review;
    return out;
}

// Path of the sample's image relative to the output's folder (absolute when there is no relative one).
std::string imageReference(const Sample& sample, const fs::path& outDir) {
    if (!sample.image) return {};
    const fs::path relative = fs::path(sample.image->path).lexically_relative(outDir);
    return relative.empty() ? sample.image->path : relative.string();
}

// Pixel size for ODVG/COCO: the image file's when known, else the GRIT record's.
bool pixelSize(const Sample& sample, double& width, double& height) {
    if (sample.image && sample.image->width > 0 && sample.image->height > 0) {
        width = sample.image->width;
        height = sample.image->height;
        return true;
    }
    if (sample.width && sample.height && *sample.width > 0 && *sample.height > 0) {
        width = static_cast<double>(*sample.width);
        height = static_cast<double>(*sample.height);
        return true;
    }
    return false;
}

struct Writer {
    ExportFormat format;
    OutputFile& out;
    fs::path outDir;
    const ExportFilter& filter;
    ExportSummary summary;
    std::int64_t annotationId = 0;
    bool first = true;

    // Entities to write, or false when the sample is left out.
    bool select(const Sample& sample, std::vector<const EntityRecord*>& entities) {
        entities = effectiveEntities(sample, filter.sources);
        return filter.sources.empty() || !entities.empty();
    }

    void count(const std::vector<const EntityRecord*>& entities) {
        ++summary.samples;
        summary.entities += static_cast<std::int64_t>(entities.size());
        for (const EntityRecord* e : entities) summary.boxes += static_cast<std::int64_t>(e->boxes.size());
    }

    void grit(const Sample& sample) {
        std::vector<const EntityRecord*> entities;
        if (!select(sample, entities)) return;
        out.write(encodeGrit(sample, entities, imageReference(sample, outDir)).dump() + "\n");
        count(entities);
    }

    void odvg(const Sample& sample) {
        std::vector<const EntityRecord*> entities;
        if (!select(sample, entities)) return;
        double width = 0;
        double height = 0;
        if (!pixelSize(sample, width, height)) {
            ++summary.skippedNoSize;
            return;
        }
        // GRIT lists an object as a noun chunk and again as a referring expression (same span, same boxes);
        // ODVG regions have no kind, so such a twin would be the same region twice.
        std::vector<const EntityRecord*> written;
        for (const EntityRecord* entity : entities) {
            const bool twin = std::any_of(written.begin(), written.end(), [entity](const EntityRecord* other) {
                return other->spanStart == entity->spanStart && other->spanEnd == entity->spanEnd &&
                       other->boxes == entity->boxes;
            });
            if (!twin) written.push_back(entity);
        }
        nlohmann::ordered_json regions = nlohmann::ordered_json::array();
        for (const EntityRecord* entity : written) {
            for (const Box& b : entity->boxes) {
                regions.push_back({{odvg::kBbox, {b[0] * width, b[1] * height, b[2] * width, b[3] * height}},
                                   {odvg::kPhrase, entity->phrase}});
            }
        }
        std::string filename = imageReference(sample, outDir);
        if (filename.empty()) filename = sample.url.value_or(sample.key);
        nlohmann::ordered_json line = {{odvg::kFilename, filename},
                                       {odvg::kHeight, static_cast<std::int64_t>(height)},
                                       {odvg::kWidth, static_cast<std::int64_t>(width)},
                                       {odvg::kGrounding, {{odvg::kCaption, sample.caption}, {odvg::kRegions, regions}}}};
        out.write(line.dump() + "\n");
        count(written);
    }

    void cocoImage(const Sample& sample) {
        std::vector<const EntityRecord*> entities;
        double width = 0;
        double height = 0;
        if (!select(sample, entities)) return;
        if (!pixelSize(sample, width, height)) {
            ++summary.skippedNoSize;
            return;
        }
        std::string filename = imageReference(sample, outDir);
        if (filename.empty()) filename = sample.url.value_or(sample.key);
        const nlohmann::ordered_json image = {{coco::kId, sample.id},          {coco::kFileName, filename},
                                              {coco::kWidth, static_cast<std::int64_t>(width)},
                                              {coco::kHeight, static_cast<std::int64_t>(height)},
                                              {coco::kCaption, sample.caption}, {coco::kGritKey, sample.key}};
        out.write((first ? "" : ",\n") + image.dump());
        first = false;
        count(entities);
    }

    void cocoAnnotations(const Sample& sample) {
        std::vector<const EntityRecord*> entities;
        double width = 0;
        double height = 0;
        if (!select(sample, entities) || !pixelSize(sample, width, height)) return;
        for (const EntityRecord* entity : entities) {
            for (const Box& b : entity->boxes) {
                const double w = (b[2] - b[0]) * width;
                const double h = (b[3] - b[1]) * height;
                const nlohmann::ordered_json annotation = {
                    {coco::kId, ++annotationId},
                    {coco::kImageId, sample.id},
                    {coco::kBbox, {b[0] * width, b[1] * height, w, h}},
                    {coco::kArea, w * h},
                    {coco::kIsCrowd, 0},
                    {coco::kCategoryId, 1},
                    {coco::kTokensPositive, {{entity->spanStart, entity->spanEnd}}},
                    {coco::kPhrase, entity->phrase},
                    {coco::kKind, toString(entity->kind)}};
                out.write((first ? "" : ",\n") + annotation.dump());
                first = false;
            }
        }
    }
};

} // namespace

bool parseExportFormat(const std::string& name, ExportFormat& out) {
    if (name == "grit") out = ExportFormat::Grit;
    else if (name == "odvg") out = ExportFormat::Odvg;
    else if (name == "coco") out = ExportFormat::Coco;
    else return false;
    return true;
}

void forEachSample(AnnotationStore& store, const ExportFilter& filter, const std::function<void(const Sample&)>& visit) {
    ReadSnapshot snapshot(store);
    std::vector<std::string> values;
    const std::string where = whereClause(filter, values);
    Statement samples(store.db().handle(),
                      std::string("SELECT ") + schema::sql::kSampleColumns + schema::sql::kSampleFrom + where +
                          " ORDER BY s.id",
                      store.path());
    Statement entities(store.db().handle(),
                       std::string(schema::sql::kExportEntities) + where + " ORDER BY e.sample_id, e.ordinal",
                       store.path());
    for (std::size_t i = 0; i < values.size(); ++i) {
        samples.bind(static_cast<int>(i + 1), values[i]);
        entities.bind(static_cast<int>(i + 1), values[i]);
    }
    bool haveEntity = entities.step();
    Sample sample;
    while (samples.step()) {
        readSampleColumns(samples, sample);
        while (haveEntity && entities.integer(0) < sample.id) haveEntity = entities.step();
        while (haveEntity && entities.integer(0) == sample.id) {
            EntityRecord entity;
            readEntityColumns(entities, entity);
            sample.entities.push_back(std::move(entity));
            haveEntity = entities.step();
        }
        visit(sample);
    }
}

ExportSummary exportStore(AnnotationStore& store, ExportFormat format, const std::string& outPath,
                          const ExportFilter& filter) {
    return exportStore(store, format, outPath, filter, ExportControl{});
}

namespace {

// The export replaces its output file whole: were that the store or one of its companion files, the
// samples being exported would be lost.
void refuseStoreFiles(const AnnotationStore& store, const std::string& outPath) {
    std::error_code error;
    const fs::path out = fs::weakly_canonical(fs::absolute(outPath, error), error);
    const fs::path db = fs::weakly_canonical(fs::absolute(store.path(), error), error);
    for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock"}) {
        fs::path companion = db;
        companion += suffix;
        if (out == companion || (fs::exists(companion, error) && fs::equivalent(out, companion, error)))
            throw Error(outPath + ": this is " + (suffix[0] ? "a file of " : "") + "the store being exported (" +
                        store.path() + "); choose another output file");
    }
}

} // namespace

ExportSummary exportStore(AnnotationStore& store, ExportFormat format, const std::string& outPath,
                          const ExportFilter& filter, const ExportControl& control) {
    refuseStoreFiles(store, outPath);
    OutputFile out(outPath);
    const fs::path outDir = fs::absolute(outPath).lexically_normal().parent_path();
    Writer writer{format, out, outDir, filter, {}};
    ReadSnapshot snapshot(store);
    const std::int64_t passes = format == ExportFormat::Coco ? 2 : 1;
    const std::int64_t total = control.onProgress ? passes * countSamples(store, sampleFilter(filter)) : 0;
    std::int64_t visited = 0;
    // Wraps a writer step with the progress report and the cancellation check.
    const auto step = [&](const std::function<void(const Sample&)>& write) {
        return [&, write](const Sample& sample) {
            if (control.cancel && control.cancel->load()) throw ExportCancelled{};
            write(sample);
            ++visited;
            if (control.onProgress && (visited % kProgressEvery == 0 || visited == total)) control.onProgress(visited, total);
        };
    };
    try {
        if (format == ExportFormat::Grit) {
            forEachSample(store, filter, step([&](const Sample& s) { writer.grit(s); }));
        } else if (format == ExportFormat::Odvg) {
            forEachSample(store, filter, step([&](const Sample& s) { writer.odvg(s); }));
        } else {
            out.write(std::string("{\"") + coco::kImages + "\":[\n");
            forEachSample(store, filter, step([&](const Sample& s) { writer.cocoImage(s); }));
            out.write(std::string("\n],\n\"") + coco::kAnnotations + "\":[\n");
            writer.first = true;
            forEachSample(store, filter, step([&](const Sample& s) { writer.cocoAnnotations(s); }));
            const nlohmann::ordered_json categories = nlohmann::ordered_json::array(
                {nlohmann::ordered_json{{coco::kId, 1}, {coco::kName, "object"}, {coco::kSupercategory, "object"}}});
            out.write(std::string("\n],\n\"") + coco::kCategories + "\":" + categories.dump() + "}\n");
        }
    } catch (const ExportCancelled&) {
        ExportSummary cancelled;
        cancelled.cancelled = true;
        return cancelled;   // ~OutputFile removes the partial file
    }
    out.finish();
    return writer.summary;
}

} // namespace kosmos::store
