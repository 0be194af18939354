#pragma once
// The whole of a small text file (a config, a trainer state) read with a bound on its size. Header-only, so
// that torch-free targets compiling config.cpp on its own need nothing more.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/error.h"

namespace kosmos {

// Throws kosmos::Error naming `path` for a folder, a file that cannot be opened, one larger than `maxBytes`
// ("N bytes is too large", " for WHAT" when given) or a failed read.
inline std::string readBoundedTextFile(const std::string& path, std::size_t maxBytes, const std::string& what = {}) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) throw Error(path + ": is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open (missing or unreadable)");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::size_t>(in.tellg());
    if (size > maxBytes)
        throw Error(path + ": " + std::to_string(size) + " bytes is too large" + (what.empty() ? "" : " for " + what));
    in.seekg(0);
    std::string text(size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (!in) throw Error(path + ": read failed");
    return text;
}

} // namespace kosmos
