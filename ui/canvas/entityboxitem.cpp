#include "ui/canvas/entityboxitem.h"

#include <QPaintDevice>
#include <QPainter>
#include <QPen>

#include "ui/canvas/boxlabelitem.h"

namespace kosmos::ui {
namespace {
constexpr qreal kLabelRoom = 24;   // image pixels above a box needed to put its label there
}

EntityBoxItem::EntityBoxItem(const QRectF& rect, const QColor& color, const QString& label, int sourceRow,
                             int entity, QGraphicsItem* parent)
    : QGraphicsItem(parent),
      mRect(rect),
      mColor(color),
      mSourceRow(sourceRow),
      mEntity(entity),
      mLabel(new BoxLabelItem(label, color, this)) {
    // Outside the box keeps small boxes visible; boxes touching the top get their label inside. The canvas
    // moves labels that would cover one another (ImageCanvas::placeLabels).
    setLabelPlace(rect.top() >= kLabelRoom ? LabelPlace::AboveTop : LabelPlace::BelowTop);
}

namespace {
bool onTopEdge(LabelPlace place) { return place == LabelPlace::AboveTop || place == LabelPlace::BelowTop; }
bool aboveEdge(LabelPlace place) { return place == LabelPlace::AboveTop || place == LabelPlace::AboveBottom; }
} // namespace

void EntityBoxItem::setLabelPlace(LabelPlace place, qreal shiftLeft) {
    mLabelPlace = place;
    mLabel->setPos(onTopEdge(place) ? mRect.topLeft() : mRect.bottomLeft());
    mLabel->setAbove(aboveEdge(place));
    mLabelShiftLeft = shiftLeft;
    mLabel->setShiftLeft(shiftLeft);
}

QRectF EntityBoxItem::labelRectInView(LabelPlace place, const QTransform& sceneToViewport) const {
    const QPointF anchor = sceneToViewport.map(mapToScene(onTopEdge(place) ? mRect.topLeft() : mRect.bottomLeft()));
    const QRectF own = mLabel->boundingRect();   // label pixels
    const qreal top = aboveEdge(place) ? anchor.y() - own.height() : anchor.y();
    return QRectF(anchor.x(), top, own.width(), own.height());
}

QString EntityBoxItem::label() const { return mLabel->text(); }

void EntityBoxItem::setEmphasis(Emphasis emphasis) {
    if (emphasis == mEmphasis) return;
    mEmphasis = emphasis;
    mLabel->setEmphasized(emphasis == Emphasis::Hovered || emphasis == Emphasis::Selected);
    // Dimmed boxes step back, but their labels stay readable (at 0.45 white text on a pale tint was not).
    mLabel->setOpacity(emphasis == Emphasis::Dimmed ? 0.8 : 1.0);
    update();
}

void EntityBoxItem::setSuggestion(bool suggestion) {
    if (suggestion == mSuggestion) return;
    mSuggestion = suggestion;
    update();
}

QRectF EntityBoxItem::boundingRect() const { return mRect; }

QPainterPath EntityBoxItem::shape() const {
    QPainterPath path;
    path.addRect(mRect);
    return path;
}

void EntityBoxItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) {
    (void)option;
    (void)widget;
    QColor stroke = mColor;
    qreal width = 2;
    QColor fill = Qt::transparent;
    switch (mEmphasis) {
    case Emphasis::Normal: break;
    case Emphasis::Hovered:
        width = 3;
        fill = mColor;
        fill.setAlpha(40);
        break;
    case Emphasis::Selected:
        width = 3.5;
        fill = mColor;
        fill.setAlpha(60);
        break;
    case Emphasis::Dimmed: stroke.setAlpha(110); break;
    }
    // Cosmetic pens are measured in device pixels: keep the same look on HiDPI screens.
    const qreal dpr = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
    width *= dpr;
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->fillRect(mRect, fill);
    // A thin dark halo under the colour keeps the outline visible on any background.
    QPen halo(QColor(0, 0, 0, mEmphasis == Emphasis::Dimmed ? 60 : 140), width + 2 * dpr);
    halo.setCosmetic(true);
    halo.setJoinStyle(Qt::MiterJoin);
    painter->setPen(halo);
    painter->setBrush(Qt::NoBrush);
    painter->drawRect(mRect);
    QPen pen(stroke, width, mSuggestion ? Qt::DashLine : Qt::SolidLine);
    pen.setCosmetic(true);
    pen.setJoinStyle(Qt::MiterJoin);
    painter->setPen(pen);
    painter->drawRect(mRect);
}

} // namespace kosmos::ui
