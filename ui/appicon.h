#pragma once
// The application icon, drawn with QPainter (the same design as resources/kosmos2-workbench.svg;
// Qt's SVG module is not a dependency).
#include <QIcon>

namespace kosmos::ui {

QIcon applicationIcon();

} // namespace kosmos::ui
