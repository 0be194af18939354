#pragma once
// Where imported GRIT records come from: a JSONL file, an img2dataset folder (NNNNN.jpg + NNNNN.json)
// or a webdataset .tar shard, behind one interface. Each source streams: it holds one record (and
// its image, for a shard) at a time.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "model/input_limits.h"

namespace kosmos::store {

// Image files a folder or shard pairs with a record, by extension (lower case, without the dot).
inline constexpr const char* kPairedImageExtensions[] = {"jpg", "jpeg", "png", "webp", "bmp", "tif",
                                                         "tiff", "ppm", "pgm", "pbm", "pnm"};

struct SourceLimits {
    std::size_t maxRecordBytes = limits::kMaxRecordBytes;       // one JSON record (a JSONL line, a .json file or member)
    std::size_t maxImageBytes = limits::kMaxShardImageBytes;    // one image member of a shard
    std::size_t maxTextBytes = limits::kMaxCaptionFileBytes;    // a .txt caption beside a record
};

struct SourceRecord {
    std::string file;            // the source (JSONL file, folder, shard), absolute: reports and provenance
    std::string location;        // "line 12", "00000/000000012.json", "member 000000012.json"
    std::string text;            // the JSON record
    std::string problem;         // set when the record could not be read; `text` is then empty
    std::string baseDir;         // a relative `image` field is relative to this folder
    std::string fallbackKey;     // the container's name for the sample (img2dataset key)
    bool pairedImageExpected = false;   // folder and shard: the image comes with the record
    std::string imagePath;       // folder: the image beside the record ("" when there is none)
    std::string imageMember;     // shard: the image member's name ("" when there is none)
    std::string imageBytes;      // shard: the image member's content
    std::string imageProblem;    // shard: why the image member could not be read
    std::optional<std::string> pairedCaption;   // the .txt beside the record, when there is one
};

class RecordSource {
public:
    virtual ~RecordSource() = default;
    // The next record; false at the end. Throws kosmos::Error when the source itself fails
    // (unreadable folder, truncated shard): records returned before stay valid.
    virtual bool next(SourceRecord& record) = 0;
    virtual std::uint64_t bytesDone() const = 0;
    virtual std::uint64_t bytesTotal() const = 0;   // 0 when unknown
};

enum class SourceKind { Jsonl, Folder, Tar };
SourceKind sourceKind(const std::string& path);   // folder, *.tar[.gz|.bz2|.xz|.zst] / *.tgz, else JSONL

// Throws kosmos::Error when the source cannot be opened.
std::unique_ptr<RecordSource> openRecordSource(const std::string& path, const SourceLimits& limits);
std::unique_ptr<RecordSource> openJsonlSource(const std::string& path, const SourceLimits& limits);
std::unique_ptr<RecordSource> openFolderSource(const std::string& path, const SourceLimits& limits);
std::unique_ptr<RecordSource> openTarSource(const std::string& path, const SourceLimits& limits);

// Absolute, lexically normal form of a path (no file system access beyond the current folder).
std::string absolutePath(const std::string& path);
// "16 MiB", "4096 bytes": a size limit in reports.
std::string describeBytes(std::uint64_t bytes);
// Reads a whole small file; false (with `problem` set) when missing, unreadable or over `maxBytes`.
bool readSmallFile(const std::string& path, std::size_t maxBytes, std::string& out, std::string& problem);

} // namespace kosmos::store
