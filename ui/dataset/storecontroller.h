#pragma once
// The workbench's annotation store: which one is open (the default one in the application data
// folder, or one the user opened or created), the recent ones, and imports and exports run in the
// background with a progress dialog. Its actions go into the window's File menu.
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

#include "core/sample.h"
#include "core/store_export.h"

class QAction;
class QWidget;

namespace kosmos::store {
class AnnotationStore;
}

namespace kosmos::ui {

class RecentMenu;
class StoreJob;
class StoreJobDialog;

class StoreController : public QObject {
    Q_OBJECT
public:
    using ErrorHandler = std::function<void(const QString& title, const QString& message)>;

    StoreController(QWidget* window, ErrorHandler errors);
    ~StoreController() override;

    std::shared_ptr<kosmos::store::AnnotationStore> store() const { return mStore; }
    // The open store's file; empty when none is open or it lives in memory.
    QString storeFile() const;
    void setStore(std::shared_ptr<kosmos::store::AnnotationStore> store);
    // Opens the store file (creating it when `create`); on failure reports it and keeps the current one.
    bool openStore(const QString& path, bool create = true);
    bool openDefaultStore();
    // Opens the default store when none is open.
    bool ensureStore();
    // Whether an opened store is remembered for the next start.
    void setRememberStore(bool remember) { mRemember = remember; }

    // Background jobs on the open store; false when none is open, a job is running, or no input.
    bool startImport(const QStringList& sources, kosmos::store::Split split = kosmos::store::Split::Train);
    bool startExport(const QString& file, kosmos::store::ExportFormat format, const kosmos::store::ExportFilter& filter);
    StoreJob* job() const { return mJob; }
    StoreJobDialog* jobDialog() const { return mDialog; }
    bool isBusy() const;

    QAction* openStoreAction;
    QAction* newStoreAction;
    QAction* importAction;
    QAction* exportAction;
    QAction* saveResultAction;        // the window connects it (it knows the result)
    QAction* openSampleImagesAction;  // the window connects it
    RecentMenu* recentStores;

signals:
    void storeChanged();
    // An import ended (samples committed before a failure or a cancel stay stored).
    void imported();
    void jobFinished(bool ok, bool cancelled);
    void statusMessage(const QString& text);

private:
    void chooseOpenStore();
    void chooseNewStore();
    void chooseImport();
    void chooseExport();
    void onJobFinished(bool ok, bool cancelled);
    void updateActions();
    void reportError(const QString& title, const QString& message);
    QString lastDir() const;
    void rememberDir(const QString& path) const;

    QWidget* mWindow;
    ErrorHandler mErrors;
    std::shared_ptr<kosmos::store::AnnotationStore> mStore;
    StoreJob* mJob;
    StoreJobDialog* mDialog = nullptr;   // made on the first job, a child of the window
    bool mRemember = false;
};

} // namespace kosmos::ui
