#include "ui/browser/sampleitemdelegate.h"

#include <QApplication>
#include <QFileInfo>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>

#include "core/sample.h"
#include "ui/browser/samplelistmodel.h"
#include "ui/textformat.h"

namespace kosmos::ui {

namespace store = kosmos::store;

namespace {

QString reviewLabel(int state) {
    switch (static_cast<store::ReviewState>(state)) {
    case store::ReviewState::Unreviewed: return SampleItemDelegate::tr("unreviewed");
    case store::ReviewState::Corrected: return SampleItemDelegate::tr("corrected");
    case store::ReviewState::Accepted: return SampleItemDelegate::tr("accepted");
    case store::ReviewState::Rejected: return SampleItemDelegate::tr("rejected");
    }
    return {};
}

QString splitLabel(int split) { return QString::fromLatin1(store::toString(static_cast<store::Split>(split))); }

} // namespace

QString sampleFacts(const QModelIndex& index) {
    QStringList facts;
    const QString key = index.data(SampleListModel::KeyRole).toString();
    const QString imagePath = index.data(SampleListModel::ImagePathRole).toString();
    // Keys the workbench gives (the image's name, or its name and a digest) say nothing the title does not.
    const QString name = QFileInfo(imagePath).completeBaseName();
    if (!imagePath.isEmpty() && (name.isEmpty() || (key != name && !key.startsWith(name + QLatin1Char('-')))))
        facts << key;
    facts << splitLabel(index.data(SampleListModel::SplitRole).toInt());
    facts << countOf(index.data(SampleListModel::EntityCountRole).toInt(), SampleItemDelegate::tr("entity"),
                     SampleItemDelegate::tr("entities"));
    const QVariant confidence = index.data(SampleListModel::MinConfidenceRole);
    if (confidence.isValid()) facts << SampleItemDelegate::tr("min %1").arg(confidence.toDouble(), 0, 'f', 2);
    return facts.join(QStringLiteral(" · "));
}

QColor reviewStateColor(int reviewState) {
    switch (static_cast<store::ReviewState>(reviewState)) {
    case store::ReviewState::Unreviewed: return QColor(120, 120, 128);
    case store::ReviewState::Corrected: return QColor(33, 118, 210);
    case store::ReviewState::Accepted: return QColor(46, 139, 87);
    case store::ReviewState::Rejected: return QColor(200, 60, 50);
    }
    return QColor(120, 120, 128);
}

SampleItemDelegate::SampleItemDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QSize SampleItemDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
    (void)index;
    const int lines = 3 * option.fontMetrics.height() + 4;
    return QSize(240, std::max(kThumbSide, lines) + 2 * kPadding);
}

void SampleItemDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    opt.icon = QIcon();
    QStyle* style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, opt.widget);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QRect area = opt.rect.adjusted(kPadding, kPadding, -kPadding, -kPadding);
    const QRect thumbBox(area.left(), area.top() + (area.height() - kThumbSide) / 2, kThumbSide, kThumbSide);
    const QPixmap thumb = qvariant_cast<QPixmap>(index.data(Qt::DecorationRole));
    painter->fillRect(thumbBox, opt.palette.color(QPalette::AlternateBase).darker(115));
    if (!thumb.isNull()) {
        const QSizeF logical = QSizeF(thumb.size()) / thumb.devicePixelRatio();
        const QPointF at(thumbBox.left() + (thumbBox.width() - logical.width()) / 2,
                         thumbBox.top() + (thumbBox.height() - logical.height()) / 2);
        painter->drawPixmap(at, thumb);
    }

    const bool selected = opt.state & QStyle::State_Selected;
    const QColor text = opt.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    QColor dim = text;
    dim.setAlphaF(0.7);
    const QFontMetrics fm = opt.fontMetrics;
    const int left = thumbBox.right() + kPadding + 2;
    const int width = area.right() - left;
    int y = area.top();

    // Line 1: image name (or key) and the review chip on the right.
    const QString state = reviewLabel(index.data(SampleListModel::ReviewRole).toInt());
    QFont small = opt.font;
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
    const QFontMetrics smallFm(small);
    const int chipWidth = smallFm.horizontalAdvance(state) + 10;
    const QRect chip(area.right() - chipWidth, y + 1, chipWidth, fm.height() - 2);
    QPainterPath chipPath;
    chipPath.addRoundedRect(chip, chip.height() / 2.0, chip.height() / 2.0);
    const QColor chipColor = reviewStateColor(index.data(SampleListModel::ReviewRole).toInt());
    painter->fillPath(chipPath, chipColor);
    painter->setFont(small);
    painter->setPen(Qt::white);
    painter->drawText(chip, Qt::AlignCenter, state);

    const QString imagePath = index.data(SampleListModel::ImagePathRole).toString();
    const QString title = imagePath.isEmpty() ? index.data(SampleListModel::KeyRole).toString() : QFileInfo(imagePath).fileName();
    QFont bold = opt.font;
    bold.setBold(true);
    painter->setFont(bold);
    painter->setPen(text);
    const QRect titleRect(left, y, width - chipWidth - kPadding, fm.height());
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetrics(bold).elidedText(title, Qt::ElideMiddle, titleRect.width()));
    y += fm.height() + 2;

    // Line 2: the caption.
    painter->setFont(opt.font);
    const QString caption = index.data(SampleListModel::CaptionRole).toString();
    painter->drawText(QRect(left, y, width, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                      fm.elidedText(caption, Qt::ElideRight, width));
    y += fm.height() + 2;

    // Line 3: facts.
    painter->setFont(small);
    painter->setPen(dim);
    painter->drawText(QRect(left, y, width, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                      smallFm.elidedText(sampleFacts(index), Qt::ElideRight, width));
    painter->restore();
}

} // namespace kosmos::ui
