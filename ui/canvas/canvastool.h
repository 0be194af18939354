#pragma once
// What a left-button drag on the canvas does. The canvas forwards mouse events to its current tool;
// a tool returns true when it used the event.
#include <QPointF>
#include <Qt>

class QMouseEvent;

namespace kosmos::ui {

class ImageCanvas;

class CanvasTool {
public:
    virtual ~CanvasTool() = default;
    virtual void activate(ImageCanvas* canvas) { (void)canvas; }
    virtual void deactivate(ImageCanvas* canvas) { (void)canvas; }
    virtual bool mousePress(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) = 0;
    virtual bool mouseMove(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) = 0;
    virtual bool mouseRelease(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) = 0;
    virtual Qt::CursorShape cursor() const { return Qt::ArrowCursor; }
};

} // namespace kosmos::ui
