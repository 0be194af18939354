#pragma once
// The samples of an annotation store as a list model that stays fast at any size: the row count is
// the number of samples passing the filter, and rows are read a page at a time when a view asks for
// them (a few pages are kept), so a store of 100 000 samples lists as quickly as one of ten. Changes
// to the store (from this process, another connection or another program) refresh the counts and
// the rows in place.
#include <QAbstractListModel>
#include <QHash>
#include <QList>
#include <QTimer>

#include <memory>
#include <optional>
#include <vector>

#include "core/sample_repository.h"

namespace kosmos::ui {

class ThumbnailCache;

struct SampleQuery {
    kosmos::store::SampleFilter filter;
    kosmos::store::SampleSort sort = kosmos::store::SampleSort::Id;
    bool descending = false;
};

class SampleListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        SampleIdRole = Qt::UserRole + 1,
        KeyRole,
        CaptionRole,
        SplitRole,            // kosmos::store::Split as int
        ReviewRole,           // kosmos::store::ReviewState as int
        EntityCountRole,
        MinConfidenceRole,    // double, or invalid when the sample has no model box
        ImagePathRole,
        UpdatedRole,          // QDateTime
        RevisionRole,
    };

    explicit SampleListModel(QObject* parent = nullptr);
    ~SampleListModel() override;

    void setStore(std::shared_ptr<kosmos::store::AnnotationStore> store);
    std::shared_ptr<kosmos::store::AnnotationStore> store() const { return mStore; }
    // A new query lists from the top.
    void setQuery(const SampleQuery& query);
    const SampleQuery& query() const { return mQuery; }
    // Thumbnails for Qt::DecorationRole (none without a cache).
    void setThumbnails(ThumbnailCache* cache);

    // Re-reads counts and rows now (changes are otherwise picked up within kRefreshDelayMs, and those
    // of other connections within kPollMs).
    void refresh();

    qint64 shownCount() const { return mShown; }
    qint64 totalCount() const { return mFacets.total; }
    const kosmos::store::SampleFacets& facets() const { return mFacets; }
    std::optional<kosmos::store::SampleRow> sampleAt(int row) const;
    qint64 sampleIdAt(int row) const;
    // The row of a sample among the pages read so far; -1 when it is not among them.
    int loadedRowOf(qint64 sampleId) const;
    // Page queries run so far (a view showing 20 rows of 100 000 reads one or two pages).
    int pageLoads() const { return mPageLoads; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    static constexpr int kPageSize = 200;
    static constexpr int kMaxPages = 16;
    static constexpr int kRefreshDelayMs = 120;
    static constexpr int kPollMs = 1000;

signals:
    void countsChanged();
    // A query failed (the store is damaged, locked for too long, …); the list shows what it had.
    void queryFailed(const QString& message);

private:
    const kosmos::store::SampleRow* rowData(int row) const;
    // reset: a new listing (views go to the top); withFacets: the store changed, not just the query.
    void recount(bool reset, bool withFacets);
    void onThumbnailReady(const QString& path);
    void pollStore();
    void reportFailure(const QString& message) const;

    std::shared_ptr<kosmos::store::AnnotationStore> mStore;
    int mSubscription = 0;
    SampleQuery mQuery;
    ThumbnailCache* mThumbnails = nullptr;
    int mRows = 0;
    qint64 mShown = 0;
    kosmos::store::SampleFacets mFacets;
    std::int64_t mDataVersion = -1;
    QTimer mRefreshTimer;
    QTimer mPollTimer;
    mutable QHash<int, std::vector<kosmos::store::SampleRow>> mPages;
    mutable QList<int> mPageOrder;   // least recently used first
    mutable int mPageLoads = 0;
};

} // namespace kosmos::ui
