#include "ui/dataset/storecontroller.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>
#include <QStyle>
#include <QWidget>

#include <exception>

#include "core/store.h"
#include "ui/apppaths.h"
#include "ui/dataset/exportdialog.h"
#include "ui/dataset/importdialog.h"
#include "ui/dataset/storejob.h"
#include "ui/dataset/storejobdialog.h"
#include "ui/recentmenu.h"
#include "ui/settingskeys.h"

namespace kosmos::ui {

namespace store = kosmos::store;
namespace keys = settingskeys;

namespace {

QAction* makeAction(QWidget* window, const QString& text, const QKeySequence& key = {}) {
    auto* action = new QAction(text, window);
    if (!key.isEmpty()) {
        action->setShortcut(key);
        action->setShortcutContext(Qt::WindowShortcut);
    }
    window->addAction(action);
    return action;
}

const QString kStoreFilter = QStringLiteral("Annotation stores (*.sqlite *.db);;All files (*)");

} // namespace

StoreController::StoreController(QWidget* window, ErrorHandler errors)
    : QObject(window), mWindow(window), mErrors(std::move(errors)), mJob(new StoreJob(this)) {
    openStoreAction = makeAction(window, tr("Open &Store…"));
    openStoreAction->setStatusTip(tr("Open an annotation store (SQLite file) to browse and edit"));
    newStoreAction = makeAction(window, tr("&New Store…"));
    importAction = makeAction(window, tr("&Import Annotations…"), QKeySequence(tr("Ctrl+I")));
    importAction->setStatusTip(tr("Import GRIT JSONL files, tar shards or img2dataset folders into the store"));
    exportAction = makeAction(window, tr("E&xport Dataset…"), QKeySequence(tr("Ctrl+Shift+X")));
    exportAction->setStatusTip(tr("Export the store as GRIT, ODVG or COCO"));
    saveResultAction = makeAction(window, tr("Save Result to S&tore"), QKeySequence(tr("Ctrl+Shift+S")));
    saveResultAction->setStatusTip(tr("Store the result as a model annotation of the image"));
    openSampleImagesAction = makeAction(window, tr("Open S&ample Images"));
    openSampleImagesAction->setStatusTip(tr("Open the synthetic sample images that come with the workbench"));
    openSampleImagesAction->setVisible(!sampleImagesFolder().isEmpty());
    recentStores = new RecentMenu(tr("Recent Stor&es"), keys::kRecentStores, window);

    connect(openStoreAction, &QAction::triggered, this, &StoreController::chooseOpenStore);
    connect(newStoreAction, &QAction::triggered, this, &StoreController::chooseNewStore);
    connect(importAction, &QAction::triggered, this, &StoreController::chooseImport);
    connect(exportAction, &QAction::triggered, this, &StoreController::chooseExport);
    connect(recentStores, &RecentMenu::pathChosen, this, [this](const QString& path) { openStore(path, false); });
    connect(mJob, &StoreJob::finished, this, &StoreController::onJobFinished);
    updateActions();
}

StoreController::~StoreController() = default;

QString StoreController::storeFile() const {
    if (!mStore) return {};
    const QString path = QString::fromStdString(mStore->path());
    return path == QLatin1String(":memory:") ? QString() : path;
}

void StoreController::setStore(std::shared_ptr<store::AnnotationStore> store) {
    if (store == mStore) return;
    mStore = std::move(store);
    const QString file = storeFile();
    if (!file.isEmpty()) {
        recentStores->add(file);
        if (mRemember) QSettings().setValue(keys::kStorePath, QFileInfo(file).absoluteFilePath());
    }
    updateActions();
    emit storeChanged();
}

bool StoreController::openStore(const QString& path, bool create) {
    if (isBusy()) {
        emit statusMessage(tr("Wait for the import or export to finish before switching stores."));
        return false;
    }
    try {
        store::AnnotationStore::Options options;
        options.create = create;
        setStore(std::make_shared<store::AnnotationStore>(QDir::toNativeSeparators(path).toStdString(), options));
    } catch (const std::exception& e) {
        reportError(tr("Cannot open store"), QString::fromStdString(e.what()));
        return false;
    }
    const std::string why = mStore->whyReadOnly();
    if (why.empty())
        emit statusMessage(tr("Store %1 open").arg(QDir::toNativeSeparators(path)));
    else if (!mStore->lockedBy().empty())
        emit statusMessage(tr("Store %1 open read-only: %2; edits are saved once it closes the store.")
                               .arg(QDir::toNativeSeparators(path), QString::fromStdString(why)));
    else
        emit statusMessage(tr("Store %1 open read-only: %2, so edits cannot be saved.")
                               .arg(QDir::toNativeSeparators(path), QString::fromStdString(why)));
    return true;
}

bool StoreController::openDefaultStore() {
    const QString path = defaultStorePath();
    if (path.isEmpty()) {
        reportError(tr("Cannot open store"), tr("There is no writable application data folder for the default store."));
        return false;
    }
    return openStore(path, true);
}

bool StoreController::ensureStore() { return mStore || openDefaultStore(); }

bool StoreController::isBusy() const { return mJob->isRunning(); }

bool StoreController::startImport(const QStringList& sources, store::Split split) {
    if (!ensureStore()) return false;
    if (storeFile().isEmpty()) {
        reportError(tr("Cannot import"), tr("Imports run in the background and need a store file, not one in memory."));
        return false;
    }
    if (!mDialog) mDialog = new StoreJobDialog(mJob, mWindow);
    if (!mJob->startImport(storeFile(), sources, split)) return false;
    mDialog->show();
    mDialog->raise();
    updateActions();
    return true;
}

bool StoreController::startExport(const QString& file, store::ExportFormat format, const store::ExportFilter& filter) {
    if (!mStore || storeFile().isEmpty()) {
        reportError(tr("Cannot export"), tr("No annotation store file is open."));
        return false;
    }
    if (!mDialog) mDialog = new StoreJobDialog(mJob, mWindow);
    if (!mJob->startExport(storeFile(), file, format, filter)) return false;
    mDialog->show();
    mDialog->raise();
    updateActions();
    return true;
}

void StoreController::onJobFinished(bool ok, bool cancelled) {
    const bool wasImport = mJob->kind() == StoreJob::Kind::Import;
    updateActions();
    emit statusMessage(mJob->summaryText());
    if (!ok) {
        reportError(wasImport ? tr("Import failed") : tr("Export failed"), mJob->summaryText());
    }
    if (wasImport) emit imported();
    emit jobFinished(ok, cancelled);
}

void StoreController::updateActions() {
    const bool busy = isBusy();
    openStoreAction->setEnabled(!busy);
    newStoreAction->setEnabled(!busy);
    recentStores->setEnabled(!busy);
    importAction->setEnabled(!busy);
    exportAction->setEnabled(!busy && mStore != nullptr);
}

void StoreController::reportError(const QString& title, const QString& message) {
    if (mErrors) mErrors(title, message);
}

QString StoreController::lastDir() const {
    return QSettings().value(keys::kLastDatasetDir, QDir::homePath()).toString();
}

void StoreController::rememberDir(const QString& path) const {
    QSettings().setValue(keys::kLastDatasetDir, QFileInfo(path).absolutePath());
}

void StoreController::chooseOpenStore() {
    const QString file = QFileDialog::getOpenFileName(mWindow, tr("Open Annotation Store"), lastDir(), kStoreFilter);
    if (file.isEmpty()) return;
    rememberDir(file);
    openStore(file, false);
}

void StoreController::chooseNewStore() {
    const QString file = QFileDialog::getSaveFileName(mWindow, tr("New Annotation Store"),
                                                      QDir(lastDir()).filePath(QStringLiteral("annotations.sqlite")),
                                                      kStoreFilter, nullptr, QFileDialog::DontConfirmOverwrite);
    if (file.isEmpty()) return;
    rememberDir(file);
    if (QFileInfo::exists(file)) {
        reportError(tr("Cannot create store"),
                    tr("%1 already exists: open it with File ▸ Open Store…, or choose a new name.").arg(QDir::toNativeSeparators(file)));
        return;
    }
    openStore(file, true);
}

void StoreController::chooseImport() {
    if (!ensureStore()) return;
    ImportDialog dialog(lastDir(), mWindow);
    if (dialog.exec() != QDialog::Accepted || dialog.sources().isEmpty()) return;
    QSettings().setValue(keys::kLastDatasetDir, dialog.lastDir());
    startImport(dialog.sources(), dialog.split());
}

void StoreController::chooseExport() {
    if (!mStore) return;
    const QString base = QFileInfo(storeFile()).completeBaseName();
    ExportDialog dialog(QDir(lastDir()).filePath(base + ExportDialog::suffix(store::ExportFormat::Grit)), mWindow);
    if (dialog.exec() != QDialog::Accepted) return;
    rememberDir(dialog.file());
    startExport(dialog.file(), dialog.format(), dialog.filter());
}

} // namespace kosmos::ui
