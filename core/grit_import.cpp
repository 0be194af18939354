#include "core/grit_import.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unistd.h>

#include "core/change_log.h"
#include "core/grit_codec.h"
#include "core/image_probe.h"
#include "core/json_scan.h"
#include "core/sample_repository.h"
#include "core/sample_rows.h"
#include "core/sha256.h"
#include "core/store_schema.h"
#include "model/error.h"

namespace fs = std::filesystem;

namespace kosmos::store {

namespace {

using Clock = std::chrono::steady_clock;

RejectReason classify(const std::string& problem) {
    if (problem.rfind("invalid JSON", 0) == 0 || problem.rfind("JSON nested", 0) == 0 ||
        problem == "record is not a JSON object") {
        return RejectReason::InvalidJson;
    }
    if (problem.find("outside the caption") != std::string::npos) return RejectReason::SpanOutsideCaption;
    if (problem.find("outside [0,1]") != std::string::npos) return RejectReason::BoxOutOfRange;
    if (problem.find("inverted") != std::string::npos) return RejectReason::BoxInverted;
    return RejectReason::InvalidRecord;
}

std::string shardStem(const std::string& path) {
    std::string name = fs::path(path).filename().string();
    for (const char* suffix : {".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tgz", ".tar"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            return name.substr(0, name.size() - s.size());
        }
    }
    return name;
}

// Where a shard's images go below the media folder: its name and a digest of its path, so that shards of the
// same name in different folders (train/00000.tar, val/00000.tar) never share an image file.
std::string shardFolder(const std::string& shardPath) {
    return shardStem(shardPath) + "-" + sha256Hex(absolutePath(shardPath)).substr(0, 8);
}

// A member name made safe to use below a folder: no root, no "..", no empty parts.
fs::path safeRelative(const std::string& member) {
    fs::path out;
    for (const fs::path& part : fs::path(member)) {
        const std::string text = part.string();
        if (text.empty() || text == "." || text == ".." || text == "/") continue;
        out /= part;
    }
    return out.empty() ? fs::path("image") : out;
}

void writeFileAtomically(const fs::path& target, const std::string& bytes) {
    std::error_code error;
    fs::create_directories(target.parent_path(), error);
    if (error) throw Error(target.parent_path().string() + ": cannot create folder: " + error.message());
    const fs::path temporary = target.string() + ".part" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) throw Error(temporary.string() + ": cannot write image");
    }
    fs::rename(temporary, target, error);
    if (error) throw Error(target.string() + ": cannot write image: " + error.message());
}

class Importer {
public:
    Importer(AnnotationStore& store, ImportOptions options)
        : store_(store), options_(std::move(options)), start_(Clock::now()),
          mediaDir_(options_.mediaDir.empty() ? defaultMediaDir(store.path()) : options_.mediaDir) {
        options_.batchSize = std::max(1, options_.batchSize);
    }

    ImportSummary run(const std::vector<std::string>& sources) {
        for (const std::string& source : sources) {
            if (cancelled()) break;
            importSource(source);
        }
        summary_.cancelled = cancelled();
        summary_.seconds = elapsed();
        return summary_;
    }

private:
    bool cancelled() const { return options_.cancel && options_.cancel->load(); }
    double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

    void importSource(const std::string& path) {
        source_ = path;
        std::unique_ptr<RecordSource> records;
        try {
            records = openRecordSource(path, options_.limits);
        } catch (const Error& e) {
            sourceFailed(path, e.what());
            return;
        }
        SourceRecord record;
        std::int64_t seen = 0;
        bool complete = false;
        while (!cancelled()) {
            // A source that fails keeps what it gave; a store that cannot be written stops the
            // import (handle() throws, and the open batch rolls back: no record is stored in part).
            try {
                if (!records->next(record)) {
                    complete = true;
                    break;
                }
            } catch (const Error& e) {
                sourceFailed(path, e.what());
                break;
            }
            handle(record, path);
            if (++seen % 5000 == 0) progress(*records);
        }
        commit();
        progress(*records, complete);
    }

    void sourceFailed(const std::string& path, const std::string& message) {
        commit();
        ++summary_.sourcesFailed;
        // The reader's error names the file first; the issue names it already.
        const std::string named = path + ": ";
        reject(absolutePath(path), {}, RejectReason::SourceFailed,
               message.rfind(named, 0) == 0 ? message.substr(named.size()) : message);
    }

