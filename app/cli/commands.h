#pragma once
// Each CLI command lives in its own file and registers itself on the root app.
#include <CLI/CLI.hpp>
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

// Thrown by commands for a clean "kosmos2: message" exit with status 1 (or `code`).
struct CommandError {
    std::string message;
    int code = 1;
};

} // namespace kosmos::cli
