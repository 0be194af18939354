#include "core/store_stats.h"

#include <sys/stat.h>

#include <sstream>

#include "core/sample.h"
#include "core/sha256.h"
#include "core/store_schema.h"
#include "model/error.h"

namespace kosmos::store {

namespace {

template <std::size_t N>
std::map<std::string, std::int64_t> groupCounts(AnnotationStore& store, const char* sql, const char* const (&names)[N]) {
    std::map<std::string, std::int64_t> counts;
    for (const char* name : names) counts[name] = 0;
    StatementLease query = store.db().cached(sql);
    while (query->step()) counts[query->text(0)] = query->integer(1);
    return counts;
}

void list(std::vector<std::string>& out, std::int64_t& count, std::size_t max, const std::string& line) {
    ++count;
    if (out.size() < max) out.push_back(line);
}

} // namespace

StoreStats computeStats(AnnotationStore& store) {
    ReadSnapshot snapshot(store);
    StoreStats stats;
    stats.schemaVersion = store.schemaVersion();
    stats.samples = store.db().queryInteger(schema::sql::kCountSamples);
    stats.images = store.db().queryInteger(schema::sql::kCountImages);
    stats.changes = store.db().queryInteger(schema::sql::kCountChanges);
    stats.samplesWithoutImage = store.db().queryInteger(schema::sql::kSamplesWithoutImage);
    {
        StatementLease query = store.db().cached(schema::sql::kCountEntitiesAndBoxes);
        if (query->step()) {
            stats.entities = query->integer(0);
            stats.boxes = query->integer(1);
        }
    }
    stats.samplesBySplit = groupCounts(store, schema::sql::kSamplesBySplit, schema::kSplitNames);
    stats.samplesByReview = groupCounts(store, schema::sql::kSamplesByReview, schema::kReviewNames);
    stats.entitiesBySource = groupCounts(store, schema::sql::kEntitiesBySource, schema::kSourceNames);
    stats.samplesBySource = groupCounts(store, schema::sql::kSamplesBySource, schema::kSourceNames);
    StatementLease query = store.db().cached(schema::sql::kEntitiesPerSample);
    while (query->step()) stats.entitiesPerSample[query->integer(0)] = query->integer(1);
    if (stats.samples > 0) stats.meanEntitiesPerSample = double(stats.entities) / double(stats.samples);
    return stats;
}

namespace {

// Counts in the order of the names (the enum order), not alphabetical.
template <std::size_t N>
nlohmann::ordered_json ordered(const std::map<std::string, std::int64_t>& counts, const char* const (&names)[N]) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const char* name : names) out[name] = counts.count(name) ? counts.at(name) : 0;
    return out;
}

} // namespace

nlohmann::ordered_json toJson(const StoreStats& stats) {
    nlohmann::ordered_json perSample = nlohmann::ordered_json::object();
    for (const auto& [entities, samples] : stats.entitiesPerSample) perSample[std::to_string(entities)] = samples;
    return {{"schema_version", stats.schemaVersion},
            {"samples", stats.samples},
            {"images", stats.images},
            {"entities", stats.entities},
            {"boxes", stats.boxes},
            {"changes", stats.changes},
            {"samples_without_image", stats.samplesWithoutImage},
            {"samples_by_split", ordered(stats.samplesBySplit, schema::kSplitNames)},
            {"samples_by_review_state", ordered(stats.samplesByReview, schema::kReviewNames)},
            {"entities_by_source", ordered(stats.entitiesBySource, schema::kSourceNames)},
            {"samples_by_source", ordered(stats.samplesBySource, schema::kSourceNames)},
            {"entities_per_sample", {{"mean", stats.meanEntitiesPerSample}, {"histogram", perSample}}}};
}

