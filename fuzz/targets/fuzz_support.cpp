#include "fuzz/targets/fuzz_targets.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <unistd.h>

#include "model/tokenizer.h"

namespace kosmos::fuzz {

namespace fs = std::filesystem;

const std::vector<NamedTarget>& allTargets() {
    static const std::vector<NamedTarget> targets = {
        {"safetensors", safetensorsFile},    {"safetensors_index", safetensorsIndex},
        {"config", modelConfig},             {"tokenizer", tokenizerText},
        {"prompt", promptText},              {"postprocess", generatedText},
        {"grit_record", gritRecord},         {"grit_jsonl", gritJsonl},
        {"img2dataset", img2datasetRecord},  {"tar", tarShard},
        {"image", imageDecode},
    };
    return targets;
}

void require(bool condition, const char* what) {
    if (condition) return;
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
}

namespace {

struct Scratch {
    std::string path;
    Scratch() {
        std::error_code ec;
        const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
        path = (base / ("kosmos-fuzz-" + std::to_string(::getpid()))).string();
        fs::remove_all(path, ec);
        fs::create_directories(path, ec);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

} // namespace

const std::string& scratchDir() {
    static Scratch scratch;
    return scratch.path;
}

std::string writeScratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const fs::path path = fs::path(scratchDir()) / name;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    require(static_cast<bool>(out), "cannot write a scratch file (is the scratch folder full?)");
    return path.string();
}

std::string testDataDir() {
    if (const char* env = std::getenv("KOSMOS_TEST_DATA_DIR"); env && *env) return env;
    return KOSMOS_FUZZ_TEST_DATA_DIR;
}

const Tokenizer& fixtureTokenizer() {
    static const Tokenizer tokenizer = Tokenizer::load(testDataDir() + "/kosmos2-tiny");
    return tokenizer;
}

} // namespace kosmos::fuzz
