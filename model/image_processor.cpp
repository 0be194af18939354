// CLIPImageProcessor as Kosmos-2 uses it, with Pillow's resampling (src/libImaging/Resample.c) ported
// operation for operation so that the resized bytes are identical.
#include "model/image_processor.h"

#include "model/error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace kosmos {

namespace {

// Pillow: 8 bits for the result, 2 bits of headroom for the filter's negative lobes.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kBicubicSupport = 2.0;

// Pillow's bicubic_filter with a = -0.5.
double bicubicFilter(double x)
{
    const double a = -0.5;
    if (x < 0.0)
        x = -x;
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0)
        return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

// Pillow's clip8: drop the fraction bits (the accumulator starts at one half) and clamp to 0..255.
std::uint8_t clip8(std::int64_t acc)
{
    if (acc < 0)
        return 0;
    const std::int64_t v = acc >> kPrecisionBits;
    return static_cast<std::uint8_t>(v > 255 ? 255 : v);
}

// One 1-D pass: for output index i, `count[i]` input samples from `first[i]` weighted by
// weights[i * ksize .. i * ksize + count[i]) (fixed point).
struct Coefficients {
    int ksize = 0;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<std::int32_t> weights;
    // Whether 255 * sum |weights| fits an int32 accumulator (always so for bicubic; Pillow assumes it).
    bool fitsInt32 = true;
};

// Pillow's precompute_coeffs followed by normalize_coeffs_8bpc.
Coefficients precomputeCoefficients(int inSize, float in0, float in1, int outSize)
{
    const double scale = static_cast<double>(in1 - in0) / outSize;
    const double filterScale = scale < 1.0 ? 1.0 : scale;
    const double support = kBicubicSupport * filterScale;
    const double ksizeReal = std::ceil(support) * 2 + 1;
    if (ksizeReal * outSize > static_cast<double>(kMaxResizePixels))
        throw Error("resize: " + std::to_string(inSize) + " -> " + std::to_string(outSize) +
                    " needs too many filter coefficients");

    Coefficients c;
    c.ksize = static_cast<int>(ksizeReal);
    c.first.resize(outSize);
    c.count.resize(outSize);
    c.weights.assign(static_cast<std::size_t>(outSize) * c.ksize, 0);
    std::vector<double> k(c.ksize);
    const double ss = 1.0 / filterScale;
    for (int xx = 0; xx < outSize; ++xx) {
        const double center = in0 + (xx + 0.5) * scale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0)
            xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > inSize)
            xmax = inSize;
        // Never more taps than the buffer holds (PIL's box validation guarantees this already).
        xmax = std::clamp(xmax - xmin, 0, c.ksize);
        double ww = 0.0;
        for (int x = 0; x < xmax; ++x) {
            const double w = bicubicFilter((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        std::int32_t* out = &c.weights[static_cast<std::size_t>(xx) * c.ksize];
        for (int x = 0; x < xmax; ++x) {
            const double w = ww != 0.0 ? k[x] / ww : k[x];
            out[x] = w < 0 ? static_cast<std::int32_t>(-0.5 + w * (1 << kPrecisionBits))
                           : static_cast<std::int32_t>(0.5 + w * (1 << kPrecisionBits));
        }
        std::int64_t magnitude = 0;
        for (int x = 0; x < xmax; ++x)
            magnitude += out[x] < 0 ? -std::int64_t(out[x]) : out[x];
        if (255 * magnitude + (1 << kPrecisionBits) > std::numeric_limits<std::int32_t>::max())
            c.fitsInt32 = false;
        c.first[xx] = xmin;
        c.count[xx] = xmax;
    }
    return c;
}

// One output row of ImagingResampleHorizontal_8bpc for an image of N channels.
template <int N, typename Acc>
void resampleRow(const std::uint8_t* src, std::uint8_t* dst, const Coefficients& c, int outWidth)
{
    for (int xx = 0; xx < outWidth; ++xx) {
        const std::int32_t* k = &c.weights[static_cast<std::size_t>(xx) * c.ksize];
        const std::uint8_t* s = src + static_cast<std::size_t>(c.first[xx]) * N;
        Acc acc[N];
        for (int b = 0; b < N; ++b)
            acc[b] = Acc(1) << (kPrecisionBits - 1);
        for (int x = 0; x < c.count[xx]; ++x)
            for (int b = 0; b < N; ++b)
                acc[b] += static_cast<Acc>(s[x * N + b]) * k[x];
        for (int b = 0; b < N; ++b)
            dst[xx * N + b] = clip8(acc[b]);
    }
}

template <typename Acc>
void resampleRowAnyChannels(int channels, const std::uint8_t* src, std::uint8_t* dst, const Coefficients& c,
                            int outWidth)
{
    if (channels == 1)
        resampleRow<1, Acc>(src, dst, c, outWidth);
    else if (channels == 3)
        resampleRow<3, Acc>(src, dst, c, outWidth);
    else
        resampleRow<4, Acc>(src, dst, c, outWidth);
}

// ImagingResampleHorizontal_8bpc: output rows are input rows rowOffset .. rowOffset + rows.
ImageU8 resampleHorizontal(const ImageU8& in, int rowOffset, int rows, const Coefficients& c, int outWidth)
{
    ImageU8 out;
    out.width = outWidth;
    out.height = rows;
    out.channels = in.channels;
    const int ch = in.channels;
    out.pixels.resize(static_cast<std::size_t>(outWidth) * rows * ch);
    const std::size_t inStride = static_cast<std::size_t>(in.width) * ch;
    for (int yy = 0; yy < rows; ++yy) {
        const std::uint8_t* src = in.pixels.data() + static_cast<std::size_t>(yy + rowOffset) * inStride;
        std::uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(yy) * outWidth * ch;
        if (c.fitsInt32)
            resampleRowAnyChannels<std::int32_t>(ch, src, dst, c, outWidth);
        else
            resampleRowAnyChannels<std::int64_t>(ch, src, dst, c, outWidth);
    }
    return out;
}

// ImagingResampleVertical_8bpc: c.first is relative to the first row of `in`. Same sums as Pillow,
// accumulated row by row for locality.
template <typename Acc>
ImageU8 resampleVerticalWith(const ImageU8& in, const Coefficients& c, int outHeight)
{
    ImageU8 out;
    out.width = in.width;
    out.height = outHeight;
    out.channels = in.channels;
    const std::size_t stride = static_cast<std::size_t>(in.width) * in.channels;
    out.pixels.resize(stride * outHeight);
    std::vector<Acc> acc(stride);
    for (int yy = 0; yy < outHeight; ++yy) {
        const std::int32_t* k = &c.weights[static_cast<std::size_t>(yy) * c.ksize];
        std::fill(acc.begin(), acc.end(), Acc(1) << (kPrecisionBits - 1));
        for (int y = 0; y < c.count[yy]; ++y) {
            const std::uint8_t* src = in.pixels.data() + static_cast<std::size_t>(c.first[yy] + y) * stride;
            const Acc w = k[y];
            for (std::size_t i = 0; i < stride; ++i)
                acc[i] += static_cast<Acc>(src[i]) * w;
        }
        std::uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(yy) * stride;
        for (std::size_t i = 0; i < stride; ++i)
            dst[i] = clip8(acc[i]);
    }
    return out;
}

ImageU8 resampleVertical(const ImageU8& in, const Coefficients& c, int outHeight)
{
    return c.fitsInt32 ? resampleVerticalWith<std::int32_t>(in, c, outHeight)
                       : resampleVerticalWith<std::int64_t>(in, c, outHeight);
}

void checkOutputSize(int width, int height)
{
    if (width < 1 || height < 1)
        throw Error("resize: output size " + std::to_string(width) + " x " + std::to_string(height) +
                    " must be positive");
    if (static_cast<long long>(width) * height > kMaxResizePixels)
        throw Error("resize: output size " + std::to_string(width) + " x " + std::to_string(height) +
                    " is larger than " + std::to_string(kMaxResizePixels) + " pixels");
}

} // namespace

void validateImage(const ImageU8& image, const char* what)
{
    const std::string name = what ? what : "image";
    if (image.width < 1 || image.height < 1)
        throw Error(name + ": empty image (" + std::to_string(image.width) + " x " +
                    std::to_string(image.height) + ")");
    if (image.channels != 1 && image.channels != 3 && image.channels != 4)
        throw Error(name + ": unsupported channel count " + std::to_string(image.channels) +
                    " (expected 1, 3 or 4)");
    const unsigned long long expected = static_cast<unsigned long long>(image.width) *
                                        static_cast<unsigned long long>(image.height) *
                                        static_cast<unsigned long long>(image.channels);
    if (image.pixels.size() != expected)
        throw Error(name + ": pixel buffer holds " + std::to_string(image.pixels.size()) + " bytes, expected " +
                    std::to_string(expected));
}

ImageU8 toRgb(const ImageU8& image)
{
    validateImage(image, "toRgb");
    if (image.channels == 3)
        return image;
    ImageU8 out;
    out.width = image.width;
    out.height = image.height;
    out.channels = 3;
    const std::size_t n = static_cast<std::size_t>(image.width) * image.height;
    out.pixels.resize(n * 3);
    const std::uint8_t* src = image.pixels.data();
    std::uint8_t* dst = out.pixels.data();
    if (image.channels == 1) {
        for (std::size_t i = 0; i < n; ++i)
            dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[i];
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            dst[3 * i] = src[4 * i];
            dst[3 * i + 1] = src[4 * i + 1];
            dst[3 * i + 2] = src[4 * i + 2];
        }
    }
    return out;
}

