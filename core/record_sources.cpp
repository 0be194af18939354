// JSONL and img2dataset-folder record sources (record_source.h); shards are in tar_source.cpp.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>

#include "core/line_reader.h"
#include "core/record_source.h"
#include "model/error.h"

namespace fs = std::filesystem;

namespace kosmos::store {

namespace {

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// ".jpg" ... in lower case, ".gif" (found, then refused by name when probed), then the upper-case spellings.
const std::vector<std::string>& imageExtensionsToTry() {
    static const std::vector<std::string> extensions = [] {
        std::vector<std::string> out;
        for (const char* e : kPairedImageExtensions) out.push_back(std::string(".") + e);
        out.push_back(".gif");
        for (const char* e : kPairedImageExtensions) {
            std::string upper = std::string(".") + e;
            for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            out.push_back(upper);
        }
        return out;
    }();
    return extensions;
}

class JsonlSource : public RecordSource {
public:
    JsonlSource(const std::string& path, const SourceLimits& limits)
        : file_(absolutePath(path)), baseDir_(fs::path(file_).parent_path().string()),
          reader_(path, limits.maxRecordBytes), limit_(limits.maxRecordBytes) {}

    bool next(SourceRecord& record) override {
        while (true) {
            const LineReader::Status status = reader_.next(line_);
            if (status == LineReader::Status::End) return false;
            if (status == LineReader::Status::Line && line_.find_first_not_of(" \t\r") == std::string::npos) {
                continue;   // blank lines separate nothing in JSONL
            }
            record = SourceRecord{};
            record.file = file_;
            record.location = "line " + std::to_string(reader_.lineNumber());
            record.baseDir = baseDir_;
            if (status == LineReader::Status::TooLong) {
                record.problem = "record longer than " + describeBytes(limit_);
            } else {
                record.text.swap(line_);
            }
            return true;
        }
    }
    std::uint64_t bytesDone() const override { return reader_.bytesRead(); }
    std::uint64_t bytesTotal() const override { return reader_.size(); }

private:
    std::string file_;
    std::string baseDir_;
    LineReader reader_;
    std::size_t limit_;
    std::string line_;
};

// img2dataset "files" output: <root>/<shard>/<key>.json beside <key>.jpg (and <key>.txt); the
// shard summaries <shard>_stats.json are not records. Each folder is read in name order, so that an import
// gives the same samples in the same order on every machine (the first of two duplicates is the one kept).
class FolderSource : public RecordSource {
public:
    FolderSource(const std::string& path, const SourceLimits& limits) : root_(absolutePath(path)), limits_(limits) {
        std::error_code error;
        if (!fs::is_directory(root_, error)) throw Error(path + ": not a folder");
        if (std::string problem = enterFolder(root_); !problem.empty()) throw Error(path + ": " + problem);
    }

    bool next(SourceRecord& record) override {
        while (!open_.empty()) {
            Folder& folder = open_.back();
            if (folder.next == folder.entries.size()) {
                open_.pop_back();
                continue;
            }
            const Entry entry = folder.entries[folder.next++];
            const fs::path path = folder.path / entry.name;
            if (entry.isFolder) {
                if (std::string problem = enterFolder(path); !problem.empty()) {
                    // A shard folder that cannot be read is a rejected record, not a silent gap in the data.
                    unreadable(path.lexically_relative(root_).string() + "/", std::move(problem), record);
                    return true;
                }
                continue;
            }
            std::error_code error;
            if (endsWith(entry.name, "_stats.json")) continue;
            if (!fs::is_regular_file(path, error)) {
                if (!fs::is_symlink(path, error) || fs::exists(path, error)) continue;   // a device, a socket
                unreadable(path.lexically_relative(root_).string(), "a link to a file that does not exist", record);
                return true;
            }
            makeRecord(path, record);
            return true;
        }
        return false;
    }
    std::uint64_t bytesDone() const override { return bytes_; }
    std::uint64_t bytesTotal() const override { return 0; }

private:
    void makeRecord(const fs::path& json, SourceRecord& record) {
        record = SourceRecord{};
        record.file = root_;
        record.location = json.lexically_relative(root_).string();
        record.baseDir = json.parent_path().string();
        record.fallbackKey = json.stem().string();
        record.pairedImageExpected = true;
        if (readSmallFile(json.string(), limits_.maxRecordBytes, record.text, record.problem)) {
            bytes_ += record.text.size();
        }
        fs::path base = json;
        for (const std::string& extension : imageExtensionsToTry()) {
            std::error_code error;
            base.replace_extension(extension);
            if (fs::is_regular_file(base, error)) {
                record.imagePath = base.string();
                break;
            }
        }
        base.replace_extension(".txt");
        std::string caption;
        std::string ignored;
        std::error_code error;
        if (fs::is_regular_file(base, error) && readSmallFile(base.string(), limits_.maxTextBytes, caption, ignored)) {
            record.pairedCaption = std::move(caption);
        }
    }

