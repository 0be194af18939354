#include "core/image_probe.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/media/crc32.h"
#include "core/media/image_io.h"
#include "core/record_source.h"
#include "core/sha256.h"
#include "model/error.h"
#include "model/input_limits.h"

namespace kosmos::store {

namespace {

constexpr int kMaxSide = limits::kMaxImageSide;
constexpr int kMaxJpegSegments = limits::kMaxJpegSegments;
constexpr std::uint64_t kWholeReadBytes = 1u << 20;

// Random access to the bytes being probed: a memory buffer or a file descriptor. A file is read through a window
// of 64 KiB, so that walking a PNG's chunk headers costs one read per window, not one per chunk.
class Bytes {
public:
    explicit Bytes(std::string_view memory) : memory_(memory), size_(memory.size()) {}
    Bytes(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
    std::uint64_t size() const { return size_; }
    bool read(std::uint64_t offset, void* out, std::size_t n) const {
        if (offset > size_ || n > size_ - offset) return false;
        if (fd_ < 0) {
            std::memcpy(out, memory_.data() + offset, n);
            return true;
        }
        for (auto* to = static_cast<char*>(out); n > 0;) {
            if (offset < windowStart_ || offset >= windowStart_ + window_.size()) {
                window_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kWindowBytes, size_ - offset)));
                windowStart_ = offset;
                if (::pread(fd_, window_.data(), window_.size(), static_cast<off_t>(offset)) !=
                    static_cast<ssize_t>(window_.size())) {
                    window_.clear();
                    return false;
                }
            }
            const std::size_t at = static_cast<std::size_t>(offset - windowStart_);
            const std::size_t take = std::min(n, window_.size() - at);
            std::memcpy(to, window_.data() + at, take);
            to += take;
            offset += take;
            n -= take;
        }
        return true;
    }

private:
    static constexpr std::size_t kWindowBytes = 64 * 1024;
    std::string_view memory_;
    int fd_ = -1;
    std::uint64_t size_;
    mutable std::string window_;
    mutable std::uint64_t windowStart_ = 0;
};

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}
std::uint32_t be16(const unsigned char* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
std::uint32_t le16(const unsigned char* p) { return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8); }
std::uint32_t le24(const unsigned char* p) { return le16(p) | (std::uint32_t(p[2]) << 16); }
std::uint32_t le32(const unsigned char* p) { return le24(p) | (std::uint32_t(p[3]) << 24); }

std::string setSize(ImageProbe& out, const char* format, std::int64_t width, std::int64_t height) {
    if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide) {
        return std::string(format) + " header gives an impossible size " + std::to_string(width) + "x" +
               std::to_string(height);
    }
    if (static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) > limits::kMaxImagePixels) {
        return std::string(format) + " image of " + std::to_string(width) + "x" + std::to_string(height) +
               " pixels, more than the " + std::to_string(limits::kMaxImagePixels) + " the model reads";
    }
    out.format = format;
    out.width = static_cast<int>(width);
    out.height = static_cast<int>(height);
    return {};
}

// The chunks are walked to IEND (data after it is ignored, as the decoder ignores it): each must fit in the file
// and have a valid type, and a critical chunk must be one the decoder knows. Checksums beyond IHDR's would
// need the whole file read; decoding checks them.
std::string probePng(const Bytes& bytes, ImageProbe& out) {
    unsigned char h[33];
    if (!bytes.read(0, h, sizeof h)) return "truncated PNG header";
    if (be32(h + 8) != 13 || std::memcmp(h + 12, "IHDR", 4) != 0) return "PNG without an IHDR chunk first";
    if (crc32(h + 12, 17) != be32(h + 29)) return "PNG header checksum mismatch";
    for (std::uint64_t pos = 33;;) {
        unsigned char c[8];
        if (!bytes.read(pos, c, sizeof c)) return "truncated PNG (no IEND chunk; the file ends at byte " +
                                                  std::to_string(bytes.size()) + ")";
        const std::string kind(reinterpret_cast<const char*>(c + 4), 4);
        if (!kosmos::isPngChunkType(kind.data()))
            return "damaged PNG (the chunk at byte " + std::to_string(pos) + " has no valid type)";
        const std::uint64_t length = be32(c);
        if (length > bytes.size() || pos + 12 + length > bytes.size())
            return "truncated PNG (chunk '" + kind + "' at byte " + std::to_string(pos) + " declares " +
                   std::to_string(length) + " bytes; the file ends at byte " + std::to_string(bytes.size()) + ")";
        if (kosmos::isUnknownCriticalPngChunk(kind.data()))
            return "damaged PNG (unknown critical chunk '" + kind + "' at byte " + std::to_string(pos) + ")";
        if (kind == "IEND") break;
        pos += 12 + length;
    }
    return setSize(out, "png", be32(h + 16), be32(h + 20));
}

