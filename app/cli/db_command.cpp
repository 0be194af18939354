// kosmos2 db import / export / stats / check: the annotation store from the command line.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "core/grit_import.h"
#include "core/store.h"
#include "core/store_export.h"
#include "core/store_stats.h"

namespace kosmos::cli {

namespace {

using namespace kosmos::store;

struct DbArgs {
    std::string db;
    bool json = false;
    // import
    std::vector<std::string> sources;
    std::string split = "train";
    int batch = 1000;
    std::string mediaDir;
    bool noHash = false;
    bool quiet = false;
    bool strict = false;
    // export
    std::string format;
    std::string out;
    std::string review;
    std::vector<std::string> entitySources;
    bool overwrite = false;
    // check
    bool verifyHashes = false;
};

// Statistics, checks and exports only read: they open the store read-only, so that a store on a read-only
// disk or in someone else's folder can still be read.
std::unique_ptr<AnnotationStore> openExisting(const std::string& path) {
    AnnotationStore::Options options;
    options.create = false;
    options.readOnly = true;
    return std::make_unique<AnnotationStore>(path, options);
}

Split splitOption(const std::string& name) {
    Split split{};
    if (!parseSplit(name, split)) throw CommandError{"unknown split '" + name + "' (train, validation, test)", 2};
    return split;
}

std::string where(const ImportIssue& issue) {
    return issue.location.empty() ? issue.file : issue.file + ": " + issue.location;
}

// One status line on a terminal (rewritten in place), a line every 5 s otherwise.
class ProgressLine {
public:
    explicit ProgressLine(bool quiet) : quiet_(quiet), tty_(::isatty(2) != 0) {}
    void show(const ImportProgress& p) {
        if (quiet_) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ < std::chrono::milliseconds(tty_ ? 250 : 5000)) return;
        last_ = now;
        char line[512];
        const double rate = p.seconds > 0 ? double(p.imported + p.alreadyStored + p.rejected) / p.seconds : 0;
        const std::filesystem::path source = std::filesystem::path(p.source).lexically_normal();
        std::string where = (source.has_filename() ? source : source.parent_path()).filename().string();
        if (p.bytesTotal > 0) {
            where += " " + std::to_string(static_cast<int>(100.0 * double(p.bytesDone) / double(p.bytesTotal))) + "%";
        }
        std::snprintf(line, sizeof line, "%s: imported %lld, already stored %lld, rejected %lld, %.0f records/s",
                      where.c_str(), static_cast<long long>(p.imported), static_cast<long long>(p.alreadyStored),
                      static_cast<long long>(p.rejected), rate);
        std::fprintf(stderr, tty_ ? "\r%s\033[K" : "%s\n", line);
        shown_ = tty_;
    }
    void clear() {
        if (shown_) std::fprintf(stderr, "\r\033[K");
        shown_ = false;
    }

private:
    bool quiet_;
    bool tty_;
    bool shown_ = false;
    std::chrono::steady_clock::time_point last_{};
};

// A folder of webdataset shards is read for .json records only: where one holds .tar files, say how to give them.
std::string shardHint(const std::vector<std::string>& sources) {
    for (const std::string& source : sources) {
        std::error_code error;
        if (!std::filesystem::is_directory(source, error)) continue;
        for (std::filesystem::directory_iterator it(source, error), end; !error && it != end; it.increment(error)) {
            if (it->path().filename().string().find(".tar") != std::string::npos)
                return " (" + source + " holds .tar shards: a folder is read for .json records; give the shards "
                       "themselves, e.g. " + (std::filesystem::path(source) / "*.tar").string() + ")";
        }
    }
    return {};
}

void runImport(const DbArgs& args) {
    ImportOptions options;
    options.split = splitOption(args.split);
    if (args.batch < 1) throw CommandError{"--batch must be at least 1", 2};
    options.batchSize = args.batch;
    options.mediaDir = args.mediaDir;
    options.hashImages = !args.noHash;
    std::error_code error;
    if (std::filesystem::exists(args.db, error) && ::access(args.db.c_str(), W_OK) != 0)
        throw CommandError{args.db + ": cannot import into it (" + std::strerror(errno) + ")"};
    // A mistyped source is named before a new store is created for nothing.
    for (const std::string& source : args.sources)
        if (!std::filesystem::exists(source, error)) throw CommandError{source + ": no such file or folder"};
    AnnotationStore store(args.db);
    ProgressLine progress(args.quiet || args.json);
    options.onProgress = [&](const ImportProgress& p) { progress.show(p); };
    options.onIssue = [&](const ImportIssue& issue) {
        progress.clear();
        std::fprintf(stderr, "rejected %s: %s\n", where(issue).c_str(), issue.message.c_str());
    };
    const ImportSummary summary = importSources(store, args.sources, options);
    progress.clear();
    if (args.json) {
        nlohmann::ordered_json reasons = nlohmann::ordered_json::object();
        for (const auto& [reason, count] : summary.rejectedBy) reasons[toString(reason)] = count;
        std::cout << jsonText(nlohmann::ordered_json{{"imported", summary.imported},
                                                     {"already_stored", summary.alreadyStored},
                                                     {"rejected", summary.rejected},
                                                     {"rejected_by_reason", reasons},
                                                     {"sources_failed", summary.sourcesFailed},
                                                     {"seconds", summary.seconds}})
                  << "\n";
    } else {
        std::cout << "imported " << summary.imported << ", already stored " << summary.alreadyStored << ", rejected "
                  << summary.rejected;
        const char* separator = " (";
        for (const auto& [reason, count] : summary.rejectedBy) {
            std::cout << separator << toString(reason) << " " << count;
            separator = ", ";
        }
        std::cout << (summary.rejectedBy.empty() ? "" : ")") << " in " << summary.seconds << " s"
                  << (summary.cancelled ? ", cancelled" : "") << "\n";
    }
    std::cout.flush();
    if (summary.sourcesFailed > 0) {
        throw CommandError{std::to_string(summary.sourcesFailed) + " source(s) could not be read completely"};
    }
    if (args.strict && summary.rejected > 0) {
        throw CommandError{std::to_string(summary.rejected) + " record(s) rejected"};
    }
    // Nothing usable at all is a mistake (the wrong file or folder), not a partial import.
    if (summary.imported == 0 && summary.alreadyStored == 0 && !summary.cancelled) {
        throw CommandError{summary.rejected > 0 ? "no record could be imported: every one of the " +
                                                      std::to_string(summary.rejected) + " read was rejected"
                                                : "the sources hold no GRIT records" + shardHint(args.sources)};
    }
}

void runExport(const DbArgs& args) {
    ExportFormat format{};
    if (!parseExportFormat(args.format, format))
        throw CommandError{"unknown format '" + args.format + "' (grit, odvg, coco)", 2};
    ExportFilter filter;
    if (!args.split.empty()) {
        filter.split = splitOption(args.split);
    }
    if (!args.review.empty()) {
        ReviewState review{};
        if (!parseReviewState(args.review, review))
            throw CommandError{"unknown review state '" + args.review +
                                   "' (unreviewed, corrected, accepted, rejected)", 2};
        filter.review = review;
    }
    for (const std::string& name : args.entitySources) {
        EntitySource source{};
        if (!parseEntitySource(name, source))
            throw CommandError{"unknown source '" + name + "' (imported, model, human)", 2};
        filter.sources.push_back(source);
    }
    std::error_code error;
    if (!args.overwrite && std::filesystem::exists(std::filesystem::symlink_status(args.out, error)))
        throw CommandError{args.out + " exists; --overwrite replaces it"};
    auto store = openExisting(args.db);
    const ExportSummary summary = exportStore(*store, format, args.out, filter);
    std::cout << "exported " << summary.samples << " samples, " << summary.entities << " entities, " << summary.boxes
              << " boxes to " << args.out;
    if (summary.skippedNoSize) std::cout << " (" << summary.skippedNoSize << " without an image size left out)";
    std::cout << "\n";
}

void runStats(const DbArgs& args) {
    auto store = openExisting(args.db);
    const StoreStats stats = computeStats(*store);
    std::cout << (args.json ? jsonText(toJson(stats)) + "\n" : toText(stats));
}

void runCheck(const DbArgs& args) {
    auto store = openExisting(args.db);
    CheckOptions options;
    options.verifyHashes = args.verifyHashes;
    const CheckReport report = checkStore(*store, options);
    if (args.json) {
        std::cout << jsonText(toJson(report)) << "\n";
    } else {
        std::cout << "integrity: " << (report.integrity.empty() ? "ok" : "DAMAGED") << "\n";
        for (std::string line : report.integrity) {
            for (std::size_t at = line.find('\n'); at != std::string::npos; at = line.find('\n', at + 3))
                line.replace(at, 1, "\n  ");
            std::cout << "  " << line << "\n";
        }
        for (const auto& line : report.foreignKeys) std::cout << "  foreign key: " << line << "\n";
        if (report.imagesSkipped)
            std::cout << "images not checked: the database file is damaged (sqlite3's .recover command may save "
                         "the rows it still holds into a new file)\n";
        else
            std::cout << "images checked " << report.imagesChecked << ", missing files " << report.missingFileCount
                      << ", changed files " << report.changedFileCount << ", unused images "
                      << report.orphanImageCount << "\n";
        for (const auto& path : report.missingFiles) std::cout << "  missing: " << path << "\n";
        for (const auto& path : report.changedFiles) std::cout << "  changed: " << path << "\n";
        for (const auto& path : report.orphanImages) std::cout << "  unused: " << path << "\n";
        for (const auto& line : report.staleCounters) std::cout << "  wrong entity count: " << line << "\n";
    }
    std::cout.flush();
    if (!report.ok()) throw CommandError{args.db + ": check found problems"};
}

} // namespace

