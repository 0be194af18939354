#include "ui/browser/samplelistmodel.h"

#include <QDateTime>
#include <QPointer>

#include <algorithm>
#include <climits>
#include <exception>

#include "ui/browser/thumbnailcache.h"

namespace kosmos::ui {

namespace store = kosmos::store;

SampleListModel::SampleListModel(QObject* parent) : QAbstractListModel(parent) {
    mRefreshTimer.setSingleShot(true);
    mRefreshTimer.setInterval(kRefreshDelayMs);
    connect(&mRefreshTimer, &QTimer::timeout, this, &SampleListModel::refresh);
    mPollTimer.setInterval(kPollMs);
    connect(&mPollTimer, &QTimer::timeout, this, &SampleListModel::pollStore);
}

SampleListModel::~SampleListModel() {
    if (mStore && mSubscription) mStore->unsubscribe(mSubscription);
}

void SampleListModel::setStore(std::shared_ptr<store::AnnotationStore> store) {
    if (mStore && mSubscription) mStore->unsubscribe(mSubscription);
    mSubscription = 0;
    mStore = std::move(store);
    mDataVersion = -1;
    if (mStore) {
        // Delivered on the committing thread: hop to this object's thread, coalesced by the timer.
        QPointer<SampleListModel> self(this);
        mSubscription = mStore->subscribe([self](const store::ChangeEvent&) {
            // A call posted to a model deleted meanwhile is dropped with it.
            if (SampleListModel* model = self.data())
                QMetaObject::invokeMethod(model, [model] { model->mRefreshTimer.start(); }, Qt::QueuedConnection);
        });
        mPollTimer.start();
    } else {
        mPollTimer.stop();
    }
    recount(true, true);
}

void SampleListModel::setQuery(const SampleQuery& query) {
    mQuery = query;
    recount(true, false);
}

void SampleListModel::setThumbnails(ThumbnailCache* cache) {
    if (mThumbnails) disconnect(mThumbnails, nullptr, this, nullptr);
    mThumbnails = cache;
    if (mThumbnails) connect(mThumbnails, &ThumbnailCache::thumbnailReady, this, &SampleListModel::onThumbnailReady);
}

void SampleListModel::refresh() {
    mRefreshTimer.stop();
    recount(false, true);
}

void SampleListModel::recount(bool reset, bool withFacets) {
    qint64 shown = 0;
    store::SampleFacets facets = withFacets ? store::SampleFacets{} : mFacets;
    if (mStore) {
        try {
            // One snapshot: an import committing between the two counts would make "N of M" of an unfiltered view.
            store::ReadSnapshot snapshot(*mStore);
            mDataVersion = mStore->dataVersion();
            shown = store::countSamples(*mStore, mQuery.filter);
            if (withFacets) facets = store::countFacets(*mStore);
        } catch (const std::exception& e) {
            reportFailure(QString::fromStdString(e.what()));
            return;
        }
    }
    const int rows = static_cast<int>(std::min<qint64>(shown, INT_MAX));
    if (reset) {
        beginResetModel();
        mPages.clear();
        mPageOrder.clear();
        mRows = rows;
        mShown = shown;
        mFacets = facets;
        endResetModel();
    } else {
        // Rows stay where they are (a view keeps its scroll position); their contents are re-read.
        mPages.clear();
        mPageOrder.clear();
        if (rows > mRows) {
            beginInsertRows({}, mRows, rows - 1);
            mRows = rows;
            endInsertRows();
        } else if (rows < mRows) {
            beginRemoveRows({}, rows, mRows - 1);
            mRows = rows;
            endRemoveRows();
        }
        mShown = shown;
        mFacets = facets;
        if (mRows > 0) emit dataChanged(index(0), index(mRows - 1));
    }
    emit countsChanged();
}

void SampleListModel::pollStore() {
    if (!mStore) return;
    try {
        if (mStore->dataVersion() != mDataVersion) mRefreshTimer.start();
    } catch (const std::exception& e) {
        mPollTimer.stop();
        reportFailure(QString::fromStdString(e.what()));
    }
}

void SampleListModel::reportFailure(const QString& message) const {
    auto* self = const_cast<SampleListModel*>(this);
    // Views ask for data while painting: the signal goes out after that.
    QMetaObject::invokeMethod(self, [self, message] { emit self->queryFailed(message); }, Qt::QueuedConnection);
}

const store::SampleRow* SampleListModel::rowData(int row) const {
    if (!mStore || row < 0 || row >= mRows) return nullptr;
    const int page = row / kPageSize;
    auto found = mPages.find(page);
    if (found == mPages.end()) {
        store::PageRequest request;
        request.filter = mQuery.filter;
        request.sort = mQuery.sort;
        request.descending = mQuery.descending;
        request.offset = static_cast<std::int64_t>(page) * kPageSize;
        request.limit = kPageSize;
        std::vector<store::SampleRow> rows;
        try {
            rows = store::querySamples(*mStore, request);
        } catch (const std::exception& e) {
            reportFailure(QString::fromStdString(e.what()));
        }
        ++mPageLoads;
        if (mPageOrder.size() >= kMaxPages) mPages.remove(mPageOrder.takeFirst());
        found = mPages.insert(page, std::move(rows));
        mPageOrder.append(page);
    } else if (mPageOrder.last() != page) {
        mPageOrder.removeOne(page);
        mPageOrder.append(page);
    }
    const std::size_t offset = static_cast<std::size_t>(row - page * kPageSize);
    // The store may have shrunk since the count: such rows read as empty until the refresh.
    return offset < found->size() ? &(*found)[offset] : nullptr;
}

std::optional<store::SampleRow> SampleListModel::sampleAt(int row) const {
    const store::SampleRow* data = rowData(row);
    return data ? std::optional<store::SampleRow>(*data) : std::nullopt;
}

qint64 SampleListModel::sampleIdAt(int row) const {
    const store::SampleRow* data = rowData(row);
    return data ? data->id : 0;
}

int SampleListModel::loadedRowOf(qint64 sampleId) const {
    for (auto page = mPages.cbegin(); page != mPages.cend(); ++page) {
        const auto& rows = page.value();
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (rows[i].id == sampleId) return page.key() * kPageSize + static_cast<int>(i);
    }
    return -1;
}

void SampleListModel::onThumbnailReady(const QString& path) {
    const std::string wanted = path.toStdString();
    for (auto page = mPages.cbegin(); page != mPages.cend(); ++page) {
        const auto& rows = page.value();
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (rows[i].imagePath != wanted) continue;
            const QModelIndex changed = index(page.key() * kPageSize + static_cast<int>(i));
            emit dataChanged(changed, changed, {Qt::DecorationRole});
        }
    }
}

int SampleListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : mRows; }

QVariant SampleListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.model() != this) return {};
    const store::SampleRow* row = rowData(index.row());
    if (!row) return {};
    switch (role) {
    case Qt::DisplayRole:
    case CaptionRole: return QString::fromStdString(row->caption);
    case Qt::ToolTipRole:
        return QStringLiteral("%1\n%2").arg(QString::fromStdString(row->key), QString::fromStdString(row->imagePath));
    case Qt::DecorationRole:
        if (mThumbnails && !row->imagePath.empty()) {
            const QPixmap pixmap = mThumbnails->thumbnail(QString::fromStdString(row->imagePath));
            if (!pixmap.isNull()) return pixmap;
        }
        return {};
    case SampleIdRole: return static_cast<qint64>(row->id);
    case KeyRole: return QString::fromStdString(row->key);
    case SplitRole: return static_cast<int>(row->split);
    case ReviewRole: return static_cast<int>(row->review);
    case EntityCountRole: return row->entityCount;
    case MinConfidenceRole: return row->minModelConfidence ? QVariant(*row->minModelConfidence) : QVariant();
    case ImagePathRole: return QString::fromStdString(row->imagePath);
    case UpdatedRole: return QDateTime::fromMSecsSinceEpoch(row->updatedMs);
    case RevisionRole: return static_cast<qint64>(row->revision);
    default: return {};
    }
}

QHash<int, QByteArray> SampleListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(SampleIdRole, "sampleId");
    names.insert(KeyRole, "key");
    names.insert(CaptionRole, "caption");
    names.insert(SplitRole, "split");
    names.insert(ReviewRole, "review");
    names.insert(EntityCountRole, "entityCount");
    names.insert(MinConfidenceRole, "minConfidence");
    names.insert(ImagePathRole, "imagePath");
    names.insert(UpdatedRole, "updated");
    names.insert(RevisionRole, "revision");
    return names;
}

} // namespace kosmos::ui