ImageU8 resizeBicubic(const ImageU8& rgb, int width, int height)
{
    validateImage(rgb, "resize");
    return resizeBicubic(rgb, width, height,
                         ResizeBox{0.0f, 0.0f, static_cast<float>(rgb.width), static_cast<float>(rgb.height)});
}

ImageU8 resizeBicubic(const ImageU8& rgb, int width, int height, const ResizeBox& box)
{
    validateImage(rgb, "resize");
    checkOutputSize(width, height);
    // The checks of Pillow's _resize (a zero-width box is allowed there, a negative one is not).
    if (!std::isfinite(box.x0) || !std::isfinite(box.y0) || !std::isfinite(box.x1) || !std::isfinite(box.y1))
        throw Error("resize: box is not finite");
    if (box.x0 < 0 || box.y0 < 0)
        throw Error("resize: box offset can't be negative");
    if (box.x1 > rgb.width || box.y1 > rgb.height)
        throw Error("resize: box can't exceed original image size");
    if (box.x1 - box.x0 < 0 || box.y1 - box.y0 < 0)
        throw Error("resize: box can't be empty");

    // ImagingResampleInner. Note Pillow compares box[2] with the OUTPUT width here.
    const bool needHorizontal = width != rgb.width || box.x0 != 0.0f || box.x1 != static_cast<float>(width);
    const bool needVertical = height != rgb.height || box.y0 != 0.0f || box.y1 != static_cast<float>(height);

    Coefficients vert = precomputeCoefficients(rgb.height, box.y0, box.y1, height);
    const int yboxFirst = vert.first[0];
    const int yboxLast = vert.first[height - 1] + vert.count[height - 1];

    ImageU8 horizontal;
    const ImageU8* current = &rgb;
    if (needHorizontal) {
        const Coefficients horiz = precomputeCoefficients(rgb.width, box.x0, box.x1, width);
        for (int& f : vert.first)
            f -= yboxFirst;
        horizontal = resampleHorizontal(rgb, yboxFirst, std::max(0, yboxLast - yboxFirst), horiz, width);
        current = &horizontal;
    }
    if (needVertical)
        return resampleVertical(*current, vert, height);
    return needHorizontal ? horizontal : rgb;
}

