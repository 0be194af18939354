#include "ui/appicon.h"

#include <QLinearGradient>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace kosmos::ui {
namespace {

// Draws on a 64x64 design grid scaled to `size`.
QPixmap drawIcon(int size) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size / 64.0, size / 64.0);

    QLinearGradient background(0, 0, 0, 64);
    background.setColorAt(0, QColor(0x25, 0x3a, 0x6b));
    background.setColorAt(1, QColor(0x12, 0x1c, 0x38));
    p.setPen(Qt::NoPen);
    p.setBrush(background);
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 12, 12);

    // A landscape: the "image".
    QPainterPath hills;
    hills.moveTo(8, 52);
    hills.lineTo(24, 34);
    hills.lineTo(34, 44);
    hills.lineTo(42, 36);
    hills.lineTo(56, 52);
    hills.closeSubpath();
    p.setBrush(QColor(0x5d, 0x7f, 0xb8));
    p.drawPath(hills);
    p.setBrush(QColor(0xff, 0xd1, 0x66));
    p.drawEllipse(QPointF(45, 18), 5, 5);

    // Two grounded boxes with label tabs.
    const auto box = [&p](const QRectF& rect, const QColor& color) {
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(color, 3.2, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
        p.drawRect(rect);
        p.setPen(Qt::NoPen);
        p.setBrush(color);
        p.drawRect(QRectF(rect.left() - 1.6, rect.top() - 7, 14, 7));
    };
    box(QRectF(12, 24, 26, 26), QColor(0xf5, 0x82, 0x31));
    box(QRectF(36, 11, 18, 17), QColor(0x42, 0xd4, 0xf4));
    return pixmap;
}

} // namespace

QIcon applicationIcon() {
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256}) icon.addPixmap(drawIcon(size));
    return icon;
}

} // namespace kosmos::ui
