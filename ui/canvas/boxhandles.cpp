#include "ui/canvas/boxhandles.h"

#include <algorithm>
#include <cmath>

namespace kosmos::ui {

QList<QPointF> handleCentres(const QRectF& r) {
    const qreal cx = r.center().x();
    const qreal cy = r.center().y();
    return {r.topLeft(), {cx, r.top()}, r.topRight(), {r.right(), cy},
            r.bottomRight(), {cx, r.bottom()}, r.bottomLeft(), {r.left(), cy}};
}

BoxHandle handleOfIndex(int index) {
    static constexpr BoxHandle kOrder[] = {BoxHandle::TopLeft, BoxHandle::Top, BoxHandle::TopRight, BoxHandle::Right,
                                           BoxHandle::BottomRight, BoxHandle::Bottom, BoxHandle::BottomLeft, BoxHandle::Left};
    return index >= 0 && index < 8 ? kOrder[index] : BoxHandle::None;
}

BoxHandle handleAt(const QRectF& rect, const QPointF& pos, qreal tolerance) {
    const QList<QPointF> centres = handleCentres(rect);
    int best = -1;
    qreal bestDistance = tolerance;
    for (int i = 0; i < centres.size(); ++i) {
        const QPointF d = centres[i] - pos;
        const qreal distance = std::max(std::abs(d.x()), std::abs(d.y()));
        if (distance <= bestDistance) {
            best = i;
            bestDistance = distance;
        }
    }
    if (best >= 0) return handleOfIndex(best);
    return rect.contains(pos) ? BoxHandle::Move : BoxHandle::None;
}

QRectF resizedRect(const QRectF& start, BoxHandle handle, const QPointF& delta, const QRectF& bounds, qreal minSize) {
    qreal left = start.left(), top = start.top(), right = start.right(), bottom = start.bottom();
    const bool moveLeft = handle == BoxHandle::TopLeft || handle == BoxHandle::Left || handle == BoxHandle::BottomLeft;
    const bool moveRight = handle == BoxHandle::TopRight || handle == BoxHandle::Right || handle == BoxHandle::BottomRight;
    const bool moveTop = handle == BoxHandle::TopLeft || handle == BoxHandle::Top || handle == BoxHandle::TopRight;
    const bool moveBottom = handle == BoxHandle::BottomLeft || handle == BoxHandle::Bottom || handle == BoxHandle::BottomRight;
    if (moveLeft) left = std::clamp(left + delta.x(), bounds.left(), right - minSize);
    if (moveRight) right = std::clamp(right + delta.x(), left + minSize, bounds.right());
    if (moveTop) top = std::clamp(top + delta.y(), bounds.top(), bottom - minSize);
    if (moveBottom) bottom = std::clamp(bottom + delta.y(), top + minSize, bounds.bottom());
    return QRectF(QPointF(left, top), QPointF(right, bottom)).normalized().intersected(bounds);
}

QPointF clampedDelta(const QList<QRectF>& rects, const QPointF& delta, const QRectF& bounds) {
    qreal dx = delta.x();
    qreal dy = delta.y();
    for (const QRectF& r : rects) {
        dx = std::clamp(dx, std::min(0.0, bounds.left() - r.left()), std::max(0.0, bounds.right() - r.right()));
        dy = std::clamp(dy, std::min(0.0, bounds.top() - r.top()), std::max(0.0, bounds.bottom() - r.bottom()));
    }
    return {dx, dy};
}

Qt::CursorShape handleCursor(BoxHandle handle) {
    switch (handle) {
    case BoxHandle::TopLeft:
    case BoxHandle::BottomRight: return Qt::SizeFDiagCursor;
    case BoxHandle::TopRight:
    case BoxHandle::BottomLeft: return Qt::SizeBDiagCursor;
    case BoxHandle::Top:
    case BoxHandle::Bottom: return Qt::SizeVerCursor;
    case BoxHandle::Left:
    case BoxHandle::Right: return Qt::SizeHorCursor;
    case BoxHandle::Move: return Qt::SizeAllCursor;
    case BoxHandle::None: break;
    }
    return Qt::ArrowCursor;
}

} // namespace kosmos::ui
