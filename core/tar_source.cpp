// webdataset .tar shards (img2dataset's "webdataset" output) read with libarchive: the members of
// one sample are adjacent and share a key (the member path up to the first dot of its file name):
// 000000012.jpg, 000000012.json, 000000012.txt.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iterator>
#include <optional>
#include <vector>

#include "core/record_source.h"
#include "model/error.h"

namespace kosmos::store {

namespace {

struct Member {
    std::string name;
    std::string key;
    std::string extension;   // lower case, after the first dot: "jpg", "json", "txt"
    std::string data;
    std::string problem;
};

bool isImageExtension(const std::string& extension) {
    return std::any_of(std::begin(kPairedImageExtensions), std::end(kPairedImageExtensions),
                       [&](const char* known) { return extension == known; });
}

class TarSource : public RecordSource {
public:
    TarSource(const std::string& path, const SourceLimits& limits)
        : file_(absolutePath(path)), limits_(limits), archive_(archive_read_new()) {
        std::error_code error;
        total_ = std::filesystem::file_size(path, error);
        if (error) throw Error(path + ": cannot open: " + error.message());
        // The compressions of the shard names accepted (sourceKind); no filter runs another program.
        archive_read_support_filter_gzip(archive_);
        archive_read_support_filter_bzip2(archive_);
        archive_read_support_filter_xz(archive_);
        archive_read_support_filter_zstd(archive_);
        archive_read_support_format_tar(archive_);
        if (archive_read_open_filename(archive_, path.c_str(), 1 << 16) != ARCHIVE_OK) {
            const std::string message = archive_error_string(archive_) ? archive_error_string(archive_) : "unknown";
            archive_read_free(archive_);
            throw Error(path + ": cannot open as a tar shard: " + message);
        }
    }
    ~TarSource() override { archive_read_free(archive_); }

    bool next(SourceRecord& record) override {
        std::vector<Member> group;
        if (pending_) {
            group.push_back(std::move(*pending_));
            pending_.reset();
        }
        while (!finished_) {
            Member member;
            if (!readMember(member)) {
                finished_ = true;
                break;
            }
            if (!group.empty() && member.key != group.front().key) {
                pending_ = std::move(member);
                break;
            }
            group.push_back(std::move(member));
        }
        if (group.empty()) return false;
        makeRecord(group, record);
        return true;
    }
    std::uint64_t bytesDone() const override {
        return static_cast<std::uint64_t>(archive_filter_bytes(archive_, -1));
    }
    std::uint64_t bytesTotal() const override { return total_; }

private:
    std::string errorText() const {
        const char* message = archive_error_string(archive_);
        return message ? message : "unknown error";
    }

    // Next regular-file member with its data (bounded); false at the end.
    bool readMember(Member& member) {
        archive_entry* entry = nullptr;
        int retries = 0;
        while (true) {
            const int rc = archive_read_next_header(archive_, &entry);
            if (rc == ARCHIVE_EOF) return false;
            if (rc == ARCHIVE_FATAL || (rc == ARCHIVE_RETRY && ++retries > 16)) {
                throw Error(file_ + ": damaged shard after " + std::to_string(bytesDone()) + " bytes: " + errorText());
            }
            if (rc == ARCHIVE_RETRY) continue;
            if (archive_entry_filetype(entry) == AE_IFREG) break;
        }
        const char* path = archive_entry_pathname(entry);
        member.name = path ? path : "";
        const std::size_t slash = member.name.rfind('/');
        const std::size_t dot = member.name.find('.', slash == std::string::npos ? 0 : slash + 1);
        member.key = member.name.substr(0, dot);
        member.extension = dot == std::string::npos ? std::string() : member.name.substr(dot + 1);
        for (char& c : member.extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const bool isJson = member.extension == "json";
        const bool wanted = isJson || member.extension == "txt" || isImageExtension(member.extension);
        const std::size_t limit = isJson ? limits_.maxRecordBytes
                                  : member.extension == "txt" ? limits_.maxTextBytes : limits_.maxImageBytes;
        const la_int64_t size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
        if (!wanted || size < 0 || static_cast<std::uint64_t>(size) > limit) {
            if (wanted) member.problem = "member " + member.name + " larger than " + describeBytes(limit);
            skipData();
            return true;
        }
        // Read in chunks: a hostile header's size is not trusted for an allocation.
        char chunk[1 << 16];
        retries = 0;
        while (true) {
            const la_ssize_t n = archive_read_data(archive_, chunk, sizeof chunk);
            if (n == 0) break;
            if (n < 0) {
                if (n == ARCHIVE_FATAL || ++retries > 16) {
                    throw Error(file_ + ": damaged member " + member.name + ": " + errorText());
                }
                continue;
            }
            if (member.data.size() + static_cast<std::size_t>(n) > limit) {
                member.data.clear();
                member.problem = "member " + member.name + " larger than " + describeBytes(limit);
                skipData();
                return true;
            }
            member.data.append(chunk, static_cast<std::size_t>(n));
        }
        if (member.data.size() != static_cast<std::size_t>(size)) throw Error(file_ + ": truncated member " + member.name);
        return true;
    }

    void skipData() {
        if (archive_read_data_skip(archive_) == ARCHIVE_FATAL) throw Error(file_ + ": damaged shard: " + errorText());
    }

    void makeRecord(std::vector<Member>& group, SourceRecord& record) {
        record = SourceRecord{};
        record.file = file_;
        record.baseDir = std::filesystem::path(file_).parent_path().string();
        record.fallbackKey = std::filesystem::path(group.front().key).filename().string();
        record.pairedImageExpected = true;
        record.location = "member " + group.front().key + ".json";
        bool haveJson = false;
        for (Member& member : group) {
            if (member.extension == "json" && !haveJson) {
                haveJson = true;
                record.location = "member " + member.name;
                if (!member.problem.empty()) {
                    record.problem = member.problem;
                } else {
                    record.text = std::move(member.data);
                }
            } else if (isImageExtension(member.extension) && record.imageMember.empty()) {
                record.imageMember = member.name;
                record.imageBytes = std::move(member.data);
                record.imageProblem = member.problem;
            } else if (member.extension == "txt" && member.problem.empty()) {
                record.pairedCaption = std::move(member.data);
            }
        }
        if (!haveJson) record.problem = "no .json member for sample " + group.front().key;
    }

    std::string file_;
    SourceLimits limits_;
    archive* archive_;
    std::uint64_t total_ = 0;
    std::optional<Member> pending_;
    bool finished_ = false;
};

} // namespace

std::unique_ptr<RecordSource> openTarSource(const std::string& path, const SourceLimits& limits) {
    return std::make_unique<TarSource>(path, limits);
}

} // namespace kosmos::store
