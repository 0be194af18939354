#include "ui/canvas/heatmapimage.h"

#include <algorithm>
#include <cmath>

namespace kosmos::ui {
namespace {

// Cells under this fraction of the peak stay clear, so the image shows through around the peaks.
constexpr float kFloor = 0.04f;
constexpr float kMaxAlpha = 190.0f;

// Normalised intensities in [0,1], or empty when the grid has the wrong size or no mass.
std::vector<float> normalisedGrid(const std::vector<float>& grid, int bins) {
    const std::size_t cells = static_cast<std::size_t>(bins) * static_cast<std::size_t>(bins);
    if (grid.size() != cells) return {};
    float peak = 0;
    for (float v : grid)
        if (std::isfinite(v)) peak = std::max(peak, v);
    if (peak <= 0) return {};
    std::vector<float> out(cells);
    for (std::size_t i = 0; i < cells; ++i) {
        const float v = std::isfinite(grid[i]) ? std::max(0.0f, grid[i]) / peak : 0.0f;
        out[i] = v < kFloor ? 0.0f : v;
    }
    return out;
}

} // namespace

QImage cornerHeatmapImage(const std::vector<float>& upperLeft, const std::vector<float>& lowerRight, int bins) {
    if (bins <= 0 || bins > 1024) return {};
    const std::vector<float> ul = normalisedGrid(upperLeft, bins);
    const std::vector<float> lr = normalisedGrid(lowerRight, bins);
    if (ul.empty() && lr.empty()) return {};
    QImage image(bins, bins, QImage::Format_ARGB32);
    for (int y = 0; y < bins; ++y) {
        auto* row = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < bins; ++x) {
            const std::size_t i = static_cast<std::size_t>(y) * static_cast<std::size_t>(bins) + static_cast<std::size_t>(x);
            const float a = ul.empty() ? 0.0f : ul[i];
            const float b = lr.empty() ? 0.0f : lr[i];
            const float total = a + b;
            if (total <= 0) {
                row[x] = qRgba(0, 0, 0, 0);
                continue;
            }
            const float wa = a / total;
            const float wb = b / total;
            const int r = static_cast<int>(kUpperLeftHeatColor.red() * wa + kLowerRightHeatColor.red() * wb);
            const int g = static_cast<int>(kUpperLeftHeatColor.green() * wa + kLowerRightHeatColor.green() * wb);
            const int bl = static_cast<int>(kUpperLeftHeatColor.blue() * wa + kLowerRightHeatColor.blue() * wb);
            const int alpha = static_cast<int>(std::min(1.0f, std::max(a, b)) * kMaxAlpha);
            row[x] = qRgba(r, g, bl, alpha);
        }
    }
    return image;
}

} // namespace kosmos::ui
