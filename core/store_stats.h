#pragma once
// `kosmos2 db stats` and `kosmos2 db check`: counts of a store, and its integrity.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store.h"

namespace kosmos::store {

struct StoreStats {
    int schemaVersion = 0;
    std::int64_t samples = 0;
    std::int64_t images = 0;
    std::int64_t entities = 0;
    std::int64_t boxes = 0;
    std::int64_t changes = 0;
    std::int64_t samplesWithoutImage = 0;
    std::map<std::string, std::int64_t> samplesBySplit;      // every split, zeros included
    std::map<std::string, std::int64_t> samplesByReview;     // every review state
    std::map<std::string, std::int64_t> entitiesBySource;    // every source
    std::map<std::string, std::int64_t> samplesBySource;     // samples with an entity of the source
    std::map<std::int64_t, std::int64_t> entitiesPerSample;  // entity count -> samples
    double meanEntitiesPerSample = 0;
};

StoreStats computeStats(AnnotationStore& store);
nlohmann::ordered_json toJson(const StoreStats& stats);
std::string toText(const StoreStats& stats);

struct CheckOptions {
    bool verifyHashes = false;     // read every image and compare its SHA-256
    std::size_t maxListed = 50;    // problems listed per kind (all are counted)
};

struct CheckReport {
    std::vector<std::string> integrity;          // PRAGMA integrity_check lines other than "ok"
    std::vector<std::string> foreignKeys;        // PRAGMA foreign_key_check rows
    std::vector<std::string> missingFiles;       // image rows whose file is gone
    std::vector<std::string> changedFiles;       // size (or hash) differs from the stored one
    std::vector<std::string> orphanImages;       // image rows no sample uses
    std::vector<std::string> staleCounters;      // samples whose entity count is wrong
    std::int64_t missingFileCount = 0;
    std::int64_t changedFileCount = 0;
    std::int64_t orphanImageCount = 0;
    std::int64_t imagesChecked = 0;
    bool imagesSkipped = false;                   // the database is damaged: its image rows were not read
    // Orphan images are reported but are not damage.
    bool ok() const {
        return integrity.empty() && foreignKeys.empty() && missingFileCount == 0 && changedFileCount == 0 &&
               staleCounters.empty();
    }
};

CheckReport checkStore(AnnotationStore& store, const CheckOptions& options = {});
nlohmann::ordered_json toJson(const CheckReport& report);

} // namespace kosmos::store
