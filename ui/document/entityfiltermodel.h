#pragma once
// The entity rows the user wants to see: boxes under the confidence threshold drop out when
// low-confidence boxes are hidden. Every view and the shared selection model work on this proxy.
#include <QSortFilterProxyModel>

namespace kosmos::ui {

class EntityFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit EntityFilterModel(QObject* parent = nullptr);

    bool hideLowConfidence() const { return mHideLowConfidence; }
    double threshold() const { return mThreshold; }
    void setHideLowConfidence(bool hide);
    void setThreshold(double threshold);

    // Whether source row `sourceRow` passes the filter.
    bool isSourceRowVisible(int sourceRow) const;

signals:
    void filterChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    bool mHideLowConfidence = false;
    double mThreshold = 0.1;
};

} // namespace kosmos::ui
