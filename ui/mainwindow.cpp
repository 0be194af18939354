#include "ui/mainwindow.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageWriter>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScreen>
#include <QSettings>
#include <QSlider>
#include <QStatusBar>
#include <QToolBar>

#include <algorithm>

#include "model/engine/runtime_info.h"
#include "ui/appicon.h"
#include "ui/apppaths.h"
#include "ui/canvas/createboxtool.h"
#include "ui/canvas/imagecanvas.h"
#include "ui/dataset/folderrunsink.h"
#include "ui/dataset/storecontroller.h"
#include "ui/document/resultdocument.h"
#include "ui/document/resultjson.h"
#include "ui/imagefiles.h"
#include "ui/inference/modelcontroller.h"
#include "ui/panels/generationsettingswidget.h"
#include "ui/panels/modelpanel.h"
#include "ui/panels/promptpanel.h"
#include "ui/panels/resultspanel.h"
#include "ui/panels/thumbnailstrip.h"
#include "ui/recentmenu.h"
#include "ui/review/annotationsession.h"
#include "ui/settingskeys.h"
#include "ui/shortcutsdialog.h"
#include "ui/textformat.h"
#include "core/store.h"
#include "ui/training/trainingpanel.h"
#include "ui/training/trainingsettingswidget.h"
#include "ui/workbenchactions.h"

namespace kosmos::ui {

namespace keys = settingskeys;

namespace {

// "33 tokens in 0.2 s · 165.0 tok/s"
QString runFigures(long long tokens, double seconds) {
    const double rate = seconds > 0 ? tokens / seconds : 0;
    return MainWindow::tr("%1 in %2 s · %3 tok/s")
        .arg(countOf(tokens, MainWindow::tr("token"), MainWindow::tr("tokens")))
        .arg(seconds, 0, 'f', 1)
        .arg(rate, 0, 'f', 1);
}

} // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent),
      mOptions(options),
      mDocument(new ResultDocument(this)),
      mCanvas(new ImageCanvas(mDocument, this)),
      mActions(new WorkbenchActions(this)),
      mModels(new ModelController(this)),
      mRunner(new GenerationRunner(this)),
      mCreateBoxTool(new CreateBoxTool) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(applicationIcon());
    setWindowTitle(tr("Kosmos-2 Workbench"));
    setCentralWidget(mCanvas);
    setDockOptions(AnimatedDocks | AllowTabbedDocks);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);

    mStreamTimer.setSingleShot(true);
    mStreamTimer.setInterval(kStreamRefreshMs);
    connect(&mStreamTimer, &QTimer::timeout, this, [this] {
        if (mRunImageSerial == mImageSerial && mDocument->isRunning()) mDocument->setPartialText(mStreamText);
    });

    buildDocks();
    buildMenus();
    buildStatusBar();
    connectSignals();

    QStringList devices;
    for (const std::string& device : kosmos::runtimeInfo().devices) devices << QString::fromStdString(device);
    mModelPanel->setDevices(devices);

    const QRect screen = this->screen() ? this->screen()->availableGeometry() : QRect(0, 0, 1280, 800);
    resize(QSize(1280, 800).boundedTo(screen.size()));
    const auto dock = [this](const char* name) { return findChild<QDockWidget*>(QString::fromLatin1(name)); };
    resizeDocks({dock("promptDock"), mBrowserDock}, {450, 280}, Qt::Horizontal);   // the annotation panel's buttons need 440
    // The prompt's tab (shared with the model and the annotation panel) and the result's text and box table.
    resizeDocks({dock("promptDock"), dock("resultDock")}, {330, 430}, Qt::Vertical);

    if (mOptions.restoreSession) restoreSession();
    if (mOptions.loadStartModel) loadStartModel();
    else if (!mOptions.restoreSession) showNoModelHint();
    updateActions();
    updateImageStatus();
}

MainWindow::~MainWindow() {
    mCanvas->setTool(nullptr);
    delete mCreateBoxTool;
}

// ---------------------------------------------------------------------------------------------- layout

void MainWindow::buildDocks() {
    const auto makeDock = [this](const QString& title, const QString& name, QWidget* widget, Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(name);
        dock->setWidget(widget);
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                          QDockWidget::DockWidgetClosable);
        addDockWidget(area, dock);
        return dock;
    };
    mModelPanel = new ModelPanel(mActions->openModel, this);
    mPromptPanel = new PromptPanel(mDocument, mActions->run, mActions->cancel, mActions->runFolder, this);
    mResultsPanel = new ResultsPanel(mDocument, mActions->showHeatmap, this);
    mThumbnails = new ThumbnailStrip(this);
    QDockWidget* modelDock = makeDock(tr("Model"), QStringLiteral("modelDock"), mModelPanel, Qt::RightDockWidgetArea);
    QDockWidget* promptDock = makeDock(tr("Prompt"), QStringLiteral("promptDock"), mPromptPanel, Qt::RightDockWidgetArea);
    // The model's few settings sit in a tab behind the prompt (the status bar names the model), so that the
    // prompt, and the annotation panel when a sample is edited, have the column's height above the result.
    tabifyDockWidget(promptDock, modelDock);
    makeDock(tr("Result"), QStringLiteral("resultDock"), mResultsPanel, Qt::RightDockWidgetArea);
    mFolderDock = makeDock(tr("Folder"), QStringLiteral("folderDock"), mThumbnails, Qt::BottomDockWidgetArea);
    mFolderDock->hide();
    mTrainingPanel = new TrainingPanel(this);
    mTrainingDock = makeDock(tr("Training"), QStringLiteral("trainingDock"), mTrainingPanel, Qt::BottomDockWidgetArea);
    // One tab each: side by side, the training form would squeeze the folder strip to a sliver.
    tabifyDockWidget(mFolderDock, mTrainingDock);
    mTrainingDock->hide();
    buildStoreDock();
    buildEditing();
}

