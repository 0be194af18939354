#pragma once
// Image files in and out. Decoding is bounded: the dimensions are read from the file's own header and
// checked against a pixel limit before any pixel is decoded (decompression bombs), and every failure is a
// kosmos::Error "NAME: reason". Images come back as decoded: grey, RGB or RGBA, 8 bits per sample, in the
// orientation stored in the file (no EXIF rotation, as PIL's Image.open).
#include "model/image_processor.h"
#include "model/input_limits.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kosmos {

struct ImageLoadLimits {
    std::uint64_t maxPixels = limits::kMaxImagePixels;       // 64 Mpixel
    std::uint64_t maxFileBytes = limits::kMaxImageFileBytes; // 512 MiB of encoded data
};

// What the header of an encoded image says, read without decoding.
struct ImageHeader {
    std::string format;   // "png", "jpeg", "bmp", "webp", "tiff", "pnm"
    int width = 0;
    int height = 0;
};

// Reads the format and dimensions from the first bytes of an image file. Throws kosmos::Error
// "NAME: not an image (...)" for unknown or unsupported formats and "NAME: truncated (...)" for a cut header.
ImageHeader probeImageBytes(const void* data, std::size_t size, const std::string& name);
// Whether the first bytes are those of a format this reader decodes (whatever follows them).
bool startsLikeReadableImage(const void* data, std::size_t size);

// PNG chunk types (4 bytes): valid ones are four ASCII letters; a critical one (upper-case first letter) other
// than IHDR, PLTE, IDAT and IEND makes the decoder refuse the file.
bool isPngChunkType(const char* type);
bool isUnknownCriticalPngChunk(const char* type);

// For imports that read a file's first bytes only: whether the rows of an uncompressed BMP or the samples of a
// binary PNM, as its header (`header`, from probeImageBytes on the same bytes) declares them, fit in its
// `fileSize` bytes. `data` holds at least the header. Throws "NAME: truncated (...)" or "NAME: not an image
// (...)"; other formats pass (decoding checks them).
void checkDeclaredExtent(const ImageHeader& header, const void* data, std::size_t size, std::uint64_t fileSize,
                         const std::string& name);

// What loading checks before any pixel is decoded (the header and its size, every PNG chunk within the file and
// the image's chunks against their checksums, a JPEG's end marker, BMP rows, PNM samples), for a file another
// library is to decode (Qt in the workbench), so that damage is named here and not by that decoder on stderr.
// Throws as loadImageBytes does; returns the header.
ImageHeader checkImageBytes(const void* data, std::size_t size, const std::string& name,
                            const ImageLoadLimits& limits = {});

// Decodes PNG, JPEG, BMP, WebP, TIFF or PNM. 16-bit samples are reduced to 8 bits (>> 8).
// Errors: "PATH: not an image (...)", "PATH: truncated (...)", "PATH: too large (W x H > N pixels)",
// "PATH: cannot read (...)".
ImageU8 loadImageFile(const std::string& path, const ImageLoadLimits& limits = {});
ImageU8 loadImageBytes(const void* data, std::size_t size, const std::string& name = "<memory>",
                       const ImageLoadLimits& limits = {});
ImageU8 loadImageBytes(const std::vector<std::uint8_t>& bytes, const std::string& name = "<memory>",
                       const ImageLoadLimits& limits = {});

// PNG encoding of a grey, RGB or RGBA image.
std::vector<std::uint8_t> encodeImagePng(const ImageU8& image);
// Writes PATH.tmp-XXXXXX next to PATH, then renames it over PATH; an old file stays untouched on failure.
void saveImagePng(const std::string& path, const ImageU8& image);

} // namespace kosmos
