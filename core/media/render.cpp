// Box outlines and phrase labels drawn with OpenCV onto an RGB copy of the image.
#include "core/media/render.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace kosmos {

namespace {

// Distinct, saturated colours (RGB) that stay readable on photographs.
const std::array<std::uint8_t, 3> kPalette[] = {
    {230, 25, 75},  {60, 180, 75},  {0, 130, 200},  {245, 130, 48}, {145, 30, 180}, {70, 240, 240},
    {240, 50, 230}, {210, 245, 60}, {250, 190, 212}, {0, 128, 128}, {170, 110, 40}, {255, 225, 25},
};

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr std::size_t kMaxLabelChars = 120;

// Hershey fonts draw ASCII only: each UTF-8 sequence becomes '?', control characters spaces.
std::string asciiLabel(const std::string& phrase)
{
    std::string out;
    for (std::size_t i = 0; i < phrase.size() && out.size() < kMaxLabelChars; ++i) {
        const auto c = static_cast<unsigned char>(phrase[i]);
        if (c < 0x20 || c == 0x7F)
            out += ' ';
        else if (c < 0x80)
            out += static_cast<char>(c);
        else if ((c & 0xC0) != 0x80)  // lead byte of a multi-byte sequence
            out += '?';
    }
    return out;
}

struct PixelRect {
    int left, top, right, bottom;  // inclusive
};

// Normalised box -> inclusive pixel rectangle inside the image; false when it misses the image.
bool pixelRect(const Box& box, int width, int height, PixelRect& rect)
{
    for (double v : box)
        if (!std::isfinite(v))
            return false;
    const double x0 = std::min(box[0], box[2]) * width, x1 = std::max(box[0], box[2]) * width;
    const double y0 = std::min(box[1], box[3]) * height, y1 = std::max(box[1], box[3]) * height;
    if (x1 <= 0 || y1 <= 0 || x0 >= width || y0 >= height)
        return false;
    rect.left = static_cast<int>(std::floor(std::max(x0, 0.0)));
    rect.top = static_cast<int>(std::floor(std::max(y0, 0.0)));
    rect.right = std::max(rect.left, static_cast<int>(std::ceil(std::min(x1, double(width)))) - 1);
    rect.bottom = std::max(rect.top, static_cast<int>(std::ceil(std::min(y1, double(height)))) - 1);
    return true;
}

// Outline drawn inwards, so that the box's own pixels carry the colour even at the image border.
void drawOutline(cv::Mat& mat, const PixelRect& r, int thickness, const cv::Scalar& colour)
{
    const int w = r.right - r.left + 1, h = r.bottom - r.top + 1;
    const int tx = std::min(thickness, w), ty = std::min(thickness, h);
    cv::rectangle(mat, cv::Rect(r.left, r.top, w, ty), colour, cv::FILLED);
    cv::rectangle(mat, cv::Rect(r.left, r.bottom - ty + 1, w, ty), colour, cv::FILLED);
    cv::rectangle(mat, cv::Rect(r.left, r.top, tx, h), colour, cv::FILLED);
    cv::rectangle(mat, cv::Rect(r.right - tx + 1, r.top, tx, h), colour, cv::FILLED);
}

// Moves `rect` down past the labels already drawn when it overlaps one and there is room below.
int freeLabelTop(const cv::Rect& rect, const std::vector<cv::Rect>& placed, int imageHeight)
{
    cv::Rect candidate = rect;
    for (std::size_t tries = 0; tries <= placed.size(); ++tries) {
        int below = -1;
        for (const cv::Rect& p : placed)
            if ((candidate & p).area() > 0)
                below = std::max(below, p.y + p.height);
        if (below < 0)
            return candidate.y;
        if (below + candidate.height > imageHeight)
            break;
        candidate.y = below;
    }
    return rect.y;
}

void drawLabel(cv::Mat& mat, const PixelRect& r, std::string text, double scale, int thickness,
               const std::array<std::uint8_t, 3>& rgb, std::vector<cv::Rect>& placed)
{
    if (text.empty())
        return;
    const int pad = std::max(1, thickness + 1);
    int baseline = 0;
    cv::Size size = cv::getTextSize(text, kFont, scale, thickness, &baseline);
    const std::string full = text;
    for (std::size_t keep = full.size(); size.width + 2 * pad > mat.cols && keep > 1;) {
        text = full.substr(0, --keep) + "...";
        size = cv::getTextSize(text, kFont, scale, thickness, &baseline);
    }
    const int labelW = size.width + 2 * pad;
    const int labelH = size.height + baseline + 2 * pad;
    // Above the box when there is room, otherwise just inside its top edge; always inside the image.
    int top = r.top - labelH >= 0 ? r.top - labelH : r.top;
    top = std::max(0, std::min(top, mat.rows - labelH));
    const int left = std::max(0, std::min(r.left, mat.cols - labelW));
    top = freeLabelTop(cv::Rect(left, top, labelW, labelH), placed, mat.rows);
    placed.emplace_back(left, top, labelW, labelH);
    const cv::Scalar background(rgb[0], rgb[1], rgb[2]);
    cv::rectangle(mat, cv::Rect(left, top, labelW, labelH), background, cv::FILLED);
    const double luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
    const cv::Scalar ink = luminance > 150 ? cv::Scalar(0, 0, 0) : cv::Scalar(255, 255, 255);
    cv::putText(mat, text, cv::Point(left + pad, top + pad + size.height), kFont, scale, ink, thickness,
                cv::LINE_AA);
}

} // namespace

std::size_t entityPaletteSize()
{
    return sizeof(kPalette) / sizeof(kPalette[0]);
}

std::array<std::uint8_t, 3> entityColour(std::size_t index)
{
    return kPalette[index % entityPaletteSize()];
}

ImageU8 renderEntities(const ImageU8& image, const std::vector<Entity>& entities, const RenderOptions& options)
{
    ImageU8 out = toRgb(image);
    cv::Mat mat(out.height, out.width, CV_8UC3, out.pixels.data());  // drawn in RGB order
    const int base = std::min(out.width, out.height);
    const int lineThickness = options.lineThickness > 0
                                  ? options.lineThickness
                                  : std::max(2, static_cast<int>(std::lround(base / 200.0)));
    const double fontScale = options.fontScale > 0 && std::isfinite(options.fontScale)
                                 ? std::min(options.fontScale, 20.0)
                                 : std::clamp(base / 800.0, 0.45, 4.0);
    const int textThickness = std::max(1, static_cast<int>(std::lround(fontScale * 1.5)));

    for (std::size_t i = 0; i < entities.size(); ++i) {
        const auto rgb = entityColour(i);
        const cv::Scalar colour(rgb[0], rgb[1], rgb[2]);
        for (const Box& box : entities[i].boxes) {
            PixelRect rect{};
            if (pixelRect(box, out.width, out.height, rect))
                drawOutline(mat, rect, lineThickness, colour);
        }
    }
    // Labels last, so that no outline crosses a phrase.
    if (options.drawLabels) {
        std::vector<cv::Rect> placed;
        for (std::size_t i = 0; i < entities.size(); ++i) {
            const std::string text = asciiLabel(entities[i].phrase);
            for (const Box& box : entities[i].boxes) {
                PixelRect rect{};
                if (pixelRect(box, out.width, out.height, rect))
                    drawLabel(mat, rect, text, fontScale, textThickness, entityColour(i), placed);
            }
        }
    }
    return out;
}

} // namespace kosmos