void MainWindow::showTrainingPanel() {
    mTrainingDock->show();
    mTrainingDock->raise();
    // Room for the form, the charts and the log, taken from the image above.
    if (!mTrainingDock->isFloating() && mTrainingDock->height() < kTrainingDockHeight)
        resizeDocks({mTrainingDock}, {kTrainingDockHeight}, Qt::Vertical);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(mActions->openImage);
    file->addAction(mActions->openFolder);
    file->addAction(mStores->openSampleImagesAction);
    mRecentImages = new RecentMenu(tr("Open &Recent"), keys::kRecentImages, this);
    mRecentImages->setObjectName(QStringLiteral("recentImages"));
    file->addMenu(mRecentImages);
    file->addAction(mActions->paste);
    file->addSeparator();
    file->addAction(mActions->exportImage);
    file->addAction(mActions->exportJson);
    addStoreMenuEntries(file);
    file->addSeparator();
    file->addAction(mActions->quit);

    addEditMenu();

    QMenu* model = menuBar()->addMenu(tr("&Model"));
    model->addAction(mActions->openModel);
    mRecentModels = new RecentMenu(tr("&Recent Models"), keys::kRecentModels, this);
    model->addMenu(mRecentModels);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(mActions->zoomIn);
    view->addAction(mActions->zoomOut);
    view->addAction(mActions->zoomFit);
    view->addAction(mActions->zoomActual);
    view->addSeparator();
    view->addAction(mActions->previousImage);
    view->addAction(mActions->nextImage);
    view->addSeparator();
    view->addAction(mActions->showHeatmap);
    view->addSeparator();
    const QList<QDockWidget*> docks = findChildren<QDockWidget*>();
    for (QDockWidget* dock : docks) view->addAction(dock->toggleViewAction());
    view->addSeparator();
    view->addAction(mActions->fullScreen);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(mActions->run);
    run->addAction(mActions->cancel);
    run->addAction(mActions->runFolder);

    QMenu* training = menuBar()->addMenu(tr("&Training"));
    training->addAction(tr("Training &Panel"), this, &MainWindow::showTrainingPanel)->setObjectName(QStringLiteral("showTraining"));
    training->addSeparator();
    training->addActions({mTrainingPanel->startAction(), mTrainingPanel->pauseAction(), mTrainingPanel->resumeAction(),
                          mTrainingPanel->cancelAction()});
    training->addSeparator();
    training->addAction(mTrainingPanel->useCheckpointAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(mActions->shortcuts);
    help->addAction(mActions->about);

    QToolBar* bar = addToolBar(tr("Toolbar"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(mActions->openImage);
    bar->addAction(mActions->openFolder);
    bar->addAction(mActions->openModel);
    bar->addSeparator();
    bar->addAction(mActions->run);
    bar->addAction(mActions->cancel);
    bar->addSeparator();
    bar->addAction(mActions->previousImage);
    bar->addAction(mActions->nextImage);
    bar->addSeparator();
    bar->addAction(mActions->zoomFit);
    bar->addAction(mActions->zoomActual);
    bar->addSeparator();
    bar->addAction(mActions->exportImage);
    view->insertAction(mActions->fullScreen, bar->toggleViewAction());
}

void MainWindow::buildStatusBar() {
    mRunStatus = new QLabel(this);
    mRunStatus->setObjectName(QStringLiteral("runStatus"));
    mProgress = new QProgressBar(this);
    mProgress->setObjectName(QStringLiteral("progress"));
    mProgress->setMaximumWidth(180);
    mProgress->setTextVisible(true);
    mProgress->hide();
    mImageStatus = new QLabel(this);
    mZoomStatus = new QLabel(this);
    mZoomStatus->setMinimumWidth(mZoomStatus->fontMetrics().horizontalAdvance(QStringLiteral("Fit 1600 %")));
    mModelStatus = new QLabel(tr("No model"), this);
    mModelStatus->setObjectName(QStringLiteral("modelStatusLabel"));
    statusBar()->addPermanentWidget(mRunStatus);
    statusBar()->addPermanentWidget(mProgress);
    statusBar()->addPermanentWidget(mImageStatus);
    statusBar()->addPermanentWidget(mZoomStatus);
    statusBar()->addPermanentWidget(mModelStatus);
}

void MainWindow::connectSignals() {
    WorkbenchActions* a = mActions;
    connect(a->openImage, &QAction::triggered, this, &MainWindow::chooseImage);
    connect(a->openFolder, &QAction::triggered, this, &MainWindow::chooseFolder);
    connect(a->paste, &QAction::triggered, this, &MainWindow::pasteFromClipboard);
    connect(a->exportImage, &QAction::triggered, this, &MainWindow::chooseExportImage);
    connect(a->exportJson, &QAction::triggered, this, &MainWindow::chooseExportJson);
    connect(a->quit, &QAction::triggered, this, &QWidget::close);
    connect(a->openModel, &QAction::triggered, this, &MainWindow::chooseModel);
    connect(a->zoomIn, &QAction::triggered, mCanvas, &ImageCanvas::zoomIn);
    connect(a->zoomOut, &QAction::triggered, mCanvas, &ImageCanvas::zoomOut);
    connect(a->zoomFit, &QAction::triggered, mCanvas, &ImageCanvas::zoomToFit);
    connect(a->zoomActual, &QAction::triggered, mCanvas, &ImageCanvas::zoomActualSize);
    connect(a->previousImage, &QAction::triggered, mThumbnails, &ThumbnailStrip::selectPrevious);
    connect(a->nextImage, &QAction::triggered, mThumbnails, &ThumbnailStrip::selectNext);
    connect(a->showHeatmap, &QAction::toggled, mCanvas, &ImageCanvas::setHeatmapVisible);
    connect(a->fullScreen, &QAction::toggled, this, [this](bool on) { on ? showFullScreen() : showNormal(); });
    connect(a->run, &QAction::triggered, this, &MainWindow::runPrompt);
    connect(a->cancel, &QAction::triggered, this, &MainWindow::cancelRun);
    connect(a->runFolder, &QAction::triggered, this, &MainWindow::runOnFolder);
    connect(a->about, &QAction::triggered, this, &MainWindow::showAbout);
    connect(a->shortcuts, &QAction::triggered, this, [this] {
        ShortcutsDialog dialog(QWidget::actions(), this);
        dialog.exec();
    });

    // Arrow keys browse the folder while the canvas has focus (elsewhere they edit and navigate).
    for (const auto& [key, target] : {std::pair{Qt::Key_Left, a->previousImage}, std::pair{Qt::Key_Right, a->nextImage}}) {
        auto* arrow = new QAction(this);
        arrow->setShortcut(QKeySequence(key));
        arrow->setShortcutContext(Qt::WidgetShortcut);
        mCanvas->addAction(arrow);
        connect(arrow, &QAction::triggered, target, &QAction::trigger);
    }

    connect(mCanvas, &ImageCanvas::zoomChanged, this, [this](double zoom) {
        if (!mDocument->hasImage()) {
            mZoomStatus->clear();
            return;
        }
        mZoomStatus->setText(mCanvas->isFitMode() ? tr("Fit %1 %").arg(qRound(zoom * 100))
                                                  : tr("%1 %").arg(qRound(zoom * 100)));
    });
    connect(mCanvas, &ImageCanvas::pathsDropped, this, [this](const QStringList& paths) {
        if (paths.size() == 1) {
            openPath(paths.first());
            return;
        }
        QStringList images;
        for (const QString& path : paths)
            if (QFileInfo(path).isFile()) images << path;
        if (images.isEmpty()) {
            openPath(paths.first());
            return;
        }
        mThumbnails->setImages(images);
        mFolderDock->show();
        openImage(images.first());
    });
    connect(mCanvas, &ImageCanvas::imageDropped, this, [this](const QImage& image) { openImageData(image, tr("Dropped image")); });
    connect(mThumbnails, &ThumbnailStrip::imageChosen, this, &MainWindow::openImage);
    connect(mRecentImages, &RecentMenu::pathChosen, this, &MainWindow::openPath);
    connect(mRecentModels, &RecentMenu::pathChosen, this, &MainWindow::loadModel);
    connect(mPromptPanel, &PromptPanel::taskChanged, this, [this](PromptTask task) {
        mCanvas->setTool(promptTaskNeedsBox(task) ? mCreateBoxTool : nullptr);
    });
    connect(mModelPanel, &ModelPanel::reloadRequested, this, [this] {
        if (!mModelFolderAttempted.isEmpty()) loadModel(mModelFolderAttempted);
    });

    connect(mModels, &ModelController::loadStarted, this, [this](const QString& folder) {
        mModelPanel->showLoading(folder);
        mModelStatus->setText(tr("Loading model…"));
        mProgress->setRange(0, 1000);
        mProgress->setValue(0);
        mProgress->setFormat(tr("Loading %p%"));
        mProgress->show();
        showStatus(tr("Loading %1…").arg(QDir::toNativeSeparators(folder)), 0);
        updateActions();
    });
    connect(mModels, &ModelController::loadProgress, this, [this](double fraction, const QString& what) {
        mProgress->setValue(qRound(fraction * 1000));
        if (!what.isEmpty()) showStatus(tr("Loading model: %1").arg(what), 0);
    });
    connect(mModels, &ModelController::loaded, this, &MainWindow::onModelLoaded);
    connect(mModels, &ModelController::loadFailed, this, &MainWindow::onModelFailed);

    connect(mRunner, &GenerationRunner::started, this, &MainWindow::updateActions);
    connect(mRunner, &GenerationRunner::jobStarted, this, &MainWindow::onJobStarted);
    connect(mRunner, &GenerationRunner::tokenGenerated, this, &MainWindow::onTokens);
    connect(mRunner, &GenerationRunner::jobFinished, this, &MainWindow::onJobFinished);
    connect(mRunner, &GenerationRunner::finished, this, &MainWindow::onRunFinished);

    connect(mDocument, &ResultDocument::resultChanged, this, &MainWindow::updateActions);
    connectStore();
    connectEditing();

    connect(mTrainingPanel, &TrainingPanel::useCheckpointRequested, this, &MainWindow::loadModel);
    connect(mTrainingPanel, &TrainingPanel::failed, this, &MainWindow::reportError);
    connect(mModels, &ModelController::loaded, this, [this](const QString& folder) {
        if (mTrainingPanel->settings()->baseModel().isEmpty()) mTrainingPanel->settings()->setBaseModel(folder);
        mTrainingPanel->setLoadedModel(folder);
    });
    connect(this, &MainWindow::storeChanged, this, [this] {
        if (const auto open = store()) mTrainingPanel->settings()->setCurrentStore(QString::fromStdString(open->path()));
    });
}

// ---------------------------------------------------------------------------------------------- session

void MainWindow::restoreSession() {
    QSettings settings;
    restoreStore(settings.allKeys().isEmpty());
    restoreGeometry(settings.value(keys::kWindowGeometry).toByteArray());
    restoreState(settings.value(keys::kWindowState).toByteArray());
    keepOnScreen();
    mFolderDock->hide();   // shown again when a folder is open
    mModelPanel->setDevice(settings.value(keys::kModelDevice, QStringLiteral("cpu")).toString());
    mModelPanel->setDtype(settings.value(keys::kModelDtype, QStringLiteral("f32")).toString());
    mPromptPanel->setTaskText(settings.value(keys::kPromptText).toString());
    mPromptPanel->setTask(static_cast<PromptTask>(
        std::clamp(settings.value(keys::kPromptTask, 0).toInt(), 0, kPromptTaskCount - 1)));
    mPromptPanel->settings()->setConstrainedGrounding(settings.value(keys::kConstrainedGrounding, false).toBool());
    mPromptPanel->setSettingsExpanded(settings.value(keys::kSettingsExpanded, false).toBool());
    mResultsPanel->setFilter(settings.value(keys::kHideLowConfidence, false).toBool(),
                             settings.value(keys::kConfidenceThreshold, 0.1).toDouble());
    mActions->showHeatmap->setChecked(settings.value(keys::kShowHeatmap, false).toBool());
}

void MainWindow::keepOnScreen() {
    // A geometry saved on a larger screen, or while a panel made the window wide, is brought back onto this one.
    if (!screen() || isMaximized() || isFullScreen()) return;
    const QRect available = screen()->availableGeometry();
    const QSize frame = frameGeometry().size() - size();
    const QSize wanted = size().boundedTo(available.size() - frame);
    if (wanted != size()) resize(wanted);
    QRect outer = frameGeometry();
    if (available.contains(outer)) return;
    const int right = std::max(available.left(), available.right() - outer.width() + 1);
    const int bottom = std::max(available.top(), available.bottom() - outer.height() + 1);
    outer.moveTopLeft({std::clamp(outer.left(), available.left(), right), std::clamp(outer.top(), available.top(), bottom)});
    move(outer.topLeft());
}

void MainWindow::loadStartModel() {
    if (mOptions.restoreSession) {
        QSettings settings;
        const QString lastModel = settings.value(keys::kModelFolder).toString();
        if (!lastModel.isEmpty() && QFileInfo(lastModel).isDir()) {
            loadModel(lastModel);
            return;
        }
        // A model chosen before and since removed: the hint, not a silent switch to the demo model.
        if (settings.contains(keys::kModelFolder)) {
            showNoModelHint();
            return;
        }
    }
    const QString demo = demoModelFolder();
    if (!demo.isEmpty()) loadModel(demo);
    else showNoModelHint();
}

void MainWindow::showNoModelHint() {
    const QString hint = tr("No model loaded: choose Model ▸ Open Model Folder… (%1) and pick a Hugging Face "
                            "KOSMOS-2 folder.%2")
                             .arg(mActions->openModel->shortcut().toString(QKeySequence::NativeText),
                                  demoModelFolder().isEmpty() ? tr(" The bundled demo model was not found.") : QString());
    mModelPanel->showNoModel(hint);
    showStatus(hint, 0);
}

void MainWindow::saveSession() const {
    QSettings settings;
    settings.setValue(keys::kWindowGeometry, saveGeometry());
    settings.setValue(keys::kWindowState, saveState());
    settings.setValue(keys::kModelDevice, mModelPanel->device());
    settings.setValue(keys::kModelDtype, mModelPanel->dtype());
    settings.setValue(keys::kPromptTask, static_cast<int>(mPromptPanel->task()));
    settings.setValue(keys::kPromptText, mPromptPanel->taskText());
    settings.setValue(keys::kConstrainedGrounding, mPromptPanel->settings()->constrainedGrounding());
    settings.setValue(keys::kSettingsExpanded, mPromptPanel->settingsExpanded());
    settings.setValue(keys::kHideLowConfidence, mResultsPanel->hideLowConfidenceBox()->isChecked());
    settings.setValue(keys::kConfidenceThreshold, mResultsPanel->thresholdSlider()->value() / 100.0);
    settings.setValue(keys::kShowHeatmap, mActions->showHeatmap->isChecked());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!closeSample(tr("quit")) || !mTrainingPanel->stopForClose()) {   // each asks; training is then stopped
        event->ignore();
        return;
    }
    if (mRunner->isRunning()) mRunner->cancel();   // the runner's destructor waits for the current token
    if (mOptions.restoreSession) saveSession();
    event->accept();
}

// ---------------------------------------------------------------------------------------------- feedback

void MainWindow::reportError(const QString& title, const QString& message) {
    showStatus(message);
    if (mErrorHandler) {
        mErrorHandler(title, message);
        return;
    }
    QMessageBox box(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
    box.setTextInteractionFlags(Qt::TextSelectableByMouse);
    box.exec();
}

void MainWindow::showStatus(const QString& message, int timeoutMs) { statusBar()->showMessage(message, timeoutMs); }

void MainWindow::updateActions() {
    const bool running = mRunner->isRunning();
    const bool hasImage = mDocument->hasImage();
    const bool hasModel = mModels->engine() != nullptr;
    mActions->run->setEnabled(!running && hasImage && hasModel);
    mActions->runFolder->setEnabled(!running && hasModel && mThumbnails->paths().size() > 0);
    mActions->cancel->setEnabled(running);
    mActions->openModel->setEnabled(!running && !mModels->isLoading());
    mRecentModels->setEnabled(!running && !mModels->isLoading());
    mActions->exportImage->setEnabled(hasImage);
    mActions->exportJson->setEnabled(mDocument->hasResult());
    const bool browsing = mThumbnails->paths().size() > 1;
    mActions->previousImage->setEnabled(browsing);
    mActions->nextImage->setEnabled(browsing);
    updateStoreActions();
}

void MainWindow::updateImageStatus() {
    if (!mDocument->hasImage()) {
        mImageStatus->setText(tr("No image"));
        setWindowTitle(tr("Kosmos-2 Workbench"));
        return;
    }
    const QSize size = mDocument->image().size();
    QString position;
    const int index = mThumbnails->currentPathIndex();
    if (index >= 0 && mThumbnails->paths().size() > 1)
        position = tr(" (%1/%2)").arg(index + 1).arg(mThumbnails->paths().size());
    mImageStatus->setText(tr("%1 — %2×%3%4").arg(mDocument->title()).arg(size.width()).arg(size.height()).arg(position));
    setWindowTitle(tr("%1 — Kosmos-2 Workbench").arg(mDocument->title()));
}

// ---------------------------------------------------------------------------------------------- images

bool MainWindow::openPath(const QString& path) {
    return QFileInfo(path).isDir() ? openFolder(path) : openImage(path);
}

bool MainWindow::openImage(const QString& path) {
    QString error;
    if (showImageFile(path, error)) return true;
    if (!error.isEmpty()) reportError(tr("Cannot open image"), error);
    return false;
}

bool MainWindow::showImageFile(const QString& path, QString& error) {
    ReadImageResult read = readImage(path);
    if (read.image.isNull()) {
        error = read.error.isEmpty() ? tr("%1: cannot open").arg(QDir::toNativeSeparators(path)) : read.error;
        return false;
    }
    const QFileInfo info(path);
    const QString absolute = info.absoluteFilePath();
    if (!closeSample(tr("open %1").arg(info.fileName()))) return false;
    // Browse the image's folder unless it is already part of what the strip shows.
    if (!mThumbnails->paths().contains(absolute)) {
        const QStringList images = imageFilesInFolder(info.absolutePath());
        mThumbnails->setImages(images.contains(absolute) ? images : QStringList{absolute});
    }
    mFolderDock->setVisible(mThumbnails->paths().size() > 1);
    mThumbnails->setCurrentPath(absolute);
    setCurrentImage(read.image, absolute, info.fileName());
    mRecentImages->add(absolute);
    QSettings().setValue(keys::kLastImageDir, info.absolutePath());
    emit imageOpened(absolute);
    return true;
}

void MainWindow::openImageData(const QImage& image, const QString& title) {
    if (image.isNull()) {
        reportError(tr("Cannot open image"), tr("%1: the data holds no image").arg(title));
        return;
    }
    if (!closeSample(tr("open %1").arg(title))) return;
    mThumbnails->setCurrentPath({});
    setCurrentImage(image, {}, title);
    emit imageOpened({});
}

bool MainWindow::openFolder(const QString& folder) {
    const QStringList images = imageFilesInFolder(folder);
    if (images.isEmpty()) {
        reportError(tr("No images"), tr("%1: no image files in this folder").arg(QDir::toNativeSeparators(folder)));
        return false;
    }
    mThumbnails->setImages(images);
    mFolderDock->show();
    mRecentImages->add(folder);
    // The first image that opens is shown; those before it that do not are named in the status bar.
    QStringList unreadable;
    for (const QString& image : images) {
        QString error;
        if (showImageFile(image, error)) {
            if (!unreadable.isEmpty())
                showStatus(tr("Passed over %1 that could not be opened: %2")
                               .arg(countOf(unreadable.size(), tr("image"), tr("images")), unreadable.join(QStringLiteral("; "))),
                           0);
            return true;
        }
        if (error.isEmpty()) return false;   // the open sample was kept
        unreadable.append(error);
    }
    reportError(tr("Cannot open image"), tr("None of the %1 in %2 could be opened; the first: %3")
                                             .arg(countOf(images.size(), tr("image"), tr("images")),
                                                  QDir::toNativeSeparators(folder), unreadable.first()));
    return false;
}

bool MainWindow::pasteFromClipboard() {
    const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
    if (mime && mime->hasImage()) {
        const QImage image = qvariant_cast<QImage>(mime->imageData());
        if (!image.isNull()) {
            openImageData(image, tr("Pasted image"));
            return true;
        }
    }
    const QStringList paths = openablePathsFromMimeData(mime);
    if (!paths.isEmpty()) return openPath(paths.first());
    if (mime && mime->hasText()) {
        const QString text = mime->text().trimmed();
        const QUrl url(text);
        const QString path = url.isLocalFile() ? url.toLocalFile() : text;
        if (!path.isEmpty() && QFileInfo::exists(path)) return openPath(path);
    }
    showStatus(tr("The clipboard holds no image."));
    return false;
}

bool MainWindow::setCurrentImage(const QImage& image, const QString& path, const QString& title) {
    if (!closeSample(tr("open %1").arg(title))) return false;
    ++mImageSerial;
    mDocument->setRunning(false);
    mRunStatus->clear();   // the speed of a run on the image before
    mDocument->setImage(image, path, title);
    showStoredResult();
    updateImageStatus();
    updateActions();
    return true;
}

void MainWindow::showStoredResult() {
    const QString path = mDocument->imagePath();
    if (path.isEmpty()) return;
    const auto stored = mResults.constFind(path);
    if (stored != mResults.constEnd()) {
        mDocument->setResult(stored->result, stored->prompt);
        return;
    }
    const QString sidecar = sidecarJsonPath(path);
    if (!QFileInfo::exists(sidecar)) return;
    QString error;
    const std::optional<QJsonObject> json = readJsonFile(sidecar, &error);
    std::optional<ResultFromJson> parsed = json ? resultFromJson(*json, &error) : std::nullopt;
    if (!parsed) {
        showStatus(tr("Ignoring %1: %2").arg(QDir::toNativeSeparators(sidecar), error));
        return;
    }
    mDocument->setResult(parsed->result, parsed->prompt);
    showStatus(tr("Showing the stored result from %1").arg(QFileInfo(sidecar).fileName()));
}

void MainWindow::chooseImage() {
    const QString dir = QSettings().value(keys::kLastImageDir, QDir::homePath()).toString();
    const QString file = QFileDialog::getOpenFileName(this, tr("Open Image"), dir, imageDialogFilter());
    if (!file.isEmpty()) openImage(file);
}

void MainWindow::chooseFolder() {
    const QString dir = QSettings().value(keys::kLastImageDir, QDir::homePath()).toString();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Folder of Images"), dir);
    if (!folder.isEmpty()) openFolder(folder);
}

// ---------------------------------------------------------------------------------------------- model

bool MainWindow::loadModel(const QString& folder) {
    if (mRunner->isRunning()) {
        showStatus(tr("Cancel or wait for the run before changing the model."));
        return false;
    }
    if (mModels->isLoading()) {
        showStatus(tr("A model is already loading."));
        return false;
    }
    mModelFolderAttempted = folder;
    if (!QFileInfo(folder).isDir()) {
        onModelFailed(folder, tr("%1: no such folder").arg(QDir::toNativeSeparators(folder)));
        return false;
    }
    mLoadTimer.start();
    return mModels->load(folder, mModelPanel->device(), mModelPanel->dtype());
}

void MainWindow::chooseModel() {
    QString dir = mModelFolderAttempted;
    if (dir.isEmpty()) dir = QDir::homePath();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open KOSMOS-2 Model Folder"), dir);
    if (!folder.isEmpty()) loadModel(folder);
}

void MainWindow::onModelLoaded() {
    const std::shared_ptr<kosmos::Engine> engine = mModels->engine();
    const kosmos::ModelSummary& summary = engine->summary();
    mModelPanel->showLoaded(summary);
    mPromptPanel->settings()->setModelDefaults(summary.defaults);
    mProgress->hide();
    const QString name = QFileInfo(mModels->folder()).fileName();
    mModelStatus->setText(tr("%1 · %2 · %3").arg(name, QString::fromStdString(summary.device),
                                                 QString::fromStdString(summary.dtype)));
    mModelStatus->setToolTip(QDir::toNativeSeparators(mModels->folder()));
    mRecentModels->add(mModels->folder());
    if (mOptions.restoreSession) QSettings().setValue(keys::kModelFolder, QFileInfo(mModels->folder()).absoluteFilePath());
    const QString loaded = tr("Model %1 loaded in %2 s.").arg(name).arg(mLoadTimer.elapsed() / 1000.0, 0, 'f', 1);
    // On a first start the hint stays up until the user does something else.
    if (!mFirstStartHint.isEmpty() && mImageSerial == 0) showStatus(loaded + QLatin1Char(' ') + mFirstStartHint, 0);
    else showStatus(loaded);
    mFirstStartHint.clear();
    updateActions();
    emit modelReady(true);
}

void MainWindow::onModelFailed(const QString& folder, const QString& error) {
    mModelPanel->showFailed(folder, error);
    mProgress->hide();
    mModelStatus->setText(tr("No model"));
    updateActions();
    reportError(tr("Cannot load model"), tr("The model in %1 could not be loaded.\n\n%2")
                                             .arg(QDir::toNativeSeparators(folder), error));
    emit modelReady(false);
}

// ---------------------------------------------------------------------------------------------- runs

bool MainWindow::runPrompt() {
    if (mRunner->isRunning()) return false;
    if (mEditing->isOpen()) return mEditing->runModel();   // suggestions for the sample being edited
    if (!mDocument->hasImage()) {
        showStatus(tr("Open an image first."));
        return false;
    }
    const std::shared_ptr<kosmos::Engine> engine = mModels->engine();
    if (!engine) {
        showStatus(mModels->isLoading() ? tr("The model is still loading.") : tr("Load a model first (Model ▸ Open Model Folder…)."));
        return false;
    }
    const QString prompt = mPromptPanel->prompt();
    if (prompt.isEmpty()) {
        showStatus(promptTaskNeedsBox(mPromptPanel->task()) ? tr("Drag a region on the image first.")
                                                            : tr("The prompt is empty."));
        return false;
    }
    GenerationJob job;
    job.image = mDocument->image();
    job.imagePath = mDocument->imagePath();
    job.prompt = prompt;
    job.params = mPromptPanel->settings()->params();
    mBatchRun = false;
    mRunImageSerial = mImageSerial;
    mDocument->clearResult();
    mDocument->setPartialText({});
    mDocument->setRunning(true);
    if (!mRunner->start(engine, {job})) {
        mDocument->setRunning(false);
        return false;
    }
    mRunStatus->setText(tr("Running…"));
    showStatus(tr("Running “%1” (Esc cancels)").arg(prompt), 0);
    updateActions();
    return true;
}

bool MainWindow::runOnFolder() {
    if (mRunner->isRunning()) return false;
    const QStringList paths = mThumbnails->paths();
    const std::shared_ptr<kosmos::Engine> engine = mModels->engine();
    const QString prompt = mPromptPanel->prompt();
    if (paths.isEmpty() || !engine || prompt.isEmpty()) {
        showStatus(paths.isEmpty() ? tr("Open a folder first.") : !engine ? tr("Load a model first.") : tr("The prompt is empty."));
        return false;
    }
    QList<GenerationJob> jobs;
    const kosmos::GenerationParams params = mPromptPanel->settings()->params();
    for (const QString& path : paths) jobs.append(GenerationJob{path, {}, prompt, params});
    // Each result becomes a model annotation in the open store (and a JSON file beside the image).
    mBatchStoreFile = mStores->storeFile();
    const GenerationRunner::ResultSink sink = folderRunSink(mBatchStoreFile, QFileInfo(mModels->folder()).fileName());
    mBatchRun = true;
    mBatchDone = 0;
    mBatchTokens = 0;
    mBatchSeconds = 0;
    mBatchGenerated = 0;
    mBatchErrors.clear();
    mRunImageSerial = -1;
    if (!mRunner->start(engine, jobs, sink)) return false;
    mProgress->setRange(0, static_cast<int>(jobs.size()));
    mProgress->setValue(0);
    mProgress->setFormat(tr("%v / %m images"));
    mProgress->show();
    showStatus(tr("Running on %1 (Esc cancels)").arg(countOf(jobs.size(), tr("image"), tr("images"))), 0);
    updateActions();
    return true;
}

void MainWindow::cancelRun() {
    if (!mRunner->isRunning()) return;
    mRunner->cancel();
    showStatus(tr("Cancelling…"), 0);
}

void MainWindow::onJobStarted(int index, const QString& imagePath) {
    (void)index;
    if (!mBatchRun) return;
    if (!imagePath.isEmpty() && imagePath == mDocument->imagePath()) {
        mRunImageSerial = mImageSerial;
        mDocument->clearResult();
        mDocument->setPartialText({});
        mDocument->setRunning(true);
    }
    showStatus(tr("Running on %1 (%2 of %3)").arg(QFileInfo(imagePath).fileName()).arg(index + 1).arg(mRunner->jobCount()), 0);
}

void MainWindow::onTokens(int index, int tokens, const QString& text, double seconds) {
    (void)index;
    const double rate = seconds > 0 ? tokens / seconds : 0;
    mRunStatus->setText(tr("%1 · %2 s · %3 tok/s")
                            .arg(countOf(tokens, tr("token"), tr("tokens")))
                            .arg(seconds, 0, 'f', 1)
                            .arg(rate, 0, 'f', 1));
    if (mRunImageSerial != mImageSerial) return;
    mStreamText = text;
    if (!mStreamTimer.isActive()) mStreamTimer.start();
}

void MainWindow::onJobFinished(const GenerationOutcome& outcome) {
    if (outcome.ok() && !outcome.imagePath.isEmpty())
        mResults.insert(outcome.imagePath, StoredResult{outcome.result, outcome.prompt});
    const bool shown = mRunImageSerial == mImageSerial &&
                       (!mBatchRun || outcome.imagePath == mDocument->imagePath());
    if (shown) {
        mStreamTimer.stop();
        mRunImageSerial = -1;
        mDocument->setRunning(false);
        if (outcome.ok()) mDocument->setResult(outcome.result, outcome.prompt);
    }
    if (outcome.ok() && mBatchRun) {
        // A folder run's figures are its own, not those of whichever image finished last.
        mBatchTokens += outcome.tokens;
        mBatchSeconds += outcome.seconds;
        ++mBatchGenerated;
        mRunStatus->setText(runFigures(mBatchTokens, mBatchSeconds) + tr(" over %1")
                                .arg(countOf(mBatchGenerated, tr("image"), tr("images"))));
    } else if (outcome.ok()) {
        mRunStatus->setText(runFigures(outcome.tokens, outcome.seconds));
    }
    if (mBatchRun) {
        ++mBatchDone;
        mProgress->setValue(mBatchDone);
        if (!outcome.error.isEmpty()) mBatchErrors << outcome.error;
        if (!outcome.sinkError.isEmpty()) mBatchErrors << outcome.sinkError;
    } else if (!outcome.ok()) {
        reportError(tr("Generation failed"), outcome.error);
    }
}

void MainWindow::onRunFinished(bool cancelled, int failures) {
    mProgress->hide();
    if (mRunImageSerial == mImageSerial) mDocument->setRunning(false);
    mRunImageSerial = -1;
    if (mBatchRun) {
        const QString done = countOf(mBatchDone, tr("image"), tr("images"));
        const QString summary = cancelled ? tr("Cancelled after %1.").arg(done) : folderRunSummary(mBatchDone);
        showStatus(summary + (failures ? tr(" %1 failed.").arg(failures) : QString()), 0);
        if (!mBatchErrors.isEmpty()) {
            QStringList shownErrors = mBatchErrors.mid(0, 10);
            if (mBatchErrors.size() > 10) shownErrors << tr("… and %1 more").arg(mBatchErrors.size() - 10);
            reportError(tr("Some images failed"), shownErrors.join(QLatin1Char('\n')));
        }
    } else {
        showStatus(cancelled ? tr("Cancelled.") : tr("Done."));
    }
    mBatchRun = false;
    updateActions();
    emit runFinished(cancelled);
}

// ---------------------------------------------------------------------------------------------- export

bool MainWindow::exportAnnotatedImage(const QString& file) {
    if (!mDocument->hasImage()) return false;
    const QImage image = mCanvas->renderAnnotated();
    QImageWriter writer(file);
    if (writer.format().isEmpty()) writer.setFormat("png");
    if (!writer.write(image)) {
        reportError(tr("Cannot export image"), tr("%1: %2").arg(QDir::toNativeSeparators(file), writer.errorString()));
        return false;
    }
    showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(file)));
    return true;
}

bool MainWindow::exportResultJson(const QString& file) {
    if (!mDocument->hasResult()) return false;
    const QString error = writeJsonFile(file, resultToJson(mDocument->result(), mDocument->imagePath(),
                                                           mDocument->resultPrompt(), mDocument->image().size()));
    if (!error.isEmpty()) {
        reportError(tr("Cannot export result"), error);
        return false;
    }
    showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(file)));
    return true;
}

