#pragma once
// The workbench window: image canvas in the middle; model, prompt and result panels on the right;
// the folder's thumbnails below. Its public functions are what menus, drops, the command line and
// the tests use.
#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

#include "ui/inference/generationrunner.h"

class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;

namespace kosmos::store {
class AnnotationStore;
}

namespace kosmos::ui {

class AnnotationSession;
class CreateBoxTool;
class DatasetBrowser;
class ImageCanvas;
class ModelController;
class ModelPanel;
class PromptPanel;
class RecentMenu;
class ResultDocument;
class ResultsPanel;
class StoreController;
class ThumbnailStrip;
class TrainingPanel;
class WorkbenchActions;

struct MainWindowOptions {
    bool restoreSession = true;   // window layout, prompt, annotation store
    // At start, the session's last model (the demo model on a first start or without a session); off where
    // the caller names a model of its own.
    bool loadStartModel = true;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Errors that need the user's attention go through this; the default shows a QMessageBox.
    using ErrorHandler = std::function<void(const QString& title, const QString& message)>;
    void setErrorHandler(ErrorHandler handler) { mErrorHandler = std::move(handler); }

    bool openPath(const QString& path);   // an image file or a folder
    bool openImage(const QString& path);
    void openImageData(const QImage& image, const QString& title);
    bool openFolder(const QString& folder);
    bool pasteFromClipboard();

    bool loadModel(const QString& folder);
    bool runPrompt();
    bool runOnFolder();
    void cancelRun();

    bool exportAnnotatedImage(const QString& file);
    bool exportResultJson(const QString& file);

    ResultDocument* document() const { return mDocument; }
    ImageCanvas* canvas() const { return mCanvas; }
    PromptPanel* promptPanel() const { return mPromptPanel; }
    ResultsPanel* resultsPanel() const { return mResultsPanel; }
    ModelPanel* modelPanel() const { return mModelPanel; }
    ModelController* modelController() const { return mModels; }
    GenerationRunner* runner() const { return mRunner; }
    ThumbnailStrip* thumbnails() const { return mThumbnails; }
    WorkbenchActions* workbenchActions() const { return mActions; }

    // The annotation store (null until one is open; a normal start opens the last one or the default
    // one). The dataset browser lists it; folder runs and "Save Result to Store" write model
    // annotations into it.
    std::shared_ptr<kosmos::store::AnnotationStore> store() const;
    void setStore(std::shared_ptr<kosmos::store::AnnotationStore> store);
    bool openStore(const QString& path);
    // Stores the shown result as a model annotation of its image; returns the sample id, 0 on failure.
    qint64 saveResultToStore();
    StoreController* stores() const { return mStores; }
    DatasetBrowser* browser() const { return mBrowser; }
    TrainingPanel* trainingPanel() const { return mTrainingPanel; }
    void showTrainingPanel();

    // Opens sample `sampleId` of the store for editing (mainwindowediting.cpp): its image on the canvas
    // (a grey stand-in when the file is missing), its caption and entities editable, every change saved
    // to the store as it is made. The sample open before is saved first; opening the open sample again
    // does nothing. False (with the reason reported) when there is no store, no such sample, or the
    // previous sample's edits could not be saved.
    bool openSample(qint64 sampleId);
    AnnotationSession* annotationSession() const { return mEditing; }

signals:
    void imageOpened(const QString& path);
    void modelReady(bool loaded);
    // After a run's results are shown (single image or batch).
    void runFinished(bool cancelled);
    void storeChanged();
    void sampleOpened(qint64 sampleId);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildDocks();
    void buildStatusBar();
    void connectSignals();
    void restoreSession();
    void loadStartModel();
    void keepOnScreen();
    void saveSession() const;
    void showNoModelHint();
    void reportError(const QString& title, const QString& message);
    void showStatus(const QString& message, int timeoutMs = 6000);
    void updateActions();
    void updateImageStatus();
    // False where the open sample's edits could not be saved and the user kept it open.
    bool setCurrentImage(const QImage& image, const QString& path, const QString& title);
    // openImage without the error dialog: false with `error` set where the file cannot be read, false with it
    // empty where the user kept an open sample with unsaved edits.
    bool showImageFile(const QString& path, QString& error);
    void showStoredResult();
    // The store part (mainwindowstore.cpp): browser dock, File menu entries, signals, session.
    void buildStoreDock();
    void addStoreMenuEntries(QMenu* file);
    void connectStore();
    void restoreStore(bool firstStart);
    void updateStoreActions();
    QString folderRunSummary(int imagesDone) const;
    // The editing part (mainwindowediting.cpp): session and docks, signals, saving on close.
    void buildEditing();
    void addEditMenu();
    void connectEditing();
    // Closes the open sample; where its last edits cannot be saved, asks before giving them up ("quit",
    // "open another image"): false when the user keeps it open.
    bool closeSample(const QString& then);

