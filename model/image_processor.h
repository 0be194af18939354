#pragma once
// CLIP image preprocessing exactly as transformers + PIL do it for Kosmos-2:
// convert("RGB") -> resize to 224x224 with PIL's BICUBIC (two 1-D passes, fixed-point, 8-bit rounding
// between passes, antialiased when shrinking) -> /255 -> normalise -> CHW float.
#include <cstdint>
#include <vector>

namespace kosmos {

struct ImageU8 {
    int width = 0;
    int height = 0;
    int channels = 3;                  // 1 (grey), 3 (RGB) or 4 (RGBA)
    std::vector<std::uint8_t> pixels;  // row-major, interleaved, tightly packed
};

struct PreprocessConfig {
    int size = 224;
    float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    double rescale = 1.0 / 255.0;
};

// Throws kosmos::Error "WHAT: reason" unless the image has a positive size, 1, 3 or 4 channels and exactly
// width * height * channels bytes.
void validateImage(const ImageU8& image, const char* what = "image");

// PIL convert("RGB"): grey replicated, alpha dropped (no compositing). Throws kosmos::Error on bad input.
ImageU8 toRgb(const ImageU8& image);

// PIL Image.resize((width, height), Image.BICUBIC) on 8-bit RGB; identical bytes to Pillow 9.x.
// Grey and RGBA images are resampled channel by channel (no alpha premultiplication).
// Throws kosmos::Error on a malformed image or an output larger than kMaxResizePixels.
ImageU8 resizeBicubic(const ImageU8& rgb, int width, int height);

// The source region of a resize in input pixel coordinates (PIL's `box` argument, floats as PIL keeps them).
struct ResizeBox {
    float x0 = 0.0f;
    float y0 = 0.0f;
    float x1 = 0.0f;
    float y1 = 0.0f;
};

// PIL Image.resize((width, height), Image.BICUBIC, box=(x0, y0, x1, y1)). The box must lie inside the image
// and be non-empty, as PIL requires.
ImageU8 resizeBicubic(const ImageU8& rgb, int width, int height, const ResizeBox& box);

// Largest output (width * height) resizeBicubic and preprocessImage accept.
constexpr long long kMaxResizePixels = 1LL << 28;

// The full pipeline: returns 3 * size * size floats, CHW, normalised.
std::vector<float> preprocessImage(const ImageU8& image, const PreprocessConfig& config = {});

} // namespace kosmos
