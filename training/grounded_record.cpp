#include "training/grounded_record.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/grit_codec.h"
#include "core/line_reader.h"
#include "core/sample.h"
#include "model/error.h"

namespace kosmos::training {
namespace {

namespace fs = std::filesystem;
using store::GritJson;

std::string boxText(const Box& b) {
    char buffer[128];
    std::snprintf(buffer, sizeof buffer, "[%g, %g, %g, %g]", b[0], b[1], b[2], b[3]);
    return buffer;
}

bool integral(const GritJson& value, std::int64_t& out) {
    if (value.is_number_integer()) {
        out = value.get<std::int64_t>();
        return true;
    }
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
            out = static_cast<std::int64_t>(d);
            return true;
        }
    }
    return false;
}

// GRIT entries [start, end, x0, y0, x1, y1, confidence]; malformed entries are noted and skipped.
std::vector<RawEntry> readEntries(const GritJson& list, const std::string& name, std::vector<std::string>& notes) {
    std::vector<RawEntry> out;
    if (!list.is_array()) {
        notes.push_back("'" + name + "' is not a list");
        return out;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        const GritJson& entry = list[i];
        const std::string where = name + "[" + std::to_string(i) + "]";
        if (!entry.is_array() || entry.size() < 6) {
            notes.push_back(where + ": not a list [start, end, x0, y0, x1, y1, ...]");
            continue;
        }
        RawEntry raw;
        if (!integral(entry[0], raw.start) || !integral(entry[1], raw.end)) {
            notes.push_back(where + ": span start and end must be integers");
            continue;
        }
        bool numbers = true;
        for (int k = 0; k < 4; ++k) {
            if (!entry[2 + k].is_number()) numbers = false;
            else raw.box[k] = entry[2 + k].get<double>();
        }
        if (!numbers) {
            notes.push_back(where + ": box coordinates must be numbers");
            continue;
        }
        out.push_back(raw);
    }
    return out;
}

std::string resolveImage(const std::string& field, const std::string& baseDir) {
    fs::path path(field);
    if (path.is_relative() && !baseDir.empty()) path = fs::path(baseDir) / path;
    return path.lexically_normal().string();
}

} // namespace

std::string imageFileProblem(const std::string& path) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return {};
    return "image '" + path + (fs::exists(path, ec) ? "' is not a file" : "' does not exist");
}

void ReadReport::note(const std::string& message) {
    if (messages.size() < kMaxMessages) messages.push_back(message);
    if (onMessage) onMessage(message);
}

std::string trainingBoxProblem(const Box& b) {
    for (double v : b)
        if (!std::isfinite(v) || v < 0.0 || v > 1.0) return "box " + boxText(b) + " outside [0,1]";
    if (!(b[0] < b[2]) || !(b[1] < b[3])) return "box " + boxText(b) + " is empty or inverted";
    return {};
}

std::vector<GroundedPhrase> groupEntries(const std::string& caption, const std::vector<RawEntry>& entries,
                                         const std::string& listName, std::vector<std::string>& notes,
                                         bool allowOverlap) {
    const std::int64_t length = store::utf8Length(caption);
    std::vector<GroundedPhrase> phrases;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const RawEntry& e = entries[i];
        const std::string where = listName + "[" + std::to_string(i) + "]";
        if (e.start < 0 || e.end <= e.start || e.end > length) {
            notes.push_back(where + ": span [" + std::to_string(e.start) + ", " + std::to_string(e.end) +
                            ") outside the caption (" + std::to_string(length) + " characters)");
            continue;
        }
        if (std::string problem = trainingBoxProblem(e.box); !problem.empty()) {
            notes.push_back(where + ": " + problem);
            continue;
        }
        auto same = std::find_if(phrases.begin(), phrases.end(), [&](const GroundedPhrase& p) {
            return p.spanStart == e.start && p.spanEnd == e.end;
        });
        if (same != phrases.end()) {
            same->boxes.push_back(e.box);
            continue;
        }
        GroundedPhrase phrase;
        phrase.spanStart = static_cast<int>(e.start);
        phrase.spanEnd = static_cast<int>(e.end);
        phrase.text = store::utf8Slice(caption, e.start, e.end);
        phrase.boxes.push_back(e.box);
        phrases.push_back(std::move(phrase));
    }
    std::stable_sort(phrases.begin(), phrases.end(),
                     [](const GroundedPhrase& a, const GroundedPhrase& b) { return a.spanStart < b.spanStart; });
    if (allowOverlap) return phrases;
    // Tags cannot nest in a caption: of overlapping spans the first one stays.
    std::vector<GroundedPhrase> kept;
    for (auto& phrase : phrases) {
        if (!kept.empty() && phrase.spanStart < kept.back().spanEnd) {
            notes.push_back(listName + ": span [" + std::to_string(phrase.spanStart) + ", " +
                            std::to_string(phrase.spanEnd) + ") overlaps another and is left out");
            continue;
        }
        kept.push_back(std::move(phrase));
    }
    return kept;
}

