// Import speed of the annotation store: generates synthetic GRIT records of the shapes world
// (docs/synthetic-shapes.md), imports them into a fresh database in a child process (the import
// runs on one thread), and prints records/s (wall clock and per CPU second: the machine may be
// shared) and the child's peak memory, for each record count asked for.
//
//   store_import_bench [--records 10000,100000] [--images unique|none] [--no-hash] [--batch 1000]
//                      [--dir DIR] [--keep]
//
// --images unique: every record has its own small PNG (checked from its header, never decoded);
// none: records carry an URL only, as the published GRIT files.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/grit_import.h"
#include "core/store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Options {
    std::vector<long> counts = {10000, 100000};
    std::string images = "unique";
    bool hash = true;
    int batch = 1000;
    std::string dir;
    bool keep = false;
};

// A valid 8x8 grey PNG (IHDR, IDAT, IEND with correct checksums); only its header is ever read.
const unsigned char kTinyPng[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
    0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00, 0xe1, 0x64, 0xe1, 0x57, 0x00, 0x00, 0x00,
    0x0e, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x68, 0x80, 0x02, 0x06, 0xca, 0x18, 0x00, 0x80, 0x84, 0x20,
    0x01, 0x0d, 0x80, 0x24, 0x61, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

const char* const kColours[] = {"red", "green", "blue", "yellow", "orange", "purple", "pink", "black"};
const char* const kShapes[] = {"circle", "square", "triangle", "star", "diamond", "hexagon"};

std::string article(const std::string& word) {
    return std::string("aeiou").find(word[0]) != std::string::npos ? "an" : "a";
}

// One record of the shapes world: 1 to 5 objects left to right, a caption template, spans and boxes.
json makeRecord(long index, std::mt19937& random, bool withImage) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const int width = 224 + static_cast<int>(random() % 417);
    const int height = 224 + static_cast<int>(random() % 417);
    const int objects = 1 + static_cast<int>(random() % 5);
    std::vector<std::string> phrases;
    std::vector<std::array<double, 4>> boxes;
    for (int i = 0; i < objects; ++i) {
        const std::string colour = kColours[random() % 8];
        phrases.push_back(article(colour) + " " + colour + " " + kShapes[random() % 6]);
        const double side = 0.1 + 0.4 * unit(random);
        const double left = (double(i) + 0.5 * unit(random)) / objects * (1.0 - side / 2);
        const double top = unit(random) * (1.0 - side);
        boxes.push_back({left, top, std::min(1.0, left + side / 2), top + side});
    }
    static const char* const kTemplates[] = {"An image of ", "A picture showing ", ""};
    const std::string prefix = kTemplates[random() % 3];
    std::string caption = prefix;
    json chunks = json::array();
    for (int i = 0; i < objects; ++i) {
        if (i > 0) caption += i + 1 == objects ? " and " : ", ";
        std::string phrase = phrases[i];
        if (prefix.empty() && i == 0) phrase[0] = static_cast<char>(std::toupper(phrase[0]));
        const int start = static_cast<int>(caption.size());
        caption += phrase;
        const auto& b = boxes[i];
        chunks.push_back({start, static_cast<int>(caption.size()), b[0], b[1], b[2], b[3], 1.0});
    }
    caption += ".";
    char key[32];
    std::snprintf(key, sizeof key, "%09ld", index);
    json record = {{"key", key},      {"id", index},         {"url", ""},        {"caption", caption},
                   {"width", width},  {"height", height},    {"noun_chunks", chunks}, {"ref_exps", chunks}};
    if (withImage) record["image"] = "images/" + std::string(key, 6) + "/" + key + ".png";
    return record;
}

void generate(const std::string& dir, long count, bool withImages) {
    fs::create_directories(dir);
    std::mt19937 random(12345);
    std::ofstream out(dir + "/data.jsonl", std::ios::binary);
    for (long i = 0; i < count; ++i) {
        const json record = makeRecord(i, random, withImages);
        out << record.dump() << '\n';
        if (withImages) {
            const fs::path image = fs::path(dir) / record["image"].get<std::string>();
            if (i % 1000 == 0) fs::create_directories(image.parent_path());
            std::ofstream png(image, std::ios::binary);
            png.write(reinterpret_cast<const char*>(kTinyPng), sizeof kTinyPng);
        }
    }
}

