// Bounded image decoding and atomic PNG writing on OpenCV's imgcodecs.
#include "core/media/image_io.h"

#include "core/media/crc32.h"

#include "model/error.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kosmos {

namespace {

// Bounds-checked big/little-endian reads over the encoded bytes.
class ByteReader {
public:
    ByteReader(const std::uint8_t* data, std::size_t size) : mData(data), mSize(size) {}
    std::size_t size() const { return mSize; }
    const std::uint8_t* data() const { return mData; }
    bool has(std::size_t offset, std::size_t n) const { return offset <= mSize && n <= mSize - offset; }
    std::uint8_t u8(std::size_t at) const { return mData[at]; }
    std::uint32_t be16(std::size_t at) const { return (std::uint32_t(mData[at]) << 8) | mData[at + 1]; }
    std::uint32_t le16(std::size_t at) const { return (std::uint32_t(mData[at + 1]) << 8) | mData[at]; }
    std::uint32_t be32(std::size_t at) const { return (be16(at) << 16) | be16(at + 2); }
    std::uint32_t le32(std::size_t at) const { return (le16(at + 2) << 16) | le16(at); }
    bool matches(std::size_t at, const char* bytes, std::size_t n) const
    {
        return has(at, n) && std::memcmp(mData + at, bytes, n) == 0;
    }

private:
    const std::uint8_t* mData;
    std::size_t mSize;
};

[[noreturn]] void fail(const std::string& name, const std::string& reason)
{
    throw Error(name + ": " + reason);
}

int checkedDimension(std::uint64_t v, const std::string& name, const char* format)
{
    if (v == 0)
        fail(name, std::string("not an image (") + format + " header declares a zero dimension)");
    if (v > static_cast<std::uint64_t>(INT_MAX))
        fail(name, "too large (" + std::to_string(v) + " pixels on one side)");
    return static_cast<int>(v);
}

ImageHeader probePng(const ByteReader& r, const std::string& name)
{
    if (!r.has(0, 24))
        fail(name, "truncated (PNG header cut short)");
    if (!r.matches(12, "IHDR", 4))
        fail(name, "not an image (PNG without IHDR chunk)");
    return {"png", checkedDimension(r.be32(16), name, "PNG"), checkedDimension(r.be32(20), name, "PNG")};
}

// Before decoding a whole PNG: every chunk must fit in the file (libpng allocates what a chunk declares
// before reading it, so a 50-byte file declaring a 2 GiB text chunk would cost 2 GiB of memory), and the
// chunks the image needs must match their checksums, which names the damage instead of the decoder's message
// on stderr. An ancillary chunk (text, colour profile) that does not is left out, as the decoder would leave
// it out with a warning: returns the file without such chunks, or an empty vector where it has none.
std::vector<std::uint8_t> checkPngChunks(const ByteReader& r, const std::string& name)
{
    std::vector<std::uint8_t> cleaned;
    std::size_t pos = 8, copied = 0;
    while (r.has(pos, 8)) {
        const std::uint64_t length = r.be32(pos);
        std::string kind(reinterpret_cast<const char*>(r.data() + pos + 4), 4);
        if (!isPngChunkType(kind.data()))
            fail(name, "corrupt (PNG chunk at byte " + std::to_string(pos) + " has no valid type)");
        if (!r.has(pos + 8, length + 4))
            fail(name, "truncated or corrupt (PNG chunk '" + kind + "' at byte " + std::to_string(pos) +
                           " declares " + std::to_string(length) + " bytes; the file has " +
                           std::to_string(r.size() - pos - 8) + " after its header)");
        if (isUnknownCriticalPngChunk(kind.data()))
            fail(name, "corrupt (unknown critical PNG chunk '" + kind + "' at byte " + std::to_string(pos) + ")");
        const std::size_t next = pos + 12 + static_cast<std::size_t>(length);
        if (crc32(r.data() + pos + 4, length + 4) != r.be32(pos + 8 + length)) {
            if (kind[0] >= 'A' && kind[0] <= 'Z')   // critical
                fail(name, "corrupt (PNG chunk '" + kind + "' at byte " + std::to_string(pos) +
                               " does not match its checksum)");
            cleaned.insert(cleaned.end(), r.data() + copied, r.data() + pos);
            copied = next;
        }
        if (kind == "IEND")
            break;
        pos = next;
    }
    if (copied > 0)
        cleaned.insert(cleaned.end(), r.data() + copied, r.data() + r.size());
    return cleaned;
}

bool isJpegFrameMarker(std::uint8_t m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// Walks the marker segments up to the frame header (SOF); then requires an end-of-image marker after the
// scan data, since libjpeg silently fills a cut-off scan with grey.
ImageHeader probeJpeg(const ByteReader& r, const std::string& name)
{
    std::size_t pos = 2;
    ImageHeader header;
    bool haveFrame = false;
    while (true) {
        while (r.has(pos, 1) && r.u8(pos) != 0xFF)
            ++pos;
        while (r.has(pos, 1) && r.u8(pos) == 0xFF)
            ++pos;
        if (!r.has(pos, 1))
            fail(name, haveFrame ? "truncated (JPEG without scan data)" : "truncated (JPEG without frame header)");
        const std::uint8_t marker = r.u8(pos++);
        if (marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7))
            continue;
        if (marker == 0xD9)
            fail(name, "not an image (JPEG ends before its scan data)");
        if (!r.has(pos, 2))
            fail(name, "truncated (JPEG marker segment cut short)");
        const std::size_t length = r.be16(pos);
        if (length < 2)
            fail(name, "not an image (JPEG marker segment with invalid length)");
        if (isJpegFrameMarker(marker) && !haveFrame) {
            if (!r.has(pos, 7))
                fail(name, "truncated (JPEG frame header cut short)");
            header = {"jpeg", checkedDimension(r.be16(pos + 5), name, "JPEG"),
                      checkedDimension(r.be16(pos + 3), name, "JPEG")};
            haveFrame = true;
        }
        if (marker == 0xDA) {
            if (!haveFrame)
                fail(name, "not an image (JPEG scan before frame header)");
            // Entropy-coded data never holds FF D9 (0xFF bytes are stuffed with 0x00).
            for (std::size_t i = pos + length; r.has(i, 2); ++i)
                if (r.u8(i) == 0xFF && r.u8(i + 1) == 0xD9)
                    return header;
            fail(name, "truncated (JPEG without end-of-image marker)");
        }
        if (!r.has(pos, length))
            fail(name, "truncated (JPEG marker segment cut short)");
        pos += length;
    }
}

ImageHeader probeBmp(const ByteReader& r, const std::string& name)
{
    if (!r.has(0, 26))
        fail(name, "truncated (BMP header cut short)");
    const std::uint32_t dibSize = r.le32(14);
    if (dibSize == 12)
        return {"bmp", checkedDimension(r.le16(18), name, "BMP"), checkedDimension(r.le16(20), name, "BMP")};
    if (dibSize < 40)
        fail(name, "not an image (unknown BMP header size " + std::to_string(dibSize) + ")");
    const auto width = static_cast<std::int32_t>(r.le32(18));
    const auto height = static_cast<std::int32_t>(r.le32(22));
    if (width < 0)
        fail(name, "not an image (BMP with negative width)");
    // A negative height means rows stored top-down.
    const std::uint64_t absHeight = height < 0 ? std::uint64_t(-static_cast<std::int64_t>(height)) : height;
    return {"bmp", checkedDimension(static_cast<std::uint64_t>(width), name, "BMP"),
            checkedDimension(absHeight, name, "BMP")};
}

// Before decoding an uncompressed BMP: it holds every row its header declares (the decoder reports a cut one
// only on stderr). A run-length encoded one carries its own length.
void checkBmpRows(const ByteReader& r, const ImageHeader& header, std::uint64_t fileSize, const std::string& name)
{
    const std::uint32_t dibSize = r.le32(14);
    if (!r.has(0, dibSize == 12 ? 26 : 34))
        fail(name, "truncated (BMP header cut short)");
    const std::uint32_t bits = dibSize == 12 ? r.le16(24) : r.le16(28);
    const std::uint32_t compression = dibSize == 12 ? 0 : r.le32(30);
    if (bits != 1 && bits != 4 && bits != 8 && bits != 15 && bits != 16 && bits != 24 && bits != 32)
        fail(name, "not an image (BMP with " + std::to_string(bits) + " bits per pixel)");
    const std::uint64_t start = r.le32(10);
    if (start > fileSize)
        fail(name, "truncated (BMP pixels start at byte " + std::to_string(start) + "; the file has " +
                       std::to_string(fileSize) + " bytes)");
    if (compression != 0 && compression != 3)
        return;
    const std::uint64_t rowBytes = (static_cast<std::uint64_t>(header.width) * (bits == 15 ? 16 : bits) + 31) / 32 * 4;
    const std::uint64_t end = start + rowBytes * static_cast<std::uint64_t>(header.height);
    if (end > fileSize)
        fail(name, "truncated (BMP rows end at byte " + std::to_string(end) + "; the file has " +
                       std::to_string(fileSize) + " bytes)");
}

ImageHeader probeWebp(const ByteReader& r, const std::string& name)
{
    if (!r.has(0, 30))
        fail(name, "truncated (WebP header cut short)");
    if (r.matches(12, "VP8 ", 4)) {
        if (r.u8(23) != 0x9D || r.u8(24) != 0x01 || r.u8(25) != 0x2A)
            fail(name, "not an image (WebP VP8 frame without start code)");
        return {"webp", checkedDimension(r.le16(26) & 0x3FFF, name, "WebP"),
                checkedDimension(r.le16(28) & 0x3FFF, name, "WebP")};
    }
    if (r.matches(12, "VP8L", 4)) {
        if (r.u8(20) != 0x2F)
            fail(name, "not an image (WebP lossless frame without signature)");
        const std::uint32_t bits = r.le32(21);
        return {"webp", checkedDimension((bits & 0x3FFF) + 1, name, "WebP"),
                checkedDimension(((bits >> 14) & 0x3FFF) + 1, name, "WebP")};
    }
    if (r.matches(12, "VP8X", 4)) {
        const std::uint32_t w = r.le16(24) | (std::uint32_t(r.u8(26)) << 16);
        const std::uint32_t h = r.le16(27) | (std::uint32_t(r.u8(29)) << 16);
        return {"webp", checkedDimension(std::uint64_t(w) + 1, name, "WebP"),
                checkedDimension(std::uint64_t(h) + 1, name, "WebP")};
    }
    fail(name, "not an image (unknown WebP chunk)");
}

ImageHeader probeTiff(const ByteReader& r, const std::string& name)
{
    const bool little = r.u8(0) == 'I';
    auto u16 = [&](std::size_t at) { return little ? r.le16(at) : r.be16(at); };
    auto u32 = [&](std::size_t at) { return little ? r.le32(at) : r.be32(at); };
    if (!r.has(0, 8))
        fail(name, "truncated (TIFF header cut short)");
    const std::size_t ifd = u32(4);
    if (!r.has(ifd, 2))
        fail(name, "truncated (TIFF directory outside the file)");
    const std::size_t entries = u16(ifd);
    if (!r.has(ifd + 2, entries * 12))
        fail(name, "truncated (TIFF directory cut short)");
    std::uint64_t width = 0;
    std::uint64_t height = 0;
    bool seenWidth = false, seenHeight = false;
    for (std::size_t i = 0; i < entries; ++i) {
        const std::size_t e = ifd + 2 + i * 12;
        const std::uint32_t tag = u16(e);
        const std::uint32_t type = u16(e + 2);
        if (tag != 256 && tag != 257)
            continue;
        // A repeated size tag: the decoder may take the other one, so the pixel bound would not hold.
        bool& seen = tag == 256 ? seenWidth : seenHeight;
        if (seen)
            fail(name, "not an image (TIFF directory repeats ImageWidth or ImageLength)");
        seen = true;
        const std::uint64_t value = type == 3 ? u16(e + 8) : type == 4 ? u32(e + 8) : 0;
        (tag == 256 ? width : height) = value;
    }
    if (width == 0 || height == 0)
        fail(name, "not an image (TIFF without valid ImageWidth/ImageLength)");
    return {"tiff", checkedDimension(width, name, "TIFF"), checkedDimension(height, name, "TIFF")};
}

// PNM separators as the decoder reads them: white space, and comments to the end of the line, which a
// carriage return also ends. Returns the position after the separator at `pos`, or `pos` where there is none.
std::size_t skipPnmSeparator(const ByteReader& r, std::size_t pos)
{
    const std::uint8_t c = r.u8(pos);
    if (c == '#') {
        while (r.has(pos, 1) && r.u8(pos) != '\n' && r.u8(pos) != '\r')
            ++pos;
        return pos;
    }
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' ? pos + 1 : pos;
}

// A PNM's header: kind ('1'-'6'), width, height, maximum sample value and where the samples start, read
// as the decoder reads it (each number ends with one byte it swallows).
struct PnmLayout {
    char kind = 0;
    std::uint64_t width = 0, height = 0, maxValue = 1;
    std::size_t dataStart = 0;
};

PnmLayout parsePnm(const ByteReader& r, const std::string& name)
{
    PnmLayout layout;
    layout.kind = static_cast<char>(r.u8(1));
    const bool bitmap = layout.kind == '1' || layout.kind == '4';
    std::uint64_t* values[3] = {&layout.width, &layout.height, &layout.maxValue};
    std::size_t pos = 2;
    for (int v = 0; v < (bitmap ? 2 : 3); ++v) {
        std::uint64_t& value = *values[v];
        value = 0;
        while (true) {
            if (!r.has(pos, 1))
                fail(name, "truncated (PNM header cut short)");
            const std::size_t next = skipPnmSeparator(r, pos);
            if (next == pos)
                break;
            pos = next;
        }
        if (r.u8(pos) < '0' || r.u8(pos) > '9')
            fail(name, v < 2 ? "not an image (PNM header without dimensions)"
                             : "not an image (PNM header without a maximum sample value)");
        while (r.has(pos, 1) && r.u8(pos) >= '0' && r.u8(pos) <= '9') {
            value = value * 10 + (r.u8(pos++) - '0');
            if (value > static_cast<std::uint64_t>(INT_MAX))
                fail(name, v < 2 ? "too large (PNM dimension beyond " + std::to_string(INT_MAX) + ")"
                                 : "not an image (PNM maximum sample value beyond 65535)");
        }
        // The decoder swallows the byte after a number, so "2#c\n9" is 2 x 9 to it but 2 x <next number> to
        // the format: refused, since the pixel bound must hold for what will be decoded.
        if (r.has(pos, 1) && r.u8(pos) == '#')
            fail(name, "not an image (PNM header with a comment right after a number, read two ways by decoders)");
        ++pos;
    }
    if (layout.maxValue < 1 || layout.maxValue > 65535)
        fail(name, "not an image (PNM maximum sample value " + std::to_string(layout.maxValue) +
                       " outside 1-65535)");
    layout.dataStart = pos;
    return layout;
}

ImageHeader probePnm(const ByteReader& r, const std::string& name)
{
    const PnmLayout layout = parsePnm(r, name);
    return {"pnm", checkedDimension(layout.width, name, "PNM"), checkedDimension(layout.height, name, "PNM")};
}

// Before decoding a PNM: it holds every sample its header declares, and a plain-text one holds nothing but
// numbers, spaces and comments where samples are read. The decoder itself reports either only on stderr.
// A binary PNM (P4-P6) of `fileSize` bytes holds every sample its header declares; returns false for a
// plain-text one.
bool checkBinaryPnmExtent(const PnmLayout& p, std::uint64_t fileSize, const std::string& name)
{
    if (p.kind != '4' && p.kind != '5' && p.kind != '6')
        return false;
    const std::uint64_t channels = p.kind == '6' ? 3 : 1;
    const std::uint64_t sampleBytes = p.maxValue > 255 ? 2 : 1;
    const std::uint64_t needed =
        p.kind == '4' ? (p.width + 7) / 8 * p.height : p.width * p.height * channels * sampleBytes;
    if (p.dataStart > fileSize || needed > fileSize - p.dataStart)
        fail(name, "truncated (PNM samples need " + std::to_string(needed) + " bytes from byte " +
                       std::to_string(p.dataStart) + "; the file has " +
                       std::to_string(fileSize - std::min<std::uint64_t>(fileSize, p.dataStart)) + ")");
    return true;
}

void checkPnmSamples(const ByteReader& r, const std::string& name)
{
    const PnmLayout p = parsePnm(r, name);
    if (checkBinaryPnmExtent(p, r.size(), name))
        return;
    const std::uint64_t channels = p.kind == '3' ? 3 : 1;
    const std::uint64_t needed = p.width * p.height * channels;
    std::uint64_t count = 0;
    std::size_t pos = p.dataStart;
    while (count < needed) {
        if (!r.has(pos, 1))
            fail(name, count + 1 == needed && pos > p.dataStart && r.u8(pos - 1) >= '0' && r.u8(pos - 1) <= '9'
                           ? "truncated (PNM ends right after its last sample, without the byte the decoder needs "
                             "after a number)"
                           : "truncated (PNM holds " + std::to_string(count) + " of its " + std::to_string(needed) +
                                 " samples)");
        const std::uint8_t c = r.u8(pos);
        if (c >= '0' && c <= '9') {
            ++pos;
            if (p.kind != '1') {   // a bitmap's samples are single digits; other numbers end with a swallowed byte
                while (r.has(pos, 1) && r.u8(pos) >= '0' && r.u8(pos) <= '9')
                    ++pos;
                if (!r.has(pos, 1))
                    continue;   // the last number is cut: reported above
                ++pos;
            }
            ++count;
        } else if (const std::size_t next = skipPnmSeparator(r, pos); next != pos) {
            pos = next;
        } else {
            char shown[8];
            std::snprintf(shown, sizeof shown, "0x%02X", c);
            fail(name, "corrupt (PNM sample " + std::to_string(count + 1) + " at byte " + std::to_string(pos) +
                           " begins with " + shown + ", not a digit)");
        }
    }
}

// Samples of any supported depth -> 8 bits, BGR(A) -> RGB(A), grey+alpha -> RGBA.
ImageU8 fromDecoded(const cv::Mat& mat, const std::string& name)
{
    const int depth = mat.depth();
    if (depth != CV_8U && depth != CV_16U)
        fail(name, "not an image this program reads (samples are neither 8- nor 16-bit integers)");
    const int inCh = mat.channels();
    if (inCh < 1 || inCh > 4)
        fail(name, "not an image this program reads (" + std::to_string(inCh) + " channels)");
    ImageU8 out;
    out.width = mat.cols;
    out.height = mat.rows;
    out.channels = inCh == 1 ? 1 : inCh == 3 ? 3 : 4;
    out.pixels.resize(static_cast<std::size_t>(out.width) * out.height * out.channels);
    // Source channel feeding each output channel (OpenCV stores blue first).
    static const int kFromGrey[] = {0};
    static const int kFromGreyAlpha[] = {0, 0, 0, 1};
    static const int kFromBgr[] = {2, 1, 0};
    static const int kFromBgra[] = {2, 1, 0, 3};
    const int* map = inCh == 1 ? kFromGrey : inCh == 2 ? kFromGreyAlpha : inCh == 3 ? kFromBgr : kFromBgra;
    const int outCh = out.channels;
    for (int y = 0; y < mat.rows; ++y) {
        std::uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(y) * out.width * outCh;
        if (depth == CV_8U) {
            const std::uint8_t* src = mat.ptr<std::uint8_t>(y);
            for (int x = 0; x < mat.cols; ++x)
                for (int c = 0; c < outCh; ++c)
                    dst[x * outCh + c] = src[x * inCh + map[c]];
        } else {
            const std::uint16_t* src = mat.ptr<std::uint16_t>(y);
            for (int x = 0; x < mat.cols; ++x)
                for (int c = 0; c < outCh; ++c)
                    dst[x * outCh + c] = static_cast<std::uint8_t>(src[x * inCh + map[c]] >> 8);
        }
    }
    return out;
}

std::vector<std::uint8_t> readWholeFile(const std::string& path, std::uint64_t maxBytes)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail(path, std::string("cannot read (") + std::strerror(errno) + ")");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        fail(path, std::string("cannot read (") + std::strerror(errno) + ")");
    if (!S_ISREG(st.st_mode))
        fail(path, "cannot read (not a regular file)");
    if (static_cast<std::uint64_t>(st.st_size) > maxBytes)
        fail(path, "too large (" + std::to_string(st.st_size) + " bytes > " + std::to_string(maxBytes) + ")");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail(path, std::string("cannot read (") + std::strerror(errno) + ")");
        if (n == 0)
            break;  // the file shrank while being read
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

} // namespace

