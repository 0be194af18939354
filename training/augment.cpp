#include "training/augment.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "model/error.h"

namespace kosmos::training {
namespace {

double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); }

int uniformInt(std::mt19937_64& rng, int low, int high) {   // inclusive
    if (high <= low) return low;
    return low + static_cast<int>(uniform(rng) * (high - low + 1)) % (high - low + 1);
}

template <typename F>
void forEachBox(GroundedRecord& record, F&& f) {
    for (auto* list : {&record.nounChunks, &record.refExps})
        for (auto& phrase : *list)
            for (auto& box : phrase.boxes) f(box);
}

double clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

} // namespace

ImageU8 cropImage(const ImageU8& image, int x0, int y0, int width, int height) {
    validateImage(image, "crop");
    if (x0 < 0 || y0 < 0 || width <= 0 || height <= 0 || x0 + width > image.width || y0 + height > image.height)
        throw Error("crop window outside the image");
    ImageU8 out;
    out.width = width;
    out.height = height;
    out.channels = image.channels;
    const std::size_t rowBytes = static_cast<std::size_t>(width) * image.channels;
    out.pixels.resize(rowBytes * height);
    for (int y = 0; y < height; ++y) {
        const std::uint8_t* src =
            image.pixels.data() + (static_cast<std::size_t>(y0 + y) * image.width + x0) * image.channels;
        std::copy(src, src + rowBytes, out.pixels.data() + rowBytes * y);
    }
    return out;
}

void cropRecord(GroundedRecord& record, int imageWidth, int imageHeight, int x0, int y0, int width, int height) {
    forEachBox(record, [&](Box& b) {
        b[0] = clamp01((b[0] * imageWidth - x0) / width);
        b[2] = clamp01((b[2] * imageWidth - x0) / width);
        b[1] = clamp01((b[1] * imageHeight - y0) / height);
        b[3] = clamp01((b[3] * imageHeight - y0) / height);
    });
}

void flipImage(ImageU8& image) {
    validateImage(image, "flip");
    const int c = image.channels;
    for (int y = 0; y < image.height; ++y) {
        std::uint8_t* row = image.pixels.data() + static_cast<std::size_t>(y) * image.width * c;
        for (int x = 0; x < image.width / 2; ++x)
            for (int k = 0; k < c; ++k) std::swap(row[x * c + k], row[(image.width - 1 - x) * c + k]);
    }
}

void flipRecord(GroundedRecord& record) {
    forEachBox(record, [](Box& b) {
        const double x0 = 1.0 - b[2], x1 = 1.0 - b[0];
        b[0] = clamp01(x0);
        b[2] = clamp01(x1);
    });
}

void augmentSample(ImageU8& image, GroundedRecord& record, const AugmentOptions& options, std::uint64_t seed) {
    if (options.cropProbability <= 0 && !options.horizontalFlip) return;
    std::mt19937_64 rng(seed);
    if (options.cropProbability > 0 && uniform(rng) < options.cropProbability) {
        // The union of the boxes in pixels: the crop must hold it whole.
        double ux0 = 1, uy0 = 1, ux1 = 0, uy1 = 0;
        forEachBox(record, [&](Box& b) {
            ux0 = std::min(ux0, b[0]);
            uy0 = std::min(uy0, b[1]);
            ux1 = std::max(ux1, b[2]);
            uy1 = std::max(uy1, b[3]);
        });
        if (ux1 > ux0 && uy1 > uy0) {
            const int W = image.width, H = image.height;
            const int bx0 = static_cast<int>(std::floor(ux0 * W)), by0 = static_cast<int>(std::floor(uy0 * H));
            const int bx1 = static_cast<int>(std::ceil(ux1 * W)), by1 = static_cast<int>(std::ceil(uy1 * H));
            const double scale = std::clamp(options.minCropScale, 0.05, 1.0);
            const int minW = std::max(bx1 - bx0, static_cast<int>(std::ceil(scale * W)));
            const int minH = std::max(by1 - by0, static_cast<int>(std::ceil(scale * H)));
            const int w = uniformInt(rng, std::min(minW, W), W);
            const int h = uniformInt(rng, std::min(minH, H), H);
            const int x0 = uniformInt(rng, std::max(0, bx1 - w), std::min(bx0, W - w));
            const int y0 = uniformInt(rng, std::max(0, by1 - h), std::min(by0, H - h));
            if (w < W || h < H) {
                image = cropImage(image, x0, y0, w, h);
                cropRecord(record, W, H, x0, y0, w, h);
            }
        }
    }
    if (options.horizontalFlip && uniform(rng) < 0.5) {
        flipImage(image);
        flipRecord(record);
    }
}

} // namespace kosmos::training
