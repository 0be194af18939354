#pragma once
// The default tool: click a box to select its entity (click on the image clears the selection),
// drag to pan.
#include "ui/canvas/canvastool.h"

#include <QPoint>

namespace kosmos::ui {

class SelectTool : public CanvasTool {
public:
    bool mousePress(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    bool mouseMove(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    bool mouseRelease(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    Qt::CursorShape cursor() const override { return Qt::OpenHandCursor; }

private:
    QPoint mPressPos;
    bool mPressed = false;
    bool mDragged = false;
};

} // namespace kosmos::ui
