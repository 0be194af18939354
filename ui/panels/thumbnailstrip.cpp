#include "ui/panels/thumbnailstrip.h"

#include "ui/browser/thumbnailcache.h"

#include <QFileInfo>
#include <QPainter>
#include <QStyle>
#include <QtConcurrent/QtConcurrentMap>

namespace kosmos::ui {
namespace {

QImage placeholderThumbnail(const QSize& size, qreal dpr) {
    QImage image(size * dpr, QImage::Format_ARGB32_Premultiplied);
    image.fill(QColor(80, 80, 84));
    image.setDevicePixelRatio(dpr);
    return image;
}

} // namespace

ThumbnailStrip::ThumbnailStrip(QWidget* parent) : QListWidget(parent) {
    setObjectName(QStringLiteral("thumbnailStrip"));
    setViewMode(IconMode);
    setFlow(LeftToRight);
    setWrapping(false);
    setMovement(Static);
    setResizeMode(Adjust);
    setUniformItemSizes(true);
    setSelectionMode(SingleSelection);
    setIconSize(QSize(kThumbWidth, kThumbHeight));
    setSpacing(4);
    setTextElideMode(Qt::ElideMiddle);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setGridSize(QSize(kThumbWidth + 16, kThumbHeight + fontMetrics().height() + 10));
    setFixedHeight(gridSize().height() + 24);
    mPool.setMaxThreadCount(1);   // leaves the other cores to the model
    connect(&mWatcher, &QFutureWatcherBase::resultReadyAt, this, &ThumbnailStrip::onThumbnailReady);
    connect(&mWatcher, &QFutureWatcherBase::finished, this, &ThumbnailStrip::thumbnailsLoaded);
    connect(this, &QListWidget::currentRowChanged, this, [this](int row) {
        if (!mSilent && row >= 0 && row < mPaths.size()) emit imageChosen(mPaths[row]);
    });
}

ThumbnailStrip::~ThumbnailStrip() {
    mWatcher.cancel();
    mWatcher.waitForFinished();
}

void ThumbnailStrip::setImages(const QStringList& paths) {
    mWatcher.cancel();
    mWatcher.waitForFinished();
    ++mGeneration;
    mLoaded = 0;
    mPaths = paths;
    {
        const QSignalBlocker blocker(this);
        clear();
    }
    const qreal dpr = devicePixelRatioF();
    const QIcon placeholder(QPixmap::fromImage(placeholderThumbnail(iconSize(), dpr)));
    for (const QString& path : paths) {
        auto* item = new QListWidgetItem(placeholder, QFileInfo(path).fileName(), this);
        item->setToolTip(path);
    }
    const int generation = mGeneration;
    const QSize target = iconSize() * dpr;
    mWatcher.setFuture(QtConcurrent::mapped(&mPool, mPaths, [generation, target, dpr](const QString& path) {
        Thumbnail thumb;
        thumb.generation = generation;
        QImage image = decodeThumbnail(path, target, &thumb.error);
        if (!image.isNull()) {
            if (image.size() != image.size().scaled(target, Qt::KeepAspectRatio))   // small ones fill the icon
                image = image.scaled(target, Qt::KeepAspectRatio, Qt::SmoothTransformation);
            // Centre on a fixed canvas so that every icon has the same footprint.
            QImage canvas = placeholderThumbnail(target / dpr, dpr);
            QPainter painter(&canvas);
            image.setDevicePixelRatio(dpr);
            const QSizeF logical = QSizeF(image.size()) / dpr;
            painter.drawImage(QPointF((target.width() / dpr - logical.width()) / 2,
                                      (target.height() / dpr - logical.height()) / 2),
                              image);
            painter.end();
            thumb.image = canvas;
        }
        return thumb;
    }));
}

void ThumbnailStrip::onThumbnailReady(int index) {
    const Thumbnail thumb = mWatcher.resultAt(index);
    if (thumb.generation != mGeneration || index >= count()) return;
    QListWidgetItem* entry = item(index);
    if (!thumb.image.isNull()) {
        entry->setIcon(QIcon(QPixmap::fromImage(thumb.image)));
    } else {
        // A file that cannot be read is marked as such before anyone clicks it.
        entry->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
        entry->setToolTip(tr("%1\ncannot be read: %2").arg(mPaths.value(index), thumb.error));
    }
    ++mLoaded;
}

void ThumbnailStrip::setCurrentPath(const QString& path) {
    const int row = static_cast<int>(mPaths.indexOf(path));
    mSilent = true;
    setCurrentRow(row);
    mSilent = false;
    if (row >= 0) scrollToItem(item(row));
}

bool ThumbnailStrip::selectNext() {
    if (mPaths.isEmpty() || currentRow() + 1 >= mPaths.size()) return false;
    setCurrentRow(currentRow() + 1);
    scrollToItem(currentItem());
    return true;
}

bool ThumbnailStrip::selectPrevious() {
    if (mPaths.isEmpty() || currentRow() <= 0) return false;
    setCurrentRow(currentRow() - 1);
    scrollToItem(currentItem());
    return true;
}

} // namespace kosmos::ui