    struct Entry {
        std::string name;
        bool isFolder = false;   // a folder or a link to one
    };
    struct Folder {
        fs::path path;
        std::vector<Entry> entries;   // sorted by name
        std::size_t next = 0;
    };

    // A record standing for something below the root that could not be read: rejected, with its reason.
    void unreadable(std::string location, std::string problem, SourceRecord& record) const {
        record = SourceRecord{};
        record.file = root_;
        record.location = std::move(location);
        record.problem = std::move(problem);
    }

    // Lists a folder into open_, or says why it cannot be read. Links to folders are followed; a folder already
    // being read (a link loop) or read before (two links to one shard) is not read again.
    std::string enterFolder(const fs::path& path) {
        std::error_code error;
        const fs::path identity = fs::canonical(path, error);
        if (error) return "cannot read the folder: " + error.message();
        if (!entered_.insert(identity.string()).second) return {};
        fs::directory_iterator it(path, error);
        Folder folder{path, {}, 0};
        for (; !error && it != fs::directory_iterator(); it.increment(error)) {
            std::error_code typeError;
            const bool isFolder = it->is_directory(typeError);
            std::string name = it->path().filename().string();
            // Only what can be a record is kept: a shard's images and captions would triple the listing.
            if (isFolder || endsWith(lower(name), ".json")) folder.entries.push_back({std::move(name), isFolder});
        }
        if (error) return "cannot list: " + error.message();
        std::sort(folder.entries.begin(), folder.entries.end(),
                  [](const Entry& a, const Entry& b) { return a.name < b.name; });
        open_.push_back(std::move(folder));
        return {};
    }

    std::string root_;
    SourceLimits limits_;
    std::vector<Folder> open_;   // the folders being read, outermost first
    std::set<std::string> entered_;   // canonical paths of the folders read
    std::uint64_t bytes_ = 0;
};

} // namespace

std::string describeBytes(std::uint64_t bytes) {
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

std::string absolutePath(const std::string& path) {
    std::error_code error;
    fs::path absolute = fs::absolute(path, error);
    if (error) absolute = path;
    return absolute.lexically_normal().string();
}

bool readSmallFile(const std::string& path, std::size_t maxBytes, std::string& out, std::string& problem) {
    out.clear();
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) {
        problem = "cannot open " + path + ": " + std::strerror(errno);
        return false;
    }
    char buffer[1 << 16];
    std::size_t n = 0;
    bool tooLarge = false;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
        if (out.size() + n > maxBytes) {
            tooLarge = true;
            break;
        }
        out.append(buffer, n);
    }
    const bool failed = std::ferror(file) != 0;
    std::fclose(file);
    if (tooLarge || failed) {
        out.clear();
        problem = tooLarge ? "file larger than " + describeBytes(maxBytes) : "read error in " + path;
        return false;
    }
    return true;
}

SourceKind sourceKind(const std::string& path) {
    std::error_code error;
    if (fs::is_directory(path, error)) return SourceKind::Folder;
    const std::string name = lower(fs::path(path).filename().string());
    for (const char* suffix : {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst"}) {
        if (endsWith(name, suffix)) return SourceKind::Tar;
    }
    return SourceKind::Jsonl;
}

std::unique_ptr<RecordSource> openJsonlSource(const std::string& path, const SourceLimits& limits) {
    return std::make_unique<JsonlSource>(path, limits);
}

std::unique_ptr<RecordSource> openFolderSource(const std::string& path, const SourceLimits& limits) {
    return std::make_unique<FolderSource>(path, limits);
}

std::unique_ptr<RecordSource> openRecordSource(const std::string& path, const SourceLimits& limits) {
    switch (sourceKind(path)) {
    case SourceKind::Folder: return openFolderSource(path, limits);
    case SourceKind::Tar: return openTarSource(path, limits);
    case SourceKind::Jsonl: break;
    }
    return openJsonlSource(path, limits);
}

} // namespace kosmos::store
