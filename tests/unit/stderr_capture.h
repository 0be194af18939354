#pragma once
// For tests that a library's own lines (libpng's, libjpeg's) no longer reach the user's terminal.
#include <unistd.h>

#include <cstdio>
#include <string>

namespace kosmos::test {

// What `f` writes to the process's stderr (file descriptor 2), the decoders' libraries included.
template <typename F>
std::string stderrDuring(F&& f)
{
    std::fflush(stderr);
    std::FILE* capture = std::tmpfile();
    const int saved = ::dup(2);
    ::dup2(::fileno(capture), 2);
    try {
        f();
    } catch (...) {
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        std::fclose(capture);
        throw;
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::string text(static_cast<std::size_t>(std::ftell(capture)), '\0');
    std::rewind(capture);
    text.resize(std::fread(text.data(), 1, text.size(), capture));
    std::fclose(capture);
    return text;
}

} // namespace kosmos::test
