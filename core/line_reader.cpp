#include "core/line_reader.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "model/error.h"

namespace kosmos::store {

LineReader::LineReader(const std::string& path, std::size_t maxLineBytes)
    : path_(path), maxLineBytes_(maxLineBytes), buffer_(1 << 20) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw Error(path + ": cannot open: " + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) throw Error(path + ": is a folder, not a JSONL file");
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw Error(path + ": cannot open: " + std::strerror(errno));
    size_ = static_cast<std::uint64_t>(info.st_size);
}

LineReader::~LineReader() {
    if (file_) std::fclose(file_);
}

bool LineReader::refill() {
    if (eof_) return false;
    pos_ = 0;
    end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    if (end_ < buffer_.size()) {
        if (std::ferror(file_)) throw Error(path_ + ": read error after " + std::to_string(bytesRead_) + " bytes");
        eof_ = true;
    }
    bytesRead_ += end_;
    return end_ > 0;
}

LineReader::Status LineReader::next(std::string& line) {
    line.clear();
    bool tooLong = false;
    bool any = false;
    while (true) {
        if (pos_ == end_ && !refill()) break;
        any = true;
        const char* start = buffer_.data() + pos_;
        const std::size_t available = end_ - pos_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', available));
        const std::size_t length = newline ? static_cast<std::size_t>(newline - start) : available;
        if (!tooLong) {
            if (line.size() + length > maxLineBytes_) {
                tooLong = true;
                line.clear();
                line.shrink_to_fit();
            } else {
                line.append(start, length);
            }
        }
        pos_ += length;
        if (newline) {
            ++pos_;
            break;
        }
    }
    if (!any) return Status::End;
    ++lineNumber_;
    if (tooLong) return Status::TooLong;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineNumber_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    return Status::Line;
}

} // namespace kosmos::store
