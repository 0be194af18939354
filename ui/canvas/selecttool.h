#pragma once
// The default tool. Showing a result: click a box to select its entity (Ctrl toggles; a click on the
// image clears the selection), drag to pan. Editing a stored sample as well: drag a box to move it
// (with the other selected boxes), drag a handle of a selected box to resize it; each drag is one
// undo step. Dragging the image still pans.
#include "ui/canvas/canvastool.h"

#include <QList>
#include <QPoint>
#include <QRectF>

#include "ui/canvas/boxhandles.h"
#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class SelectTool : public CanvasTool {
public:
    bool mousePress(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    bool mouseMove(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    bool mouseRelease(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) override;
    void deactivate(ImageCanvas* canvas) override;
    Qt::CursorShape cursor() const override { return Qt::OpenHandCursor; }

private:
    enum class Drag { None, Pan, Boxes };
    // The selected box whose handle (or inside) is under a view position.
    bool findHandle(ImageCanvas* canvas, const QPoint& viewPos, BoxRef* ref, BoxHandle* handle) const;
    bool startBoxDrag(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos);
    void dragBoxes(ImageCanvas* canvas, const QPointF& scenePos);
    void updateHoverCursor(ImageCanvas* canvas, const QPoint& viewPos);

    QPoint mPressPos;
    QPointF mPressScene;
    bool mPressed = false;
    bool mDragged = false;
    Drag mDrag = Drag::None;
    BoxHandle mHandle = BoxHandle::None;
    QList<BoxRef> mRefs;          // boxes a drag changes
    QList<QRectF> mStartRects;    // their scene rectangles when the drag began
    int mDragSerial = 0;
};

} // namespace kosmos::ui
