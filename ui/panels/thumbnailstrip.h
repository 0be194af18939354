#pragma once
// The images of the open folder as a strip of thumbnails, decoded in the background. Choosing one
// (click, arrow keys, next / previous) asks the window to open it.
#include <QFutureWatcher>
#include <QImage>
#include <QListWidget>
#include <QStringList>
#include <QThreadPool>

namespace kosmos::ui {

class ThumbnailStrip : public QListWidget {
    Q_OBJECT
public:
    explicit ThumbnailStrip(QWidget* parent = nullptr);
    ~ThumbnailStrip() override;

    void setImages(const QStringList& paths);
    QStringList paths() const { return mPaths; }
    int currentPathIndex() const { return currentRow(); }
    // Marks `path` current without asking to open it (the window already did).
    void setCurrentPath(const QString& path);
    bool selectNext();
    bool selectPrevious();
    int loadedThumbnails() const { return mLoaded; }

    static constexpr int kThumbWidth = 96;
    static constexpr int kThumbHeight = 72;

signals:
    void imageChosen(const QString& path);
    void thumbnailsLoaded();

private:
    struct Thumbnail {
        int generation = 0;
        QImage image;
        QString error;   // why the file could not be read (image null)
    };
    void onThumbnailReady(int index);

    QStringList mPaths;
    QThreadPool mPool;
    QFutureWatcher<Thumbnail> mWatcher;
    int mGeneration = 0;
    int mLoaded = 0;
    bool mSilent = false;
};

} // namespace kosmos::ui