namespace {

using Probe = ImageHeader (*)(const ByteReader&, const std::string&);

// The probe of the format the bytes start like, or null.
Probe probeFor(const ByteReader& r)
{
    if (r.matches(0, "\x89PNG\r\n\x1a\n", 8))
        return probePng;
    if (r.matches(0, "\xFF\xD8\xFF", 3))
        return probeJpeg;
    if (r.matches(0, "BM", 2))
        return probeBmp;
    if (r.matches(0, "RIFF", 4) && r.matches(8, "WEBP", 4))
        return probeWebp;
    if (r.matches(0, "II*\0", 4) || r.matches(0, "MM\0*", 4))
        return probeTiff;
    if (r.has(0, 2) && r.u8(0) == 'P' && r.u8(1) >= '1' && r.u8(1) <= '6')
        return probePnm;
    return nullptr;
}

} // namespace

bool isPngChunkType(const char* type)
{
    return std::all_of(type, type + 4, [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
}

bool isUnknownCriticalPngChunk(const char* type)
{
    const std::string_view kind(type, 4);
    return kind[0] >= 'A' && kind[0] <= 'Z' && kind != "IHDR" && kind != "PLTE" && kind != "IDAT" && kind != "IEND";
}

bool startsLikeReadableImage(const void* data, std::size_t size)
{
    return data != nullptr && probeFor(ByteReader(static_cast<const std::uint8_t*>(data), size)) != nullptr;
}

ImageHeader probeImageBytes(const void* data, std::size_t size, const std::string& name)
{
    if (size == 0 || data == nullptr)
        fail(name, "not an image (empty file)");
    const ByteReader r(static_cast<const std::uint8_t*>(data), size);
    if (const Probe probe = probeFor(r))
        return probe(r, name);
    if (size < 8)
        fail(name, "not an image (" + std::to_string(size) + " bytes)");
    fail(name, "not an image (unknown or unsupported format; PNG, JPEG, BMP, WebP, TIFF and PNM are read)");
}

void checkDeclaredExtent(const ImageHeader& header, const void* data, std::size_t size, std::uint64_t fileSize,
                         const std::string& name)
{
    if (static_cast<std::uint64_t>(header.width) * header.height > limits::kMaxImagePixels)
        return;   // refused by the pixel bound before this matters
    const ByteReader bytes(static_cast<const std::uint8_t*>(data), size);
    if (header.format == "bmp")
        checkBmpRows(bytes, header, fileSize, name);
    else if (header.format == "pnm")
        checkBinaryPnmExtent(parsePnm(bytes, name), fileSize, name);
}

namespace {

// Everything checked before a pixel is decoded; returns the PNG without damaged ancillary chunks (or nothing).
std::vector<std::uint8_t> checkBeforeDecoding(const void* data, std::size_t size, const std::string& name,
                                              const ImageLoadLimits& limits, ImageHeader& header)
{
    if (size > limits.maxFileBytes || size > static_cast<std::size_t>(INT_MAX))
        fail(name, "too large (" + std::to_string(size) + " bytes of encoded data)");
    header = probeImageBytes(data, size, name);
    const std::uint64_t pixels = static_cast<std::uint64_t>(header.width) * header.height;
    if (pixels > limits.maxPixels)
        fail(name, "too large (" + std::to_string(header.width) + " x " + std::to_string(header.height) + " > " +
                       std::to_string(limits.maxPixels) + " pixels)");
    const ByteReader bytes(static_cast<const std::uint8_t*>(data), size);
    if (header.format == "png")
        return checkPngChunks(bytes, name);
    if (header.format == "bmp")
        checkBmpRows(bytes, header, size, name);
    else if (header.format == "pnm")
        checkPnmSamples(bytes, name);
    return {};
}

} // namespace

ImageHeader checkImageBytes(const void* data, std::size_t size, const std::string& name, const ImageLoadLimits& limits)
{
    ImageHeader header;
    checkBeforeDecoding(data, size, name, limits, header);
    return header;
}

ImageU8 loadImageBytes(const void* data, std::size_t size, const std::string& name, const ImageLoadLimits& limits)
{
    ImageHeader header;
    std::vector<std::uint8_t> cleaned = checkBeforeDecoding(data, size, name, limits, header);
    cv::Mat decoded;
    try {
        const cv::Mat encoded = cleaned.empty() ? cv::Mat(1, static_cast<int>(size), CV_8U, const_cast<void*>(data))
                                                : cv::Mat(1, static_cast<int>(cleaned.size()), CV_8U, cleaned.data());
        decoded = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        fail(name, "truncated or corrupt (" + header.format + " decoder: " + e.err + ")");
    } catch (const std::bad_alloc&) {
        fail(name, "too large (out of memory while decoding)");
    }
    if (decoded.empty())
        fail(name, "truncated or corrupt (the " + header.format + " decoder failed)");
    if (static_cast<std::uint64_t>(decoded.cols) * decoded.rows > limits.maxPixels)
        fail(name, "too large (decoded " + std::to_string(decoded.cols) + " x " + std::to_string(decoded.rows) +
                       " > " + std::to_string(limits.maxPixels) + " pixels)");
    return fromDecoded(decoded, name);
}

ImageU8 loadImageBytes(const std::vector<std::uint8_t>& bytes, const std::string& name,
                       const ImageLoadLimits& limits)
{
    return loadImageBytes(bytes.data(), bytes.size(), name, limits);
}

ImageU8 loadImageFile(const std::string& path, const ImageLoadLimits& limits)
{
    const std::vector<std::uint8_t> bytes = readWholeFile(path, limits.maxFileBytes);
    return loadImageBytes(bytes.data(), bytes.size(), path, limits);
}

std::vector<std::uint8_t> encodeImagePng(const ImageU8& image)
{
    validateImage(image, "PNG encoder");
    const int ch = image.channels;
    cv::Mat mat(image.height, image.width, CV_8UC(ch));
    for (int y = 0; y < image.height; ++y) {
        const std::uint8_t* src = image.pixels.data() + static_cast<std::size_t>(y) * image.width * ch;
        std::uint8_t* dst = mat.ptr<std::uint8_t>(y);
        for (int x = 0; x < image.width; ++x) {
            const std::uint8_t* s = src + x * ch;
            std::uint8_t* d = dst + x * ch;
            if (ch == 1) {
                d[0] = s[0];
            } else {
                d[0] = s[2];
                d[1] = s[1];
                d[2] = s[0];
                if (ch == 4)
                    d[3] = s[3];
            }
        }
    }
    std::vector<std::uint8_t> out;
    try {
        if (!cv::imencode(".png", mat, out))
            throw Error("PNG encoder: failed to encode " + std::to_string(image.width) + " x " +
                        std::to_string(image.height) + " image");
    } catch (const cv::Exception& e) {
        throw Error("PNG encoder: " + e.err);
    }
    return out;
}

void saveImagePng(const std::string& path, const ImageU8& image)
{
    const std::vector<std::uint8_t> bytes = encodeImagePng(image);
    std::string tmp = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        fail(path, std::string("cannot write (") + std::strerror(errno) + ")");
    auto abandon = [&](const std::string& reason) {
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(path, "cannot write (" + reason + ")");
    };
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            abandon(std::strerror(n < 0 ? errno : EIO));
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0)
        abandon(std::strerror(errno));
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail(path, std::string("cannot write (") + std::strerror(err) + ")");
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail(path, std::string("cannot write (") + std::strerror(err) + ")");
    }
}

} // namespace kosmos
