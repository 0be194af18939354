#pragma once
// One colour per grounded entity, shared by the canvas, the caption and the entity list.
#include <QColor>

namespace kosmos::ui {

// Distinct, saturated colours that stay readable on photos; cycles through hues past the fixed palette.
QColor entityColor(int entityIndex);

// Black or white, whichever reads better on `background`.
QColor contrastingTextColor(const QColor& background);

} // namespace kosmos::ui
