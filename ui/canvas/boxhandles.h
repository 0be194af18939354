#pragma once
// Geometry of editing a box with the mouse: the eight resize handles around a selected box, which
// one (or the box itself) is under the pointer, and the rectangle a drag of each produces, kept
// inside the image. Pure functions on rectangles.
#include <QList>
#include <QPointF>
#include <QRectF>
#include <Qt>

namespace kosmos::ui {

enum class BoxHandle { None, Move, TopLeft, Top, TopRight, Right, BottomRight, Bottom, BottomLeft, Left };

// Handle centres in the order TopLeft, Top, TopRight, Right, BottomRight, Bottom, BottomLeft, Left.
QList<QPointF> handleCentres(const QRectF& rect);
BoxHandle handleOfIndex(int index);

// The handle within `tolerance` of `pos` (all in the same coordinates: view pixels), Move when `pos` is
// inside the box, None otherwise.
BoxHandle handleAt(const QRectF& rect, const QPointF& pos, qreal tolerance);

// `start` with the edges of `handle` moved by `delta`, normalised, inside `bounds` and at least
// `minSize` wide and high.
QRectF resizedRect(const QRectF& start, BoxHandle handle, const QPointF& delta, const QRectF& bounds, qreal minSize);

// The part of `delta` that keeps every one of `rects` inside `bounds` when all move together.
QPointF clampedDelta(const QList<QRectF>& rects, const QPointF& delta, const QRectF& bounds);

Qt::CursorShape handleCursor(BoxHandle handle);

} // namespace kosmos::ui
