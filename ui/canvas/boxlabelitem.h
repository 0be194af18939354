#pragma once
// A phrase label in the entity's colour, pinned to a box corner. It ignores the view's zoom, so it
// reads the same at 5 % and at 800 %.
#include <QColor>
#include <QFont>
#include <QGraphicsItem>
#include <QString>

namespace kosmos::ui {

// Where a box's label sits: on the box's top or bottom edge, outside the box or inside it.
enum class LabelPlace { AboveTop, BelowTop, BelowBottom, AboveBottom };

class BoxLabelItem : public QGraphicsItem {
public:
    BoxLabelItem(const QString& text, const QColor& color, QGraphicsItem* parent = nullptr);

    void setText(const QString& text);
    QString text() const { return mText; }
    void setEmphasized(bool emphasized);
    // Above the anchor point, or below it.
    void setAbove(bool above);
    bool above() const { return mAbove; }
    // Screen pixels to the left of the anchor: a label of a box at the image's right edge stays on the image.
    void setShiftLeft(qreal pixels);

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QString mText;
    QColor mColor;
    QFont mFont;
    bool mEmphasized = false;
    bool mAbove = false;
    qreal mShiftLeft = 0;
};

} // namespace kosmos::ui
