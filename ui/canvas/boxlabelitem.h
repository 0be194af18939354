#pragma once
// A phrase label in the entity's colour, pinned to a box corner. It ignores the view's zoom, so it
// reads the same at 5 % and at 800 %.
#include <QColor>
#include <QFont>
#include <QGraphicsItem>
#include <QString>

namespace kosmos::ui {

class BoxLabelItem : public QGraphicsItem {
public:
    BoxLabelItem(const QString& text, const QColor& color, QGraphicsItem* parent = nullptr);

    void setText(const QString& text);
    QString text() const { return mText; }
    void setEmphasized(bool emphasized);
    // Above the anchor point (outside the box), or below it (inside, for boxes at the image's top).
    void setAbove(bool above);

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QString mText;
    QColor mColor;
    QFont mFont;
    bool mEmphasized = false;
    bool mAbove = false;
};

} // namespace kosmos::ui