    void progress(const RecordSource& records, bool finished = false) {
        if (!options_.onProgress) return;
        ImportProgress p;
        p.source = source_;
        p.bytesDone = finished ? records.bytesTotal() : records.bytesDone();
        p.bytesTotal = records.bytesTotal();
        p.imported = summary_.imported;
        p.alreadyStored = summary_.alreadyStored;
        p.rejected = summary_.rejected;
        p.seconds = elapsed();
        options_.onProgress(p);
    }

    void reject(const std::string& file, const std::string& location, RejectReason reason, const std::string& message) {
        ++summary_.rejected;
        ++summary_.rejectedBy[reason];
        if (options_.onIssue) options_.onIssue(ImportIssue{file, location, reason, message});
    }

    void handle(SourceRecord& record, const std::string& sourcePath) {
        const auto bad = [&](RejectReason reason, const std::string& message) {
            reject(record.file, record.location, reason, message);
        };
        if (!record.problem.empty()) {
            const bool large = record.problem.find("larger than") != std::string::npos ||
                               record.problem.find("longer than") != std::string::npos;
            return bad(large ? RejectReason::TooLarge : RejectReason::InvalidRecord, record.problem);
        }
        Sample sample;
        std::optional<std::string> imageField;
        std::string problem = decodeGritText(record.text, sample, imageField, record.fallbackKey);
        if (problem == "missing 'caption'" && record.pairedCaption) {
            // img2dataset keeps the caption in the .txt beside the record. The record is parsed again as a
            // document; should that parser refuse what the scanner accepted, the record is refused here
            // rather than the discarded value throwing out of the import (found by fuzzing).
            GritJson json;
            problem = isValidUtf8Text(*record.pairedCaption) ? parseJsonRecord(record.text, json)
                                                              : "the caption file is not valid UTF-8";
            if (problem.empty() && json.is_object()) {
                json[grit::kCaption] = *record.pairedCaption;
                problem = decodeGrit(json, sample, imageField, record.fallbackKey);
            } else if (problem.empty()) {
                problem = "record is not a JSON object";
            }
        }
        if (!problem.empty()) return bad(classify(problem), problem);

        begin();
        {
            StatementLease find = store_.db().cached(schema::sql::kFindSampleByKey);
            find->bind(1, sample.key);
            if (find->step()) {
                if (find->text(1) == record.file && find->text(2) == record.location) {
                    ++summary_.alreadyStored;
                } else {
                    bad(RejectReason::DuplicateKey, "duplicate key '" + sample.key + "' (stored from " +
                                                        find->text(1) + " " + find->text(2) + ")");
                }
                return;
            }
        }
        RejectReason reason = RejectReason::MissingImage;
        if (std::string imageProblem = attachImage(record, imageField, sourcePath, sample, reason);
            !imageProblem.empty()) {
            return bad(reason, imageProblem);
        }
        sample.split = options_.split;
        sample.sourceFile = record.file;
        sample.sourceLocation = record.location;
        insertSampleRows(store_, sample, batchStartMs_);
        recordChange(store_, batchStartMs_, options_.actor, action::kImport, sample.id, sample.key, {});
        ++summary_.imported;
        batchIds_.push_back(sample.id);
        if (static_cast<int>(batchIds_.size()) >= options_.batchSize) commit();
    }

    std::string attachImage(const SourceRecord& record, const std::optional<std::string>& imageField,
                            const std::string& sourcePath, Sample& sample, RejectReason& reason) {
        reason = RejectReason::MissingImage;
        std::string path;
        if (!record.imageMember.empty()) {
            if (!record.imageProblem.empty()) {
                reason = RejectReason::TooLarge;
                return record.imageProblem;
            }
            return attachShardImage(record, sourcePath, sample, reason);
        }
        if (!record.imagePath.empty()) {
            path = record.imagePath;
        } else if (imageField) {
            path = absolutePath((fs::path(record.baseDir) / *imageField).string());
        } else if (record.pairedImageExpected) {
            return "no image with the record";
        } else {
            return {};   // published GRIT: an URL only
        }
        ImageInfo image;
        image.path = path;
        if (findImage(image)) {
            sample.image = image;
            return {};
        }
        ImageProbe probe;
        bool missing = false;
        if (std::string problem = probeImageFile(path, options_.hashImages, probe, image.contentHash, missing, scratch_);
            !problem.empty()) {
            reason = missing ? RejectReason::MissingImage : RejectReason::UnreadableImage;
            return problem;
        }
        fill(image, probe);
        findOrAddImage(store_, image);
        sample.image = image;
        return {};
    }

