#pragma once
// Import of GRIT records into the store from JSONL files, img2dataset folders and webdataset shards.
// Streaming (one record in memory at a time), committed in batches (each batch one transaction),
// resumable: a record whose key is already stored from the same file and line/member is skipped, so
// re-running an interrupted import completes it. Bad records are reported and skipped; the rest is
// imported.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/record_source.h"
#include "core/sample.h"
#include "core/store.h"

namespace kosmos::store {

// Why a record was rejected.
enum class RejectReason {
    InvalidJson,          // not JSON, nested too deep, not an object
    InvalidRecord,        // missing key or caption, a field of the wrong type, a malformed entry
    SpanOutsideCaption,
    BoxOutOfRange,        // a coordinate outside [0,1]
    BoxInverted,          // x0 > x1 or y0 > y1
    MissingImage,
    UnreadableImage,
    DuplicateKey,         // the key is stored already, from another record
    TooLarge,             // record, caption or image over the limits
    SourceFailed,         // the file/folder/shard itself could not be read (further records lost)
};
const char* toString(RejectReason reason);

struct ImportIssue {
    std::string file;
    std::string location;      // "line 12", "member 000000012.json"; empty for a whole source
    RejectReason reason = RejectReason::InvalidRecord;
    std::string message;
};

struct ImportProgress {
    std::string source;
    std::uint64_t bytesDone = 0;       // of the current source
    std::uint64_t bytesTotal = 0;      // 0 when unknown
    std::int64_t imported = 0;
    std::int64_t alreadyStored = 0;
    std::int64_t rejected = 0;
    double seconds = 0;
};

struct ImportOptions {
    Split split = Split::Train;
    std::string actor = "import";
    int batchSize = 1000;                 // records per transaction
    std::string mediaDir;                 // where images of shards are written; "" = "<db>.media"
    bool hashImages = true;               // SHA-256 of each new image file
    SourceLimits limits;
    std::function<void(const ImportIssue&)> onIssue;
    std::function<void(const ImportProgress&)> onProgress;   // after each commit and each source
    std::function<void(std::int64_t committed)> onCommit;     // records stored so far, after a commit
    const std::atomic<bool>* cancel = nullptr;                // checked between records
};

struct ImportSummary {
    std::int64_t imported = 0;
    std::int64_t alreadyStored = 0;
    std::int64_t rejected = 0;
    std::map<RejectReason, std::int64_t> rejectedBy;
    std::int64_t sourcesFailed = 0;
    bool cancelled = false;
    double seconds = 0;
};

// Imports every source in order. A source that cannot be read (or breaks off) is reported
// (SourceFailed) and the next one is imported. Throws kosmos::Error when the store (or the media
// folder) cannot be written: the batches committed before stay, the open one is rolled back.
ImportSummary importSources(AnnotationStore& store, const std::vector<std::string>& sources,
                            const ImportOptions& options);

// The folder that receives images of shards for a store at `dbPath`.
std::string defaultMediaDir(const std::string& dbPath);

} // namespace kosmos::store
