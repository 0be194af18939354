#pragma once
// Drag a rectangle on the image: the region a referring-expression prompt asks about. The finished
// region goes to the document as its query box.
#include "ui/canvas/canvastool.h"

class QGraphicsRectItem;

namespace kosmos::ui {

class CreateBoxTool : public CanvasTool {
public:
    void deactivate(ImageCanvas* canvas) override;
    bool mousePress(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    bool mouseMove(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    bool mouseRelease(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    Qt::CursorShape cursor() const override { return Qt::CrossCursor; }

private:
    void removePreview();

    QPointF mStart;
    QGraphicsRectItem* mPreview = nullptr;   // owned by the scene while a drag is going
};

} // namespace kosmos::ui
