// MainWindow's annotation-store part: the dataset browser dock, the store entries of the File menu,
// results saved as model annotations, and which store a session opens.
#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

#include <exception>

#include "core/store.h"
#include "ui/apppaths.h"
#include "ui/browser/datasetbrowser.h"
#include "ui/dataset/modelannotation.h"
#include "ui/dataset/storecontroller.h"
#include "ui/document/resultdocument.h"
#include "ui/inference/modelcontroller.h"
#include "ui/mainwindow.h"
#include "ui/recentmenu.h"
#include "ui/settingskeys.h"
#include "ui/textformat.h"

namespace kosmos::ui {

namespace keys = settingskeys;

std::shared_ptr<kosmos::store::AnnotationStore> MainWindow::store() const { return mStores->store(); }

void MainWindow::setStore(std::shared_ptr<kosmos::store::AnnotationStore> store) { mStores->setStore(std::move(store)); }

bool MainWindow::openStore(const QString& path) { return mStores->openStore(path, true); }

void MainWindow::buildStoreDock() {
    mStores = new StoreController(this, [this](const QString& title, const QString& message) { reportError(title, message); });
    mStores->setRememberStore(mOptions.restoreSession);
    mBrowser = new DatasetBrowser(this);
    mBrowser->setSampleImagesAvailable(!sampleImagesFolder().isEmpty());
    mBrowserDock = new QDockWidget(tr("Dataset"), this);
    mBrowserDock->setObjectName(QStringLiteral("datasetDock"));
    mBrowserDock->setWidget(mBrowser);
    mBrowserDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                              QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::LeftDockWidgetArea, mBrowserDock);
}

void MainWindow::addStoreMenuEntries(QMenu* file) {
    file->addAction(mStores->saveResultAction);
    file->addSeparator();
    file->addAction(mStores->openStoreAction);
    file->addAction(mStores->newStoreAction);
    file->addMenu(mStores->recentStores);
    file->addSeparator();
    file->addAction(mStores->importAction);
    file->addAction(mStores->exportAction);
}

void MainWindow::connectStore() {
    connect(mStores, &StoreController::storeChanged, this, [this] {
        mBrowser->setStore(mStores->store());
        const QString file = mStores->storeFile();
        mBrowserDock->setWindowTitle(file.isEmpty() ? tr("Dataset") : tr("Dataset — %1").arg(QFileInfo(file).fileName()));
        mBrowserDock->setToolTip(QDir::toNativeSeparators(file));
        updateStoreActions();
        emit storeChanged();
    });
    connect(mStores, &StoreController::imported, mBrowser, &DatasetBrowser::refresh);
    connect(mStores, &StoreController::statusMessage, this, [this](const QString& text) { showStatus(text); });
    connect(mStores->saveResultAction, &QAction::triggered, this, &MainWindow::saveResultToStore);
    connect(mStores->openSampleImagesAction, &QAction::triggered, this, [this] {
        const QString folder = sampleImagesFolder();
        if (!folder.isEmpty()) openFolder(folder);
    });
    connect(mBrowser, &DatasetBrowser::openSampleImagesRequested, mStores->openSampleImagesAction, &QAction::trigger);
    connect(mBrowser, &DatasetBrowser::importSamplesRequested, this, [this] {
        const QString annotations = QDir(sampleImagesFolder()).absoluteFilePath(QStringLiteral("../annotations.jsonl"));
        if (QFileInfo(annotations).isFile()) mStores->startImport({QDir::cleanPath(annotations)});
        else reportError(tr("Cannot import the samples"), tr("%1: no such file").arg(QDir::cleanPath(annotations)));
    });
    connect(mBrowser, &DatasetBrowser::importRequested, mStores->importAction, &QAction::trigger);
    connect(mBrowser->model(), &SampleListModel::queryFailed, this,
            [this](const QString& message) { showStatus(tr("Dataset: %1").arg(message)); });
    // Folder runs write through their own connection: show their samples as soon as the run ends.
    connect(this, &MainWindow::runFinished, mBrowser, &DatasetBrowser::refresh);
    connect(mDocument, &ResultDocument::imageChanged, this, &MainWindow::updateStoreActions);
}

void MainWindow::restoreStore(bool firstStart) {
    const QString last = QSettings().value(keys::kStorePath).toString();
    if (!last.isEmpty() && QFileInfo::exists(last) && mStores->openStore(last, false)) return;
    if (!mStores->openDefaultStore()) return;
    if (firstStart && !sampleImagesFolder().isEmpty()) {
        mFirstStartHint = tr("New here? File ▸ Open Sample Images opens a folder of synthetic pictures to try the model on.");
        showStatus(mFirstStartHint, 0);
    }
}

void MainWindow::updateStoreActions() {
    if (!mStores) return;
    mStores->saveResultAction->setEnabled(mDocument->hasResult() && !mDocument->imagePath().isEmpty() &&
                                          !mRunner->isRunning());
}

QString MainWindow::folderRunSummary(int imagesDone) const {
    const QString images = countOf(imagesDone, tr("image"), tr("images"));
    if (mBatchStoreFile.isEmpty()) return tr("Ran on %1; results saved beside the images as *.kosmos2.json.").arg(images);
    return tr("Ran on %1; results saved to the store %2 as model annotations, and beside the images as *.kosmos2.json "
              "where the folder can be written.")
        .arg(images, QFileInfo(mBatchStoreFile).fileName());
}

qint64 MainWindow::saveResultToStore() {
    if (!mDocument->hasResult()) {
        showStatus(tr("There is no result to save."));
        return 0;
    }
    const QString path = mDocument->imagePath();
    if (path.isEmpty()) {
        showStatus(tr("A pasted or dropped image has no file: save it, open the file, and run again to store it."));
        return 0;
    }
    if (!mStores->ensureStore()) return 0;
    const QString checkpoint = mModels->folder().isEmpty() ? QStringLiteral("unknown") : QFileInfo(mModels->folder()).fileName();
    try {
        const std::int64_t id = saveModelAnnotation(
            *mStores->store(), ModelAnnotation{path, mDocument->resultPrompt(), checkpoint, mDocument->result()});
        showStatus(tr("Saved to %1 as sample %2.").arg(QFileInfo(mStores->storeFile()).fileName()).arg(id));
        return id;
    } catch (const std::exception& e) {
        reportError(tr("Cannot save to the store"), QString::fromStdString(e.what()));
        return 0;
    }
}

} // namespace kosmos::ui
