#pragma once
// Paints one sample of the dataset browser: thumbnail, image name, review state as a coloured chip,
// the caption, and a line of facts (sampleFacts).
#include <QStyledItemDelegate>

namespace kosmos::ui {

class SampleItemDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit SampleItemDelegate(QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

    static constexpr int kThumbSide = 56;
    static constexpr int kPadding = 6;
};

// A sample's line of facts: its key where it is neither the image's name nor that name and a suffix after a
// hyphen (images of one name from different folders), split, entities, lowest model confidence.
QString sampleFacts(const QModelIndex& index);

// The colour of a review state's chip.
QColor reviewStateColor(int reviewState);

} // namespace kosmos::ui
