#pragma once
// Helpers shared by the annotation store's tests: files, GRIT lines, tar shards, the sample images.
#include <archive.h>
#include <archive_entry.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace store_test {

inline const std::string kSamplesDir = KOSMOS_DATASETS_DIR "/samples/grit-mini";

inline std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void writeFile(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string samplePng() { return readFile(kSamplesDir + "/images/shapes_0.png"); }   // 40 x 30
inline std::string sampleJpeg() { return readFile(kSamplesDir + "/images/shapes_1.jpg"); }  // 32 x 32

// One GRIT entry.
inline nlohmann::json entry(int start, int end, double x0, double y0, double x1, double y1, double confidence = 1.0) {
    return nlohmann::json::array({start, end, x0, y0, x1, y1, confidence});
}

// A valid GRIT record: caption "a red circle" with one noun chunk and one referring expression.
inline nlohmann::json gritRecord(const std::string& key, const std::string& image = {}) {
    nlohmann::json record = {{"key", key},
                             {"id", 7},
                             {"url", "https://example.com/" + key + ".jpg"},
                             {"caption", "a red circle"},
                             {"width", 40},
                             {"height", 30},
                             {"noun_chunks", {entry(0, 12, 0.1, 0.2, 0.5, 0.6, 0.9)}},
                             {"ref_exps", {entry(0, 12, 0.1, 0.2, 0.5, 0.6, 0.8)}}};
    if (!image.empty()) record["image"] = image;
    return record;
}

// Writes a tar shard (ustar, gzip-compressed when `gzip`) with the members in order.
inline void writeTar(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members,
                     bool gzip = false) {
    archive* a = archive_write_new();
    archive_write_set_format_ustar(a);
    if (gzip) archive_write_add_filter_gzip(a);
    if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) {
        archive_write_free(a);
        throw std::runtime_error("cannot write " + path);
    }
    for (const auto& [name, data] : members) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_write_header(a, e);
        archive_write_data(a, data.data(), data.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

// Reads a JSONL file into parsed objects.
inline std::vector<nlohmann::json> readJsonl(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    }
    return out;
}

// Equal JSON values, numbers compared as doubles within `tolerance`; `where` receives the first difference.
inline bool sameJson(const nlohmann::json& a, const nlohmann::json& b, double tolerance, std::string& where,
                     const std::string& path = "") {
    if (a.is_number() && b.is_number()) {
        const double x = a.get<double>();
        const double y = b.get<double>();
        if (std::abs(x - y) <= tolerance) return true;
        where = path + ": " + a.dump() + " vs " + b.dump();
        return false;
    }
    if (a.type() != b.type()) {
        where = path + ": " + a.dump() + " vs " + b.dump();
        return false;
    }
    if (a.is_object()) {
        if (a.size() != b.size()) {
            where = path + ": keys " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " (" + a.dump() +
                    " vs " + b.dump() + ")";
            return false;
        }
        for (auto it = a.begin(); it != a.end(); ++it) {
            if (!b.contains(it.key())) {
                where = path + "/" + it.key() + ": missing";
                return false;
            }
            if (!sameJson(it.value(), b.at(it.key()), tolerance, where, path + "/" + it.key())) return false;
        }
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size()) {
            where = path + ": length " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
            return false;
        }
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!sameJson(a[i], b[i], tolerance, where, path + "/" + std::to_string(i))) return false;
        }
        return true;
    }
    if (a != b) {
        where = path + ": " + a.dump() + " vs " + b.dump();
        return false;
    }
    return true;
}

} // namespace store_test
