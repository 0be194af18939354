#pragma once
// The two corner-token distributions of a box (32x32 grids of probabilities) as one translucent image:
// upper-left token in warm, lower-right token in cool colours, opacity following the probability.
#include <QColor>
#include <QImage>

#include <vector>

namespace kosmos::ui {

inline const QColor kUpperLeftHeatColor{255, 140, 0};
inline const QColor kLowerRightHeatColor{0, 170, 255};

// A bins x bins ARGB image (one pixel per patch cell); null when neither grid has bins*bins values.
// Each grid is scaled to its own maximum, so a flat and a peaked distribution both stay visible.
QImage cornerHeatmapImage(const std::vector<float>& upperLeft, const std::vector<float>& lowerRight, int bins = 32);

} // namespace kosmos::ui
