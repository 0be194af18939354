#pragma once
// Reads a text file line by line with a bound on the line length, in constant memory: a line longer
// than the bound is skipped (and reported as such), never buffered whole.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace kosmos::store {

class LineReader {
public:
    enum class Status { Line, TooLong, End };

    // Throws kosmos::Error when the file cannot be opened.
    LineReader(const std::string& path, std::size_t maxLineBytes);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    // The next line without its "\n" / "\r\n" (a UTF-8 byte-order mark at the start is dropped).
    // TooLong: the line exceeded the bound and was skipped; `line` is empty. Throws on a read error.
    Status next(std::string& line);
    std::uint64_t lineNumber() const { return lineNumber_; }   // 1-based, of the last line returned
    std::uint64_t bytesRead() const { return bytesRead_; }
    std::uint64_t size() const { return size_; }

private:
    bool refill();

    std::string path_;
    std::FILE* file_ = nullptr;
    std::size_t maxLineBytes_;
    std::vector<char> buffer_;
    std::size_t pos_ = 0;
    std::size_t end_ = 0;
    std::uint64_t lineNumber_ = 0;
    std::uint64_t bytesRead_ = 0;
    std::uint64_t size_ = 0;
    bool eof_ = false;
};

} // namespace kosmos::store
