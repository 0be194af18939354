// Fuzz target of image files: the import probe (header only), the decoder's probe, bounded decoding and
// the preprocessing that follows it.
#include "fuzz/targets/fuzz_targets.h"

#include "core/image_probe.h"
#include "core/media/image_io.h"
#include "model/error.h"
#include "model/image_processor.h"

namespace kosmos::fuzz {

int imageDecode(const std::uint8_t* data, std::size_t size) {
    store::ImageProbe probe;
    store::probeImageBytes(std::string_view(reinterpret_cast<const char*>(data), size), probe);

    ImageHeader header;
    try {
        header = probeImageBytes(data, size, "fuzz");
    } catch (const Error&) {
        return 0;
    }
    // A small pixel bound: a decoder that allocated for more pixels than the header declares would show up
    // as a large allocation (libFuzzer's -malloc_limit_mb) or as a size that differs from the header's.
    ImageLoadLimits limits;
    limits.maxPixels = 1u << 22;
    ImageU8 image;
    try {
        image = loadImageBytes(data, size, "fuzz", limits);
    } catch (const Error&) {
        return 0;
    }
    require(image.width == header.width && image.height == header.height, "decoded size differs from the header's");
    require(static_cast<std::uint64_t>(image.width) * image.height <= limits.maxPixels, "decoded past the pixel bound");
    validateImage(image, "decoded image");
    const std::vector<float> pixels = preprocessImage(image);
    require(pixels.size() == 3u * 224 * 224, "preprocessing gave the wrong size");
    return 0;
}

} // namespace kosmos::fuzz
