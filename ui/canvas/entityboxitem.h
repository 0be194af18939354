#pragma once
// One box of a grounded entity on the canvas: an outline in the entity's colour (cosmetic pen, so it
// keeps its width at any zoom) with a phrase label.
#include <QColor>
#include <QGraphicsItem>

#include "ui/canvas/boxlabelitem.h"

namespace kosmos::ui {

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

    // The label's place (above the box's top edge unless the box touches the image's top).
    void setLabelPlace(LabelPlace place, qreal shiftLeft = 0);
    LabelPlace labelPlace() const { return mLabelPlace; }
    qreal labelShiftLeft() const { return mLabelShiftLeft; }
    // The label's rectangle in viewport pixels at `place` (not shifted left), for a view mapping scene to
    // viewport with `sceneToViewport` (labels keep their size on screen).
    QRectF labelRectInView(LabelPlace place, const QTransform& sceneToViewport) const;

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
    LabelPlace mLabelPlace = LabelPlace::AboveTop;
    qreal mLabelShiftLeft = 0;
    BoxLabelItem* mLabel;
};

} // namespace kosmos::ui