// Whether FF D9 (end of image) follows `from`, as the decoder requires: libjpeg fills a scan cut short with
// grey without an error. Entropy-coded data never holds FF D9 (its 0xFF bytes are stuffed with 0x00), and most
// files end with it, so the last two bytes are looked at first.
bool hasEndOfImage(const Bytes& bytes, std::uint64_t from) {
    unsigned char tail[2];
    if (bytes.read(bytes.size() - 2, tail, 2) && tail[0] == 0xFF && tail[1] == 0xD9) return true;
    char chunk[64 * 1024];
    for (std::uint64_t at = from; at + 1 < bytes.size(); at += sizeof chunk - 1) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof chunk, bytes.size() - at));
        if (!bytes.read(at, chunk, n)) return false;
        for (std::size_t i = 0; i + 1 < n; ++i)
            if (static_cast<unsigned char>(chunk[i]) == 0xFF && static_cast<unsigned char>(chunk[i + 1]) == 0xD9)
                return true;
    }
    return false;
}

std::string probeJpeg(const Bytes& bytes, ImageProbe& out) {
    std::uint64_t pos = 2;
    bool haveFrame = false;
    std::int64_t width = 0;
    std::int64_t height = 0;
    for (int segment = 0; segment < kMaxJpegSegments; ++segment) {
        unsigned char m[2];
        if (!bytes.read(pos, m, 2)) return "truncated JPEG (headers end early)";
        if (m[0] != 0xFF) return "damaged JPEG (marker expected at byte " + std::to_string(pos) + ")";
        if (m[1] == 0xFF) {   // fill byte
            ++pos;
            continue;
        }
        pos += 2;
        const unsigned marker = m[1];
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;   // no length
        if (marker == 0xD9) return "JPEG ends before its image data";
        unsigned char l[2];
        if (!bytes.read(pos, l, 2)) return "truncated JPEG (headers end early)";
        const std::uint32_t length = be16(l);
        if (length < 2) return "damaged JPEG (segment length " + std::to_string(length) + ")";
        const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frame) {
            unsigned char f[7];   // length, precision, height, width
            if (length < 8 || !bytes.read(pos, f, sizeof f)) return "truncated JPEG frame header";
            height = be16(f + 3);
            width = be16(f + 5);
            haveFrame = true;
        }
        if (marker == 0xDA) {
            if (!haveFrame) return "JPEG scan without a frame header";
            if (pos + length >= bytes.size()) return "truncated JPEG (no image data)";
            if (!hasEndOfImage(bytes, pos + length))
                return "truncated JPEG (no end-of-image marker after its image data)";
            return setSize(out, "jpeg", width, height);
        }
        pos += length;
    }
    return "damaged JPEG (too many segments)";
}

// TIFF, PNM and BMP through the header probe of the reader that decodes them later (core/media), which also
// checks that a binary PNM's samples and an uncompressed BMP's rows fit in the file: a PNM's or BMP's header
// is at its start, a TIFF's directory may be anywhere in the file.
std::string probeWithImageReader(const Bytes& bytes, ImageProbe& out, std::uint64_t headerBytes) {
    if (bytes.size() > limits::kMaxImageFileBytes)
        return "image file of " + std::to_string(bytes.size()) + " bytes, more than the " +
               std::to_string(limits::kMaxImageFileBytes) + " read";
    std::string data(static_cast<std::size_t>(std::min(bytes.size(), headerBytes)), '\0');
    if (!bytes.read(0, data.data(), data.size())) return "cannot read the file";
    static const std::string kName = "image";
    try {
        const ImageHeader header = kosmos::probeImageBytes(data.data(), data.size(), kName);
        std::string refused = setSize(out, header.format.c_str(), header.width, header.height);
        if (refused.empty()) kosmos::checkDeclaredExtent(header, data.data(), data.size(), bytes.size(), kName);
        return refused;
    } catch (const Error& e) {
        const std::string message = e.what();   // "image: reason"
        return message.rfind(kName + ": ", 0) == 0 ? message.substr(kName.size() + 2) : message;
    }
}