    std::string attachShardImage(const SourceRecord& record, const std::string& sourcePath, Sample& sample,
                                 RejectReason& reason) {
        if (mediaDir_.empty()) return "no media folder to hold the images of " + sourcePath;
        ImageInfo image;
        image.path = absolutePath((fs::path(mediaDir_) / shardFolder(sourcePath) / safeRelative(record.imageMember)).string());
        if (findImage(image)) {
            sample.image = image;
            return {};
        }
        ImageProbe probe;
        if (std::string problem = probeImageBytes(record.imageBytes, probe); !problem.empty()) {
            reason = RejectReason::UnreadableImage;
            return "unreadable image member " + record.imageMember + ": " + problem;
        }
        writeFileAtomically(image.path, record.imageBytes);
        fill(image, probe);
        if (options_.hashImages) image.contentHash = sha256Hex(record.imageBytes);
        findOrAddImage(store_, image);
        sample.image = image;
        return {};
    }

    static void fill(ImageInfo& image, const ImageProbe& probe) {
        image.byteSize = probe.byteSize;
        image.width = probe.width;
        image.height = probe.height;
        image.format = probe.format;
    }

    bool findImage(ImageInfo& image) {
        StatementLease find = store_.db().cached(schema::sql::kFindImageByPath);
        find->bind(1, image.path);
        if (!find->step()) return false;
        image.id = find->integer(0);
        return true;
    }

    void begin() {
        if (batch_) {
            // Keep the write lock short when a run skips many stored records.
            if (Clock::now() - batchStart_ < std::chrono::seconds(2)) return;
            commit();
        }
        batch_ = std::make_unique<Transaction>(store_);
        batchStart_ = Clock::now();
        batchStartMs_ = nowMs();
    }

    void commit() {
        if (!batch_) return;
        if (!batchIds_.empty()) {
            store_.queueEvent(ChangeEvent{ChangeEvent::Kind::Imported, batchIds_, options_.actor});
        }
        batch_->commit();
        batch_.reset();
        const bool stored = !batchIds_.empty();
        batchIds_.clear();
        if (stored && options_.onCommit) options_.onCommit(summary_.imported);
    }

    AnnotationStore& store_;
    ImportOptions options_;
    Clock::time_point start_;
    std::string mediaDir_;
    std::string source_;
    ImportSummary summary_;
    std::unique_ptr<Transaction> batch_;
    Clock::time_point batchStart_;
    std::int64_t batchStartMs_ = 0;
    std::vector<std::int64_t> batchIds_;
    std::string scratch_;   // image bytes, reused from record to record
};

} // namespace

const char* toString(RejectReason reason) {
    switch (reason) {
    case RejectReason::InvalidJson: return "invalid JSON";
    case RejectReason::InvalidRecord: return "invalid record";
    case RejectReason::SpanOutsideCaption: return "span outside the caption";
    case RejectReason::BoxOutOfRange: return "box outside [0,1]";
    case RejectReason::BoxInverted: return "inverted box";
    case RejectReason::MissingImage: return "missing image";
    case RejectReason::UnreadableImage: return "unreadable image";
    case RejectReason::DuplicateKey: return "duplicate key";
    case RejectReason::TooLarge: return "too large";
    case RejectReason::SourceFailed: return "source failed";
    }
    return "unknown";
}

std::string defaultMediaDir(const std::string& dbPath) {
    if (dbPath.empty() || dbPath == ":memory:") return {};
    return absolutePath(dbPath) + ".media";
}

ImportSummary importSources(AnnotationStore& store, const std::vector<std::string>& sources,
                            const ImportOptions& options) {
    Importer importer(store, options);
    return importer.run(sources);
}

} // namespace kosmos::store
