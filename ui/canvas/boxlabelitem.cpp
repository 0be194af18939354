#include "ui/canvas/boxlabelitem.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QPainter>

#include "ui/document/entitycolors.h"

namespace kosmos::ui {
namespace {
constexpr qreal kPadding = 3;
}

BoxLabelItem::BoxLabelItem(const QString& text, const QColor& color, QGraphicsItem* parent)
    : QGraphicsItem(parent), mText(text), mColor(color), mFont(QApplication::font()) {
    setFlag(ItemIgnoresTransformations);
    mFont.setBold(true);
}

void BoxLabelItem::setText(const QString& text) {
    prepareGeometryChange();
    mText = text;
}

void BoxLabelItem::setEmphasized(bool emphasized) {
    if (emphasized == mEmphasized) return;
    mEmphasized = emphasized;
    update();
}

void BoxLabelItem::setAbove(bool above) {
    if (above == mAbove) return;
    prepareGeometryChange();
    mAbove = above;
}

void BoxLabelItem::setShiftLeft(qreal pixels) {
    if (pixels == mShiftLeft) return;
    prepareGeometryChange();
    mShiftLeft = pixels;
}

QRectF BoxLabelItem::boundingRect() const {
    const QFontMetricsF metrics(mFont);
    const qreal height = metrics.height() + 2 * kPadding;
    return QRectF(-mShiftLeft, mAbove ? -height : 0, metrics.horizontalAdvance(mText) + 2 * kPadding, height);
}

void BoxLabelItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) {
    (void)option;
    (void)widget;
    const QRectF rect = boundingRect();
    QColor fill = mColor;
    fill.setAlpha(mEmphasized ? 255 : 215);
    painter->setPen(Qt::NoPen);
    painter->setBrush(fill);
    painter->drawRect(rect);
    painter->setFont(mFont);
    painter->setPen(contrastingTextColor(mColor));
    painter->drawText(rect.adjusted(kPadding, kPadding, -kPadding, -kPadding), Qt::AlignLeft | Qt::AlignVCenter, mText);
}

} // namespace kosmos::ui