std::string toText(const StoreStats& stats) {
    std::ostringstream out;
    out << "schema version " << stats.schemaVersion << "\n"
        << "samples " << stats.samples << ", images " << stats.images << ", entities " << stats.entities
        << ", boxes " << stats.boxes << ", changes " << stats.changes << "\n";
    const auto line = [&](const char* title, const nlohmann::ordered_json& counts) {
        out << title << ":";
        for (auto it = counts.begin(); it != counts.end(); ++it) out << " " << it.key() << " " << it.value();
        out << "\n";
    };
    line("split", ordered(stats.samplesBySplit, schema::kSplitNames));
    line("review", ordered(stats.samplesByReview, schema::kReviewNames));
    line("entities by source", ordered(stats.entitiesBySource, schema::kSourceNames));
    line("samples by source", ordered(stats.samplesBySource, schema::kSourceNames));
    out << "entities per sample: mean " << stats.meanEntitiesPerSample << "; histogram";
    for (const auto& [entities, samples] : stats.entitiesPerSample) out << " " << entities << ":" << samples;
    out << "\n";
    return out.str();
}

CheckReport checkStore(AnnotationStore& store, const CheckOptions& options) {
    CheckReport report;
    std::int64_t ignored = 0;
    try {
        Statement integrity(store.db().handle(), "PRAGMA integrity_check", store.path());
        while (integrity.step()) {
            if (integrity.text(0) != "ok") list(report.integrity, ignored, options.maxListed, integrity.text(0));
        }
        Statement keys(store.db().handle(), "PRAGMA foreign_key_check", store.path());
        while (keys.step()) {
            list(report.foreignKeys, ignored, options.maxListed,
                 keys.text(0) + " row " + keys.text(1) + " refers to a missing " + keys.text(2) + " row");
        }
    } catch (const Error& e) {
        // So damaged that SQLite's own checks stop: why is a finding ("damaged database file (reason)").
        const std::string what = e.what(), prefix = store.path() + ": ";
        report.integrity.push_back(what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
    }
    // Reading the tables of a damaged file fails part way or reads garbage: the images are not checked.
    report.imagesSkipped = !report.integrity.empty();
    if (report.imagesSkipped) return report;
    ReadSnapshot snapshot(store);
    {
        StatementLease images = store.db().cached(schema::sql::kAllImages);
        while (images->step()) {
            ++report.imagesChecked;
            const std::string path = images->text(1);
            struct stat info {};
            if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
                list(report.missingFiles, report.missingFileCount, options.maxListed, path);
                continue;
            }
            const bool sizeChanged = !images->isNull(3) && images->integer(3) != info.st_size;
            bool hashChanged = false;
            if (!sizeChanged && options.verifyHashes && !images->isNull(2)) {
                try {
                    hashChanged = sha256File(path) != images->text(2);
                } catch (const Error&) {
                    hashChanged = true;
                }
            }
            if (sizeChanged || hashChanged) {
                list(report.changedFiles, report.changedFileCount, options.maxListed,
                     path + (sizeChanged ? " (size changed)" : " (content changed)"));
            }
        }
    }
    {
        StatementLease orphans = store.db().cached(schema::sql::kOrphanImages);
        while (orphans->step()) list(report.orphanImages, report.orphanImageCount, options.maxListed, orphans->text(1));
    }
    StatementLease stale = store.db().cached(schema::sql::kStaleCounters);
    while (stale->step()) list(report.staleCounters, ignored, options.maxListed, "sample " + stale->text(1));
    return report;
}

nlohmann::ordered_json toJson(const CheckReport& report) {
    return {{"ok", report.ok()},
            {"integrity", report.integrity},
            {"images_skipped", report.imagesSkipped},
            {"foreign_keys", report.foreignKeys},
            {"images_checked", report.imagesChecked},
            {"missing_files", report.missingFileCount},
            {"missing_file_list", report.missingFiles},
            {"changed_files", report.changedFileCount},
            {"changed_file_list", report.changedFiles},
            {"orphan_images", report.orphanImageCount},
            {"orphan_image_list", report.orphanImages},
            {"stale_counters", report.staleCounters}};
}

} // namespace kosmos::store