void addDbCommand(CLI::App& app) {
    auto args = std::make_shared<DbArgs>();
    CLI::App* db = app.add_subcommand("db", "annotation store: import GRIT data, export, statistics, integrity check");
    db->require_subcommand(1);

    CLI::App* importCommand = db->add_subcommand("import", "import GRIT JSONL files, img2dataset folders and webdataset .tar shards");
    importCommand->add_option("--db", args->db, "database file (created when missing)")->required();
    importCommand->add_option("sources", args->sources, "JSONL files, folders, .tar shards")->required();
    importCommand->add_option("--split", args->split, "split of the imported samples: train, validation, test");
    importCommand->add_option("--batch", args->batch, "records per transaction (default 1000)");
    importCommand->add_option("--media-dir", args->mediaDir, "where images of shards are written (default DB.media)");
    importCommand->add_flag("--no-hash", args->noHash, "do not compute SHA-256 of image files");
    importCommand->add_flag("--quiet", args->quiet, "no progress line");
    importCommand->add_flag("--strict", args->strict, "exit with status 1 when a record is rejected");
    importCommand->add_flag("--json", args->json, "summary as one JSON line");
    importCommand->callback([args] { runImport(*args); });

    CLI::App* exportCommand = db->add_subcommand("export", "export to GRIT JSONL, ODVG JSONL or COCO JSON");
    exportCommand->add_option("--db", args->db, "database file")->required();
    exportCommand->add_option("--format", args->format, "grit, odvg or coco")->required();
    exportCommand->add_option("--out", args->out, "output file")->required();
    exportCommand->add_flag("--overwrite", args->overwrite, "Replace --out when it exists");
    exportCommand->add_option("--split", args->split, "only this split");
    exportCommand->add_option("--review", args->review, "only this review state");
    exportCommand->add_option("--source", args->entitySources, "entities of these sources: imported, model, human")
        ->delimiter(',');
    exportCommand->preparse_callback([args](std::size_t) { args->split.clear(); });
    exportCommand->callback([args] { runExport(*args); });

    CLI::App* stats = db->add_subcommand("stats", "counts per split, review state and source; entities per sample");
    stats->add_option("--db", args->db, "database file")->required();
    stats->add_flag("--json", args->json, "as JSON");
    stats->callback([args] { runStats(*args); });

    CLI::App* check = db->add_subcommand("check", "integrity check and files the store points at that are gone");
    check->add_option("--db", args->db, "database file")->required();
    check->add_flag("--json", args->json, "as JSON");
    check->add_flag("--verify-hashes", args->verifyHashes, "read every image and compare its content hash");
    check->callback([args] { runCheck(*args); });
}

} // namespace kosmos::cli
