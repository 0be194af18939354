#pragma once
// Runs a program (looked up in PATH) with arguments in folder `workingDir` (empty: the current one), its
// stdout and stderr going to a log file.
#include <string>
#include <vector>

namespace kosmos::synth {

struct ProcessResult {
    bool started = false;   // false: the program could not be run at all
    int exitCode = -1;      // exit status, or 128 + signal
};

ProcessResult runProgram(const std::vector<std::string>& argv, const std::string& logPath,
                         const std::string& workingDir = {});

// Last non-empty line of a text file (for error messages), at most `maxChars` long.
std::string lastLineOf(const std::string& path, size_t maxChars = 300);

} // namespace kosmos::synth