struct ChildResult {
    long imported = 0;
    long rejected = 0;
    double seconds = 0;
};

json measure(const Options& options, const std::string& dir) {
    int fds[2];
    if (::pipe(fds) != 0) std::exit(1);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(fds[0]);
        ChildResult result;
        try {
            kosmos::store::AnnotationStore store(dir + "/store.db");
            kosmos::store::ImportOptions import;
            import.batchSize = options.batch;
            import.hashImages = options.hash;
            const auto summary = kosmos::store::importSources(store, {dir + "/data.jsonl"}, import);
            result = {static_cast<long>(summary.imported), static_cast<long>(summary.rejected), summary.seconds};
        } catch (const std::exception& e) {
            std::fprintf(stderr, "import failed: %s\n", e.what());
            ::_exit(2);
        }
        if (::write(fds[1], &result, sizeof result) != sizeof result) ::_exit(3);
        ::_exit(0);
    }
    ::close(fds[1]);
    ChildResult result;
    const bool got = ::read(fds[0], &result, sizeof result) == sizeof result;
    ::close(fds[0]);
    int status = 0;
    rusage usage{};
    ::wait4(child, &status, 0, &usage);
    if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "the import process failed\n");
        std::exit(1);
    }
    std::error_code error;
    const double cpu = double(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec / 1e6 + double(usage.ru_stime.tv_sec) +
                       usage.ru_stime.tv_usec / 1e6;
    const double dbBytes = double(fs::file_size(dir + "/store.db", error)) +
                           double(fs::exists(dir + "/store.db-wal") ? fs::file_size(dir + "/store.db-wal", error) : 0);
    return {{"imported", result.imported},
            {"rejected", result.rejected},
            {"seconds", result.seconds},
            {"records_per_s", result.seconds > 0 ? double(result.imported) / result.seconds : 0.0},
            {"records_per_cpu_s", cpu > 0 ? double(result.imported) / cpu : 0.0},
            {"peak_rss_mb", double(usage.ru_maxrss) / 1024.0},
            {"cpu_user_s", double(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec / 1e6},
            {"cpu_system_s", double(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec / 1e6},
            {"database_mb", dbBytes / (1024.0 * 1024.0)}};
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", arg.c_str());
                std::exit(1);
            }
            return argv[++i];
        };
        if (arg == "--records") {
            options.counts.clear();
            std::stringstream list(value());
            for (std::string item; std::getline(list, item, ',');) options.counts.push_back(std::stol(item));
        } else if (arg == "--images") {
            options.images = value();
        } else if (arg == "--no-hash") {
            options.hash = false;
        } else if (arg == "--batch") {
            options.batch = std::stoi(value());
        } else if (arg == "--dir") {
            options.dir = value();
        } else if (arg == "--keep") {
            options.keep = true;
        } else {
            std::fprintf(stderr, "unknown option %s\n", arg.c_str());
            std::exit(1);
        }
    }
    if (options.images != "unique" && options.images != "none") {
        std::fprintf(stderr, "--images is unique or none\n");
        std::exit(1);
    }
    return options;
}

} // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    const std::string base =
        options.dir.empty() ? (fs::temp_directory_path() / ("store_import_bench." + std::to_string(::getpid()))).string()
                            : options.dir;
    for (long count : options.counts) {
        const std::string dir = base + "/" + std::to_string(count) + "-" + options.images;
        fs::remove_all(dir);
        const auto start = std::chrono::steady_clock::now();
        generate(dir, count, options.images == "unique");
        const double generated = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        json line = {{"records", count}, {"images", options.images}, {"hash_images", options.hash},
                     {"batch", options.batch}, {"generate_s", generated}};
        line.update(measure(options, dir));
        std::printf("%s\n", line.dump().c_str());
        std::fflush(stdout);
        if (!options.keep) fs::remove_all(dir);
    }
    if (!options.keep && options.dir.empty()) fs::remove_all(base);
    return 0;
}
