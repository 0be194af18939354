#pragma once
// What training and evaluation read: one image with its caption and grounded phrases, taken from a GRIT
// JSONL file (published fields + the `image` path relative to the file) or from the annotation store.
// Reading is lenient per entity and strict per record: an entity whose span or box is unusable is
// dropped with a note, a record left without any box is skipped with the reason; both name the
// file and line (or the store sample).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/grounding.h"

namespace kosmos::training {

// One phrase of the caption and its boxes (GRIT entries with the same span are one phrase).
struct GroundedPhrase {
    int spanStart = 0;             // code points into the caption, end exclusive
    int spanEnd = 0;
    std::string text;              // the caption's text of the span
    std::vector<Box> boxes;        // each with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
};

struct GroundedRecord {
    std::string key;
    std::string imagePath;         // as usable from the current directory
    std::string caption;
    std::vector<GroundedPhrase> nounChunks;   // by span start, spans not overlapping
    std::vector<GroundedPhrase> refExps;      // GRIT ref_exps; the noun chunks when the record has none
    std::string location;          // "FILE line N" / "DB sample ID", for messages
};

// Counts and messages of one read. Messages are kept up to kMaxMessages; `onMessage` sees all of them.
struct ReadReport {
    static constexpr std::size_t kMaxMessages = 1000;
    std::size_t records = 0;       // records seen
    std::size_t kept = 0;
    std::size_t skipped = 0;
    std::size_t droppedEntities = 0;
    std::vector<std::string> messages;
    std::function<void(const std::string&)> onMessage;
    void note(const std::string& message);
};

struct JsonlReadOptions {
    std::size_t limit = 0;                     // keep at most this many records (0: all)
    std::size_t maxLineBytes = 16u << 20;      // longer lines are skipped
    std::size_t maxRecords = 50'000'000;       // a bound on what is held in memory
    bool requireImage = true;                  // skip records whose image file does not exist
};

// Reads a GRIT JSONL file. Throws kosmos::Error when the file cannot be opened or read.
std::vector<GroundedRecord> readGritJsonl(const std::string& path, ReadReport& report,
                                          const JsonlReadOptions& options = {});

// One GRIT JSON object -> record (no image check). `baseDir` resolves a relative `image`. Returns
// nothing with `problem` set when the record cannot be used; dropped entities are noted in `notes`.
// "" when `path` is a regular file; else why a record naming it as its image is skipped.
std::string imageFileProblem(const std::string& path);

std::optional<GroundedRecord> parseGritRecord(const std::string& jsonText, const std::string& baseDir,
                                              const std::string& location, std::string& problem,
                                              std::vector<std::string>& notes);

// The annotation store as a source: samples matching the filters, with their effective entities
// (a person's correction replaces the model's and the imported boxes). Rejected samples are left out
// unless `review` asks for them.
struct StoreQuery {
    std::string dbPath;
    std::optional<std::string> split;    // "train", "validation", "test"
    std::optional<std::string> review;   // "unreviewed", "corrected", "accepted", "rejected"
    std::optional<std::string> source;   // samples with an entity of this source: "imported", "model", "human"
    std::size_t limit = 0;
    bool requireImage = true;
};
std::vector<GroundedRecord> readStoreRecords(const StoreQuery& query, ReadReport& report);

// Groups GRIT entries (one per box) into phrases, drops invalid spans/boxes and overlapping spans.
// Public for the store reader and the tests. `caption` must be valid UTF-8.
struct RawEntry {
    std::int64_t start = 0, end = 0;
    Box box{};
};
std::vector<GroundedPhrase> groupEntries(const std::string& caption, const std::vector<RawEntry>& entries,
                                         const std::string& listName, std::vector<std::string>& notes,
                                         bool allowOverlap);

// "" when the box can be written as patch indices (finite, inside [0,1], x0 < x1, y0 < y1), else why not.
std::string trainingBoxProblem(const Box& box);

} // namespace kosmos::training
