#include "ui/document/entitylistmodel.h"

#include <QFont>
#include <QRectF>

#include <algorithm>
#include <cmath>

#include "ui/document/entitycolors.h"

namespace kosmos::ui {

QString formatConfidence(double confidence) {
    if (confidence >= 0.001) return QStringLiteral("%1 %").arg(confidence * 100.0, 0, 'f', 1);
    return QString::number(confidence, 'e', 1);
}

EntityListModel::EntityListModel(QObject* parent) : QAbstractTableModel(parent) {}

void EntityListModel::setResult(const kosmos::GenerationResult& result, const QSize& imageSize) {
    reset(result, imageSize, {}, false);
}

void EntityListModel::setAnnotatedResult(const kosmos::GenerationResult& result, const QSize& imageSize,
                                         const QList<EntityAnnotation>& annotations) {
    reset(result, imageSize, annotations, true);
}

void EntityListModel::reset(const kosmos::GenerationResult& result, const QSize& imageSize,
                            const QList<EntityAnnotation>& annotations, bool annotationMode) {
    beginResetModel();
    mAnnotations = annotations;
    mAnnotationMode = annotationMode;
    mResult = result;
    mImageSize = imageSize;
    mRows.clear();
    mColorIndex.clear();
    for (int e = 0; e < static_cast<int>(mResult.entities.size()); ++e) {
        const auto& entity = mResult.entities[static_cast<std::size_t>(e)];
        for (int b = 0; b < static_cast<int>(entity.boxes.size()); ++b) mRows.append(Row{e, b});
        int color = e;
        for (int earlier = 0; earlier < e && entity.span.second > entity.span.first; ++earlier)
            if (mResult.entities[static_cast<std::size_t>(earlier)].span == entity.span) {
                color = mColorIndex[earlier];
                break;
            }
        mColorIndex.append(color);
    }
    mHasResult = true;
    mHoveredEntity = -1;
    endResetModel();
}

void EntityListModel::clear() {
    beginResetModel();
    mResult = {};
    mAnnotations.clear();
    mAnnotationMode = false;
    mRows.clear();
    mColorIndex.clear();
    mHasResult = false;
    mHoveredEntity = -1;
    endResetModel();
}

const EntityAnnotation* EntityListModel::annotation(int entity) const {
    return entity >= 0 && entity < mAnnotations.size() ? &mAnnotations[entity] : nullptr;
}

QString EntityListModel::label(int entity) const {
    const QString phrase = QString::fromStdString(mResult.entities[static_cast<std::size_t>(entity)].phrase);
    const EntityAnnotation* info = annotation(entity);
    if (!info) return phrase;
    QString text = info->linked                                ? phrase
                   : info->suggestion && !phrase.isEmpty() ? tr("%1 (not in the caption)").arg(phrase)
                                                           : tr("(no phrase)");
    if (info->spanCut) text = QStringLiteral("\u26A0 ") + text;
    if (info->suggestion) text = tr("suggested: %1").arg(text);
    return text;
}

int EntityListModel::entityOfRow(int row) const {
    return row >= 0 && row < mRows.size() ? mRows[row].entity : -1;
}

const kosmos::BoxDetail* EntityListModel::boxDetail(int row) const {
    if (row < 0 || row >= mRows.size()) return nullptr;
    const Row& r = mRows[row];
    return &mResult.entities[static_cast<std::size_t>(r.entity)].boxes[static_cast<std::size_t>(r.box)];
}

QList<int> EntityListModel::rowsOfEntity(int entity) const {
    QList<int> rows;
    for (int i = 0; i < mRows.size(); ++i)
        if (mRows[i].entity == entity) rows.append(i);
    return rows;
}

void EntityListModel::setHoveredEntity(int entity) {
    if (entity < 0 || entity >= static_cast<int>(mResult.entities.size())) entity = -1;
    if (entity == mHoveredEntity) return;
    const int previous = mHoveredEntity;
    mHoveredEntity = entity;
    for (int e : {previous, entity}) {
        const QList<int> rows = rowsOfEntity(e);
        for (int row : rows)
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1), {Qt::BackgroundRole, Qt::FontRole});
    }
    emit hoveredEntityChanged(entity);
}

int EntityListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(mRows.size()); }

int EntityListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString EntityListModel::boxText(const kosmos::Box& box) const {
    if (mImageSize.isValid()) {
        const double w = mImageSize.width();
        const double h = mImageSize.height();
        return QStringLiteral("%1, %2 – %3, %4")
            .arg(qRound(box[0] * w)).arg(qRound(box[1] * h)).arg(qRound(box[2] * w)).arg(qRound(box[3] * h));
    }
    return QStringLiteral("%1, %2 – %3, %4")
        .arg(box[0], 0, 'f', 3).arg(box[1], 0, 'f', 3).arg(box[2], 0, 'f', 3).arg(box[3], 0, 'f', 3);
}

QVariant EntityListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= mRows.size()) return {};
    const Row& row = mRows[index.row()];
    const kosmos::GroundedEntity& entity = mResult.entities[static_cast<std::size_t>(row.entity)];
    const kosmos::BoxDetail& detail = entity.boxes[static_cast<std::size_t>(row.box)];
    const QString phrase = QString::fromStdString(entity.phrase);
    const EntityAnnotation* info = annotation(row.entity);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case PhraseColumn: {
            QString text = label(row.entity);
            if (info && info->refExp) text += tr(" · ref. exp.");
            return entity.boxes.size() > 1 ? QStringLiteral("%1 (%2/%3)").arg(text).arg(row.box + 1).arg(entity.boxes.size())
                                           : text;
        }
        case BoxColumn: return boxText(detail.box);
        case ConfidenceColumn:
            return info && !info->hasConfidence ? QStringLiteral("\u2014") : formatConfidence(detail.confidence);
        }
        return {};
    case Qt::FontRole:
        if (info && info->suggestion) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::DecorationRole:
        return index.column() == PhraseColumn ? QVariant(entityColor(colorIndex(row.entity))) : QVariant();
    case Qt::ToolTipRole:
        if (info) {
            return tr("%1\nbox (normalised) %2, %3 – %4, %5\nsource: %6%7")
                .arg(label(row.entity) + (info->refExp ? tr(" (a referring expression, GRIT's ref_exps)") : QString()))
                .arg(detail.box[0], 0, 'f', 4).arg(detail.box[1], 0, 'f', 4)
                .arg(detail.box[2], 0, 'f', 4).arg(detail.box[3], 0, 'f', 4)
                .arg(info->source,
                     info->hasConfidence ? tr("\nconfidence %1").arg(formatConfidence(detail.confidence)) : QString());
        }
        return tr("%1\nbox (normalised) %2, %3 – %4, %5\npatch indices %6 / %7\nconfidence %8")
            .arg(phrase)
            .arg(detail.box[0], 0, 'f', 4).arg(detail.box[1], 0, 'f', 4)
            .arg(detail.box[2], 0, 'f', 4).arg(detail.box[3], 0, 'f', 4)
            .arg(detail.ulIndex).arg(detail.lrIndex)
            .arg(formatConfidence(detail.confidence));
    case Qt::BackgroundRole:
        if (row.entity == mHoveredEntity) {
            QColor tint = entityColor(colorIndex(row.entity));
            tint.setAlpha(70);
            return tint;
        }
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == PhraseColumn ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case EntityIndexRole: return row.entity;
    case BoxIndexRole: return row.box;
    case NormalizedBoxRole: {
        // Engine boxes are inside [0,1]; boxes read from a file might not be.
        const auto unit = [](double v) { return std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : 0.0; };
        return QRectF(QPointF(unit(detail.box[0]), unit(detail.box[1])), QPointF(unit(detail.box[2]), unit(detail.box[3])))
            .normalized();
    }
    case ConfidenceRole: return detail.confidence;
    case ColorRole: return entityColor(colorIndex(row.entity));
    case PhraseRole: return phrase;
    case LabelRole: return label(row.entity);
    case SuggestionRole: return info && info->suggestion;
    case SpanCutRole: return info && info->spanCut;
    }
    return {};
}

QVariant EntityListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case PhraseColumn: return tr("Phrase");
    case BoxColumn: return mImageSize.isValid() ? tr("Box (px)") : tr("Box");
    case ConfidenceColumn: return tr("Confidence");
    }
    return {};
}

} // namespace kosmos::ui
