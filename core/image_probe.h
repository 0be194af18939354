#pragma once
// "Is this a readable image, and how large?" from the file's header alone, without decoding pixels:
// PNG (signature, IHDR with its CRC, chunks walked to IEND), JPEG (markers walked up to the start of scan),
// BMP and WebP (a GIF is refused: the model's decoder reads none). Used by imports, which must stay fast on
// large datasets.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/sample.h"

namespace kosmos::store {

struct ImageProbe {
    std::string format;      // "png", "jpeg", "bmp", "webp"
    int width = 0;
    int height = 0;
    std::int64_t byteSize = 0;
};

// Returns "" or the reason the bytes are not a readable image.
std::string probeImageBytes(std::string_view bytes, ImageProbe& out);
// Returns "" or the reason; `missing` is set when the file does not exist (or is not a file).
std::string probeImageFile(const std::string& path, ImageProbe& out, bool& missing);
// The same, and the file's SHA-256 (lower-case hex) when `hash`, opening the file once; `scratch`
// is a buffer the caller may reuse between calls.
std::string probeImageFile(const std::string& path, bool hash, ImageProbe& out, std::string& sha256, bool& missing,
                           std::string& scratch);

// An image file as the store records it (absolute path, size, format, SHA-256 when `hash`), for a
// sample the GUI adds. Returns "" or the reason it is not a readable image.
std::string inspectImageFile(const std::string& path, bool hash, ImageInfo& out);

} // namespace kosmos::store
