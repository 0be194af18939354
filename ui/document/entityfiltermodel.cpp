#include "ui/document/entityfiltermodel.h"

#include <QRectF>

#include <algorithm>

#include "ui/document/entitylistmodel.h"

namespace kosmos::ui {

EntityFilterModel::EntityFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
}

void EntityFilterModel::setHideLowConfidence(bool hide) {
    if (hide == mHideLowConfidence) return;
    mHideLowConfidence = hide;
    invalidateFilter();
    emit filterChanged();
}

void EntityFilterModel::setThreshold(double threshold) {
    threshold = std::clamp(threshold, 0.0, 1.0);
    if (threshold == mThreshold) return;
    mThreshold = threshold;
    if (mHideLowConfidence) invalidateFilter();
    emit filterChanged();
}

bool EntityFilterModel::isSourceRowVisible(int sourceRow) const { return filterAcceptsRow(sourceRow, {}); }

bool EntityFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (!mHideLowConfidence || !sourceModel()) return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    return index.data(EntityListModel::ConfidenceRole).toDouble() >= mThreshold;
}

bool EntityFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    switch (left.column()) {
    case EntityListModel::ConfidenceColumn:
        return left.data(EntityListModel::ConfidenceRole).toDouble() < right.data(EntityListModel::ConfidenceRole).toDouble();
    case EntityListModel::BoxColumn: {
        const QRectF a = left.data(EntityListModel::NormalizedBoxRole).toRectF();
        const QRectF b = right.data(EntityListModel::NormalizedBoxRole).toRectF();
        return a.top() != b.top() ? a.top() < b.top() : a.left() < b.left();
    }
    default:
        return QString::localeAwareCompare(left.data(EntityListModel::PhraseRole).toString(),
                                           right.data(EntityListModel::PhraseRole).toString()) < 0;
    }
}

} // namespace kosmos::ui
