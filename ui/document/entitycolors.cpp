#include "ui/document/entitycolors.h"

#include <array>
#include <cmath>

namespace kosmos::ui {

QColor entityColor(int entityIndex) {
    static constexpr std::array<QRgb, 10> kPalette = {
        0xffe6194b, 0xff3cb44b, 0xff4363d8, 0xfff58231, 0xff911eb4,
        0xff42d4f4, 0xfff032e6, 0xffbfef45, 0xff469990, 0xff9a6324};
    if (entityIndex < 0) return QColor(Qt::gray);
    if (entityIndex < static_cast<int>(kPalette.size())) return QColor::fromRgb(kPalette[entityIndex]);
    // Golden-angle hue steps keep neighbours apart however many entities there are.
    const double hue = std::fmod(entityIndex * 137.508, 360.0);
    return QColor::fromHsv(static_cast<int>(hue), 200, 230);
}

QColor contrastingTextColor(const QColor& background) {
    const double luminance = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF();
    return luminance > 0.55 ? QColor(Qt::black) : QColor(Qt::white);
}

} // namespace kosmos::ui
