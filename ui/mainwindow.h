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

#include "ui/inference/generationrunner.h"

class QDockWidget;
class QLabel;
class QProgressBar;

namespace kosmos::ui {

class CreateBoxTool;
class ImageCanvas;
class ModelController;
class ModelPanel;
class PromptPanel;
class RecentMenu;
class ResultDocument;
class ResultsPanel;
class ThumbnailStrip;
class WorkbenchActions;

struct MainWindowOptions {
    bool restoreSession = true;   // window layout, last model (or the demo model on first start), prompt
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

signals:
    void imageOpened(const QString& path);
    void modelReady(bool loaded);
    // After a run's results are shown (single image or batch).
    void runFinished(bool cancelled);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildDocks();
    void buildStatusBar();
    void connectSignals();
    void restoreSession();
    void saveSession() const;
    void showNoModelHint();
    void reportError(const QString& title, const QString& message);
    void showStatus(const QString& message, int timeoutMs = 6000);
    void updateActions();
    void updateImageStatus();
    void setCurrentImage(const QImage& image, const QString& path, const QString& title);
    void showStoredResult();

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
    QStringList mBatchErrors;
    QHash<QString, StoredResult> mResults;   // by image path, this session's results
    QElapsedTimer mLoadTimer;
    // Fast models produce hundreds of tokens a second: the streaming caption is redrawn at most every
    // kStreamRefreshMs with the latest text.
    QTimer mStreamTimer;
    QString mStreamText;
    static constexpr int kStreamRefreshMs = 50;
    QString mModelFolderAttempted;
};

} // namespace kosmos::ui
