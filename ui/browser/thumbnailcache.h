#pragma once
// Small images of image files for lists, decoded on a worker thread and kept in memory (least
// recently used dropped first). A request for a thumbnail that is not ready yet queues it, newest
// first, so the rows on screen load before those scrolled past; thumbnailReady() says when it is.
#include <QCache>
#include <QList>
#include <QObject>
#include <QPixmap>
#include <QSet>
#include <QSize>
#include <QString>
#include <QThreadPool>

namespace kosmos::ui {

class ThumbnailCache : public QObject {
    Q_OBJECT
public:
    // `size` in device-independent pixels; thumbnails are rendered for `devicePixelRatio`.
    explicit ThumbnailCache(QSize size, qreal devicePixelRatio = 1.0, QObject* parent = nullptr);
    ~ThumbnailCache() override;   // waits for the decode in progress

    // The thumbnail when it is ready; otherwise a null pixmap, and the image is queued.
    QPixmap thumbnail(const QString& path);
    // True once decoding `path` failed (missing file, not an image): it is not tried again.
    bool failed(const QString& path) const { return mFailed.contains(path); }
    bool isReady(const QString& path) const { return mCache.contains(path); }
    QSize size() const { return mSize; }
    void clear();
    int decodesStarted() const { return mDecodesStarted; }

    static constexpr int kMaxQueued = 256;          // older requests beyond this are dropped
    static constexpr int kMaxCacheBytes = 96 << 20;

signals:
    void thumbnailReady(const QString& path);

private:
    void pump();
    void finish(const QString& path, const QImage& image);

    QSize mSize;
    qreal mDpr;
    QThreadPool mPool;
    QCache<QString, QPixmap> mCache;
    QSet<QString> mFailed;
    QSet<QString> mInFlight;
    QList<QString> mQueue;   // newest last
    int mDecodesStarted = 0;
};

// Decodes `path` scaled to fit `target` device pixels (EXIF orientation applied, large files decoded
// at reduced size where the format allows), with the model's reader where Qt's fails (readImage). A null
// image when it cannot be read, and the reason in `error`.
QImage decodeThumbnail(const QString& path, const QSize& target, QString* error = nullptr);

} // namespace kosmos::ui
