#pragma once
// The history of every change to the store: who (a free-text actor: "import", "human:<user>",
// "model:<checkpoint>"), what (an action on a sample), when, and for edits the previous version.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store.h"

namespace kosmos::store {

namespace action {
inline constexpr const char* kImport = "import";
inline constexpr const char* kInsert = "insert";
inline constexpr const char* kUpdate = "update";
inline constexpr const char* kDelete = "delete";
inline constexpr const char* kReview = "review";
inline constexpr const char* kSplit = "split";
} // namespace action

struct ChangeRecord {
    std::int64_t id = 0;
    std::int64_t atMs = 0;
    std::string actor;
    std::string action;
    std::int64_t sampleId = 0;
    std::string sampleKey;
    std::string detail;        // JSON: the previous version for edits, the source for imports
};

// Appends one change (inside the caller's transaction); returns its id.
std::int64_t recordChange(AnnotationStore& store, std::int64_t atMs, const std::string& actor, const char* action,
                          std::int64_t sampleId, const std::string& sampleKey, const std::string& detail);

// Newest first, at most `limit`.
std::vector<ChangeRecord> sampleHistory(AnnotationStore& store, std::int64_t sampleId, int limit = 100);
// Changes after `afterId`, oldest first, at most `limit` (a poller keeps the last id it saw).
std::vector<ChangeRecord> changesSince(AnnotationStore& store, std::int64_t afterId, int limit = 1000);

} // namespace kosmos::store
