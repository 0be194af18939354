#pragma once
// One box of a grounded entity on the canvas: an outline in the entity's colour (cosmetic pen, so it
// keeps its width at any zoom) with a phrase label.
#include <QColor>
#include <QGraphicsItem>

namespace kosmos::ui {

class BoxLabelItem;

class EntityBoxItem : public QGraphicsItem {
public:
    enum class Emphasis { Normal, Hovered, Selected, Dimmed };

    EntityBoxItem(const QRectF& rect, const QColor& color, const QString& label, int sourceRow, int entity,
                  QGraphicsItem* parent = nullptr);

    int sourceRow() const { return mSourceRow; }
    int entity() const { return mEntity; }
    QRectF rect() const { return mRect; }
    QColor color() const { return mColor; }
    QString label() const;
    BoxLabelItem* labelItem() const { return mLabel; }

    // Which box of its entity this is.
    void setBoxIndex(int box) { mBoxIndex = box; }
    int boxIndex() const { return mBoxIndex; }
    // A model suggestion not accepted yet: drawn dashed.
    void setSuggestion(bool suggestion);
    bool isSuggestion() const { return mSuggestion; }

    void setEmphasis(Emphasis emphasis);
    Emphasis emphasis() const { return mEmphasis; }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QRectF mRect;
    QColor mColor;
    int mSourceRow;
    int mEntity;
    Emphasis mEmphasis = Emphasis::Normal;
    int mBoxIndex = 0;
    bool mSuggestion = false;
    BoxLabelItem* mLabel;
};

} // namespace kosmos::ui
