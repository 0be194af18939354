#include "datasets/background.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "datasets/synth_random.h"

namespace kosmos::synth {
namespace {

void fillGradient(cv::Mat& image, const Background& bg) {
    // Position along the direction in fixed point, scaled to 0..256 between the extreme corners.
    const std::int64_t dx = std::lround(std::cos(bg.angleRadians) * 1024.0);
    const std::int64_t dy = std::lround(std::sin(bg.angleRadians) * 1024.0);
    const std::int64_t w = image.cols - 1, h = image.rows - 1;
    const std::int64_t corners[4] = {0, dx * w, dy * h, dx * w + dy * h};
    const std::int64_t lo = *std::min_element(corners, corners + 4);
    const std::int64_t hi = *std::max_element(corners, corners + 4);
    const std::int64_t span = std::max<std::int64_t>(hi - lo, 1);
    const int from[3] = {bg.colour.b, bg.colour.g, bg.colour.r};
    const int to[3] = {bg.colour2.b, bg.colour2.g, bg.colour2.r};
    for (int y = 0; y < image.rows; ++y) {
        cv::Vec3b* row = image.ptr<cv::Vec3b>(y);
        for (int x = 0; x < image.cols; ++x) {
            const std::int64_t t = ((dx * x + dy * y - lo) * 256) / span;
            for (int c = 0; c < 3; ++c)
                row[x][c] = static_cast<std::uint8_t>((from[c] * (256 - t) + to[c] * t + 128) >> 8);
        }
    }
}

void fillNoise(cv::Mat& image, const Background& bg) {
    SynthRandom random(bg.noiseSeed);
    const int levels = 2 * bg.noiseAmplitude + 1;
    const int base[3] = {bg.colour.b, bg.colour.g, bg.colour.r};
    std::uint64_t bits = 0;
    int left = 0;
    // Four 16-bit draws per engine call; 16 bits scaled to 0..levels-1.
    auto offset = [&]() {
        if (left == 0) {
            bits = random.next();
            left = 4;
        }
        const int value = static_cast<int>(((bits & 0xFFFF) * static_cast<std::uint64_t>(levels)) >> 16);
        bits >>= 16;
        --left;
        return value - bg.noiseAmplitude;
    };
    for (int y = 0; y < image.rows; ++y) {
        cv::Vec3b* row = image.ptr<cv::Vec3b>(y);
        for (int x = 0; x < image.cols; ++x) {
            if (bg.greyNoise) {
                const int d = offset();
                for (int c = 0; c < 3; ++c) row[x][c] = cv::saturate_cast<std::uint8_t>(base[c] + d);
            } else {
                for (int c = 0; c < 3; ++c) row[x][c] = cv::saturate_cast<std::uint8_t>(base[c] + offset());
            }
        }
    }
}

} // namespace

cv::Mat renderBackground(const Background& bg, int width, int height) {
    cv::Mat image(height, width, CV_8UC3, cv::Scalar(bg.colour.b, bg.colour.g, bg.colour.r));
    if (bg.kind == BackgroundKind::Gradient) fillGradient(image, bg);
    if (bg.kind == BackgroundKind::Noise && bg.noiseAmplitude > 0) fillNoise(image, bg);
    return image;
}

} // namespace kosmos::synth