std::vector<float> preprocessImage(const ImageU8& image, const PreprocessConfig& config)
{
    if (config.size < 1 || config.size > 8192)
        throw Error("preprocess: image size " + std::to_string(config.size) + " is out of range 1..8192");
    for (float s : config.std)
        if (!(s != 0.0f) || !std::isfinite(s))
            throw Error("preprocess: image_std must be finite and non-zero");

    ImageU8 converted;   // an RGB image is resized as it is, without a copy
    if (image.channels != 3)
        converted = toRgb(image);
    const ImageU8 resized = resizeBicubic(image.channels == 3 ? image : converted, config.size, config.size);

    // transformers: rescale multiplies in float64 and casts to float32; normalize subtracts and divides
    // in float32 (mean and std are float32 arrays).
    float lut[3][256];
    for (int c = 0; c < 3; ++c)
        for (int v = 0; v < 256; ++v) {
            const float x = static_cast<float>(static_cast<double>(v) * config.rescale);
            lut[c][v] = (x - config.mean[c]) / config.std[c];
        }

    const std::size_t plane = static_cast<std::size_t>(config.size) * config.size;
    std::vector<float> out(plane * 3);
    const std::uint8_t* pixels = resized.pixels.data();
    for (int c = 0; c < 3; ++c) {
        float* dst = out.data() + c * plane;
        for (std::size_t i = 0; i < plane; ++i)
            dst[i] = lut[c][pixels[i * 3 + c]];
    }
    return out;
}

} // namespace kosmos
