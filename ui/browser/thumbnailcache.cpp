#include "ui/browser/thumbnailcache.h"

#include <QImageReader>

#include "ui/imagefiles.h"

namespace kosmos::ui {
namespace {

constexpr int kDecodeLimitMb = 128;   // a hostile header cannot make a thumbnail allocate more

} // namespace

QImage decodeThumbnail(const QString& path, const QSize& target, QString* error) {
    // The reason alone: "PATH: reason" without the path the thumbnail stands for.
    const auto fail = [&](const QString& message) {
        const QString named = path + QStringLiteral(": ");
        if (error) *error = message.startsWith(named) ? message.mid(named.size()) : message;
        return QImage();
    };
    if (const QString damage = damageBeforeDecoding(path); !damage.isEmpty()) return fail(damage);
    QImageReader reader(path);
    reader.setAutoTransform(true);
    reader.setAllocationLimit(kDecodeLimitMb);
    const QSize size = reader.size();
    if (size.isValid() && (size.width() > target.width() || size.height() > target.height()))
        reader.setScaledSize(size.scaled(target, Qt::KeepAspectRatio).expandedTo(QSize(1, 1)));
    QImage image;
    if (!reader.read(&image)) {
        // As the image itself would be opened, within the same memory as Qt's reader (4 bytes a pixel).
        ReadImageResult read =
            readImageWithModelReader(path, reader.errorString(), std::uint64_t(kDecodeLimitMb) * 1024 * 1024 / 4);
        if (read.image.isNull()) return fail(read.error);
        image = std::move(read.image);
    }
    if (image.width() > target.width() || image.height() > target.height())
        image = image.scaled(target, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return image;
}

ThumbnailCache::ThumbnailCache(QSize size, qreal devicePixelRatio, QObject* parent)
    : QObject(parent), mSize(size), mDpr(devicePixelRatio > 0 ? devicePixelRatio : 1.0) {
    mPool.setMaxThreadCount(1);   // the other core stays with the model
    mPool.setObjectName(QStringLiteral("thumbnails"));
    mCache.setMaxCost(kMaxCacheBytes);
}

ThumbnailCache::~ThumbnailCache() {
    mQueue.clear();
    mPool.waitForDone();
}

QPixmap ThumbnailCache::thumbnail(const QString& path) {
    if (path.isEmpty() || mFailed.contains(path)) return {};
    if (const QPixmap* cached = mCache.object(path)) return *cached;
    if (mInFlight.contains(path)) return {};
    mQueue.removeOne(path);
    mQueue.append(path);
    if (mQueue.size() > kMaxQueued) mQueue.remove(0, mQueue.size() - kMaxQueued);
    pump();
    return {};
}

void ThumbnailCache::clear() {
    mQueue.clear();
    mCache.clear();
    mFailed.clear();
}

void ThumbnailCache::pump() {
    while (!mQueue.isEmpty() && mInFlight.size() < mPool.maxThreadCount()) {
        const QString path = mQueue.takeLast();
        mInFlight.insert(path);
        ++mDecodesStarted;
        const QSize target = (QSizeF(mSize) * mDpr).toSize();
        // The destructor waits for the pool, so `this` outlives the queued call.
        mPool.start([this, path, target] {
            const QImage image = decodeThumbnail(path, target);
            QMetaObject::invokeMethod(this, [this, path, image] { finish(path, image); }, Qt::QueuedConnection);
        });
    }
}

void ThumbnailCache::finish(const QString& path, const QImage& image) {
    mInFlight.remove(path);
    if (image.isNull()) {
        mFailed.insert(path);
    } else {
        auto* pixmap = new QPixmap(QPixmap::fromImage(image));
        pixmap->setDevicePixelRatio(mDpr);
        const qsizetype cost = qMax<qsizetype>(1, qsizetype(image.sizeInBytes()));
        mCache.insert(path, pixmap, cost);
    }
    emit thumbnailReady(path);
    pump();
}

} // namespace kosmos::ui
