#pragma once
// Each CLI command lives in its own file and registers itself on the root app.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

namespace kosmos::cli {

void addGenerateCommand(CLI::App& app);
void addDumpCommand(CLI::App& app);
void addTokenizeCommand(CLI::App& app);
void addPostprocessCommand(CLI::App& app);
void addRenderCommand(CLI::App& app);
void addDbCommand(CLI::App& app);
void addBenchCommand(CLI::App& app);
void addTrainCommand(CLI::App& app);
void addEvalCommand(CLI::App& app);
void addInitCommand(CLI::App& app);
void addSynthCommand(CLI::App& app);

// Registers every command above that is built (app/cli/registry.cpp).
void registerAll(CLI::App& app);

// Most CPU threads an option accepts: more only slows a machine down (and a huge count never finishes).
inline constexpr int kMaxThreads = 256;

// A number in [low, high], without `low` when `openLow`, without `high` when `openHigh`; unlike CLI::Range, NaN
// is refused too.
inline CLI::Validator finiteWithin(double low, double high, bool openLow = false, bool openHigh = false) {
    const auto show = [](double v) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", v);
        return std::string(text);
    };
    const std::string range = (openLow ? "(" : "[") + show(low) + ", " + show(high) + (openHigh ? ")" : "]");
    return CLI::Validator(
        [=](std::string& text) -> std::string {
            double value = 0;
            const bool number = CLI::detail::lexical_cast(text, value);
            const bool aboveLow = openLow ? value > low : value >= low;
            const bool belowHigh = openHigh ? value < high : value <= high;
            if (number && aboveLow && belowHigh) return {};
            return "must be a number in " + range + ", not " + text;
        },
        range);
}

// --device: cpu, cuda, cuda:N or auto (checked when parsing: a wrong one is a usage error, status 2).
inline CLI::Validator deviceName() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const bool indexed = text.rfind("cuda:", 0) == 0 && text.size() > 5 && text.size() <= 8 &&
                                 text.find_first_not_of("0123456789", 5) == std::string::npos;
            if (text == "cpu" || text == "cuda" || text == "auto" || indexed) return {};
            return "must be cpu, cuda, cuda:N or auto, not " + text;
        },
        "cpu|cuda|cuda:N|auto");
}

// --dtype.
inline CLI::Validator dtypeName() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (text == "f32" || text == "f16" || text == "bf16" || text == "int8") return {};
            return "must be f32, f16, bf16 or int8, not " + text;
        },
        "f32|f16|bf16|int8");
}

// JSON text for stdout: bytes that are not UTF-8 (a file name from a Latin-1 file system) become U+FFFD
// instead of making the dump throw after the work is done.
template <class Json>
std::string jsonText(const Json& json) {
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Thrown by commands for a clean "kosmos2: message" exit with status 1 (or `code`).
struct CommandError {
    std::string message;
    int code = 1;
};

// Refuses an output path that names the input file itself (the same path, a link to it, another hard link):
// writing the output would destroy the input.
inline void refuseToOverwriteInput(const std::string& out, const std::string& input, const char* inputOption) {
    std::error_code error;
    if (std::filesystem::equivalent(out, input, error))
        throw CommandError{out + ": is the " + std::string(inputOption) + " file itself; write the output elsewhere"};
}

} // namespace kosmos::cli