std::string probeOther(const Bytes& bytes, const unsigned char* h, std::size_t n, ImageProbe& out) {
    // Training, evaluation and the engine decode with OpenCV, which reads no GIF: refused here, not later.
    if (n >= 6 && (std::memcmp(h, "GIF87a", 6) == 0 || std::memcmp(h, "GIF89a", 6) == 0))
        return "a GIF image, which the model cannot read (PNG, JPEG, BMP, WebP, TIFF and PNM are imported)";
    if (n >= 4 && (std::memcmp(h, "II*\0", 4) == 0 || std::memcmp(h, "MM\0*", 4) == 0))
        return probeWithImageReader(bytes, out, bytes.size());
    if (n >= 3 && h[0] == 'P' && h[1] >= '1' && h[1] <= '6') return probeWithImageReader(bytes, out, 64 * 1024);
    if (n >= 2 && h[0] == 'B' && h[1] == 'M') return probeWithImageReader(bytes, out, 64);
    if (n >= 30 && std::memcmp(h, "RIFF", 4) == 0 && std::memcmp(h + 8, "WEBP", 4) == 0) {
        if (std::uint64_t(le32(h + 4)) + 8 > bytes.size()) return "truncated WebP";
        if (std::memcmp(h + 12, "VP8X", 4) == 0) return setSize(out, "webp", le24(h + 24) + 1, le24(h + 27) + 1);
        if (std::memcmp(h + 12, "VP8L", 4) == 0) {
            if (h[20] != 0x2F) return "damaged WebP (lossless signature)";
            const std::uint32_t bits = le32(h + 21);
            return setSize(out, "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }
        if (std::memcmp(h + 12, "VP8 ", 4) == 0) {
            if (h[23] != 0x9D || h[24] != 0x01 || h[25] != 0x2A) return "damaged WebP (frame start code)";
            return setSize(out, "webp", le16(h + 26) & 0x3FFF, le16(h + 28) & 0x3FFF);
        }
        return "WebP with an unknown first chunk";
    }
    return "not a PNG, JPEG, BMP, WebP, TIFF or PNM image";
}

std::string probe(const Bytes& bytes, ImageProbe& out) {
    out = ImageProbe{};
    out.byteSize = static_cast<std::int64_t>(bytes.size());
    unsigned char h[32] = {};
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), sizeof h));
    if (n == 0) return "empty file";
    if (!bytes.read(0, h, n)) return "cannot read the file";
    static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (n >= 8 && std::memcmp(h, kPng, 8) == 0) return probePng(bytes, out);
    if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF) return probeJpeg(bytes, out);
    return probeOther(bytes, h, n, out);
}

} // namespace

std::string probeImageBytes(std::string_view bytes, ImageProbe& out) { return probe(Bytes(bytes), out); }

std::string probeImageFile(const std::string& path, bool hash, ImageProbe& out, std::string& sha256, bool& missing,
                           std::string& scratch) {
    missing = false;
    sha256.clear();
    // O_NONBLOCK: a FIFO named like an image must not block the import.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        missing = errno == ENOENT || errno == ENOTDIR;
        return (missing ? "image file not found: " : "cannot open image " + path + ": ") +
               (missing ? path : std::string(std::strerror(errno)));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        missing = true;
        return "image file not found: " + path + " (not a file)";
    }
    const auto size = static_cast<std::uint64_t>(info.st_size);
    std::string problem;
    if (size <= kWholeReadBytes) {
        // Small files (most images of a dataset): one read serves the probe and the hash.
        scratch.resize(static_cast<std::size_t>(size));
        std::size_t done = 0;
        while (done < scratch.size()) {
            const ssize_t n = ::read(fd, scratch.data() + done, scratch.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        if (done != scratch.size()) {
            problem = "read error";
        } else {
            problem = probe(Bytes(scratch), out);
            if (problem.empty() && hash) sha256 = sha256Hex(scratch);
        }
    } else {
        problem = probe(Bytes(fd, size), out);
        if (problem.empty() && hash) {
            Sha256 hasher;
            char buffer[1 << 16];
            std::uint64_t offset = 0;
            ssize_t n = 0;
            while ((n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(offset))) > 0) {
                hasher.update(buffer, static_cast<std::size_t>(n));
                offset += static_cast<std::uint64_t>(n);
            }
            if (n < 0 || offset != size) problem = "read error";
            else sha256 = hasher.hexDigest();
        }
    }
    ::close(fd);
    if (!problem.empty()) problem = "unreadable image " + path + ": " + problem;
    return problem;
}

std::string probeImageFile(const std::string& path, ImageProbe& out, bool& missing) {
    std::string sha256;
    std::string scratch;
    return probeImageFile(path, false, out, sha256, missing, scratch);
}

std::string inspectImageFile(const std::string& path, bool hash, ImageInfo& out) {
    out = ImageInfo{};
    out.path = absolutePath(path);
    ImageProbe probe;
    bool missing = false;
    std::string scratch;
    if (std::string problem = probeImageFile(out.path, hash, probe, out.contentHash, missing, scratch); !problem.empty()) {
        return problem;
    }
    out.byteSize = probe.byteSize;
    out.width = probe.width;
    out.height = probe.height;
    out.format = probe.format;
    return {};
}

} // namespace kosmos::store