void MainWindow::chooseExportImage() {
    if (!mDocument->hasImage()) return;
    QSettings settings;
    const QString base = mDocument->imagePath().isEmpty() ? tr("image") : QFileInfo(mDocument->imagePath()).completeBaseName();
    const QString dir = settings.value(keys::kLastExportDir, QFileInfo(mDocument->imagePath()).absolutePath()).toString();
    const QString file = QFileDialog::getSaveFileName(this, tr("Export Annotated Image"),
                                                      QDir(dir).filePath(base + QStringLiteral("-annotated.png")),
                                                      tr("PNG image (*.png);;JPEG image (*.jpg)"));
    if (file.isEmpty()) return;
    settings.setValue(keys::kLastExportDir, QFileInfo(file).absolutePath());
    exportAnnotatedImage(file);
}

void MainWindow::chooseExportJson() {
    if (!mDocument->hasResult()) return;
    QSettings settings;
    const QString base = mDocument->imagePath().isEmpty() ? tr("image") : QFileInfo(mDocument->imagePath()).completeBaseName();
    const QString dir = settings.value(keys::kLastExportDir, QFileInfo(mDocument->imagePath()).absolutePath()).toString();
    const QString file = QFileDialog::getSaveFileName(this, tr("Export Result as JSON"),
                                                      QDir(dir).filePath(base + QStringLiteral(".kosmos2.json")),
                                                      tr("JSON (*.json)"));
    if (file.isEmpty()) return;
    settings.setValue(keys::kLastExportDir, QFileInfo(file).absolutePath());
    exportResultJson(file);
}

void MainWindow::showAbout() {
    const kosmos::RuntimeInfo info = kosmos::runtimeInfo();
    QStringList devices;
    for (const std::string& d : info.devices) devices << QString::fromStdString(d);
    QMessageBox::about(this, tr("About Kosmos-2 Workbench"),
                       tr("<h3>Kosmos-2 Workbench %1</h3>"
                          "<p>Grounded captions, phrase grounding and region descriptions with Microsoft's "
                          "KOSMOS-2, running natively on LibTorch.</p>"
                          "<p>LibTorch %2<br>Devices: %3<br>BLAS: %4<br>Threads: %5 intra-op, %6 inter-op</p>")
                           .arg(QCoreApplication::applicationVersion().toHtmlEscaped(),
                                QString::fromStdString(info.torchVersion).toHtmlEscaped(),
                                devices.join(QStringLiteral(", ")).toHtmlEscaped(),
                                QString::fromStdString(info.blas).toHtmlEscaped())
                           .arg(info.intraOpThreads)
                           .arg(info.interOpThreads));
}

} // namespace kosmos::ui