std::optional<GroundedRecord> parseGritRecord(const std::string& jsonText, const std::string& baseDir,
                                              const std::string& location, std::string& problem,
                                              std::vector<std::string>& notes) {
    GritJson root;
    if (std::string error = store::parseJsonRecord(jsonText, root); !error.empty()) {
        problem = error;
        return std::nullopt;
    }
    if (!root.is_object()) {
        problem = "record is not a JSON object";
        return std::nullopt;
    }
    GroundedRecord record;
    record.location = location;
    auto caption = root.find("caption");
    if (caption == root.end() || !caption->is_string()) {
        problem = "missing or non-string 'caption'";
        return std::nullopt;
    }
    record.caption = caption->get<std::string>();
    if (auto key = root.find("key"); key != root.end() && key->is_string()) record.key = key->get<std::string>();
    if (record.key.empty()) record.key = location;
    auto image = root.find("image");
    if (image == root.end() || !image->is_string() || image->get<std::string>().empty()) {
        problem = "no 'image' field (the image's path relative to the JSONL file)";
        return std::nullopt;
    }
    record.imagePath = resolveImage(image->get<std::string>(), baseDir);

    std::vector<RawEntry> nouns, refs;
    if (auto it = root.find("noun_chunks"); it != root.end() && !it->is_null()) nouns = readEntries(*it, "noun_chunks", notes);
    if (auto it = root.find("ref_exps"); it != root.end() && !it->is_null()) refs = readEntries(*it, "ref_exps", notes);
    record.nounChunks = groupEntries(record.caption, nouns, "noun_chunks", notes, false);
    record.refExps = groupEntries(record.caption, refs, "ref_exps", notes, true);
    if (record.refExps.empty()) record.refExps = record.nounChunks;
    if (record.nounChunks.empty() && record.refExps.empty()) {
        problem = "no usable box (every entity was invalid or there were none)";
        return std::nullopt;
    }
    return record;
}

std::vector<GroundedRecord> readGritJsonl(const std::string& path, ReadReport& report, const JsonlReadOptions& options) {
    store::LineReader reader(path, options.maxLineBytes);
    std::error_code ec;
    const std::string baseDir = fs::absolute(fs::path(path), ec).parent_path().string();
    std::vector<GroundedRecord> records;
    std::string line;
    for (;;) {
        const auto status = reader.next(line);
        if (status == store::LineReader::Status::End) break;
        const std::string location = path + " line " + std::to_string(reader.lineNumber());
        if (status == store::LineReader::Status::TooLong) {
            ++report.records;
            ++report.skipped;
            report.note(location + ": skipped, longer than " + std::to_string(options.maxLineBytes) + " bytes");
            continue;
        }
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        ++report.records;
        std::string problem;
        std::vector<std::string> notes;
        std::optional<GroundedRecord> record = parseGritRecord(line, baseDir, location, problem, notes);
        for (const auto& n : notes) {
            ++report.droppedEntities;
            report.note(location + ": " + n + " (entity left out)");
        }
        if (record && options.requireImage) {
            problem = imageFileProblem(record->imagePath);
            if (!problem.empty()) record.reset();
        }
        if (!record) {
            ++report.skipped;
            report.note(location + ": skipped, " + problem);
            continue;
        }
        if (records.size() >= options.maxRecords)
            throw Error(path + ": more than " + std::to_string(options.maxRecords) + " records");
        records.push_back(std::move(*record));
        ++report.kept;
        if (options.limit && records.size() >= options.limit) break;
    }
    return records;
}

} // namespace kosmos::training