    void chooseImage();
    void chooseFolder();
    void chooseModel();
    void chooseExportImage();
    void chooseExportJson();
    void showAbout();

    void onModelLoaded();
    void onModelFailed(const QString& folder, const QString& error);
    void onJobStarted(int index, const QString& imagePath);
    void onTokens(int index, int tokens, const QString& text, double seconds);
    void onJobFinished(const GenerationOutcome& outcome);
    void onRunFinished(bool cancelled, int failures);

    struct StoredResult {
        kosmos::GenerationResult result;
        QString prompt;
    };

    MainWindowOptions mOptions;
    ErrorHandler mErrorHandler;
    ResultDocument* mDocument;
    ImageCanvas* mCanvas;
    WorkbenchActions* mActions;
    ModelController* mModels;
    GenerationRunner* mRunner;
    CreateBoxTool* mCreateBoxTool;
    PromptPanel* mPromptPanel = nullptr;
    ResultsPanel* mResultsPanel = nullptr;
    ModelPanel* mModelPanel = nullptr;
    ThumbnailStrip* mThumbnails = nullptr;
    QDockWidget* mFolderDock = nullptr;
    StoreController* mStores = nullptr;
    DatasetBrowser* mBrowser = nullptr;
    QDockWidget* mBrowserDock = nullptr;
    TrainingPanel* mTrainingPanel = nullptr;
    QDockWidget* mTrainingDock = nullptr;
    AnnotationSession* mEditing = nullptr;
    RecentMenu* mRecentImages = nullptr;
    RecentMenu* mRecentModels = nullptr;
    QLabel* mModelStatus = nullptr;
    QLabel* mRunStatus = nullptr;
    QLabel* mImageStatus = nullptr;
    QLabel* mZoomStatus = nullptr;
    QProgressBar* mProgress = nullptr;

    // Which image a run belongs to: every opened image gets a new serial.
    int mImageSerial = 0;
    int mRunImageSerial = -1;
    bool mBatchRun = false;
    int mBatchDone = 0;
    long long mBatchTokens = 0;    // over the images of a folder run that succeeded
    double mBatchSeconds = 0;
    int mBatchGenerated = 0;
    QStringList mBatchErrors;
    QString mBatchStoreFile;   // the store a folder run writes into ("" = JSON files only)
    QHash<QString, StoredResult> mResults;   // by image path, this session's results
    QElapsedTimer mLoadTimer;
    // Fast models produce hundreds of tokens a second: the streaming caption is redrawn at most every
    // kStreamRefreshMs with the latest text.
    QTimer mStreamTimer;
    QString mStreamText;
    static constexpr int kStreamRefreshMs = 50;
    static constexpr int kTrainingDockHeight = 340;
    QString mModelFolderAttempted;
    QString mFirstStartHint;   // shown once, after the first start's model has loaded
};

} // namespace kosmos::ui
