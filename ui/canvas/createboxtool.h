#pragma once
// Drag a rectangle on the image. Showing a result: the region a referring-expression prompt asks
// about (the document's query box). Editing a stored sample: a new box, for the caption text
// selected (it joins the entity with that span, or starts one), or with Shift for the selected
// entity (a phrase with several boxes), or otherwise without a phrase until it is linked.
#include <QRectF>

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
    void addBox(ImageCanvas* canvas, const QRectF& rect, Qt::KeyboardModifiers modifiers);

    QPointF mStart;
    QGraphicsRectItem* mPreview = nullptr;   // owned by the scene while a drag is going
};

} // namespace kosmos::ui
