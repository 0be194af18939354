// MainWindow's editing part: the annotation session (document, saver, model assistance, Edit menu,
// Annotation and Edit History docks), opening a stored sample for editing, and saving on the way out.
#include <QDockWidget>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>

#include "core/store.h"
#include "ui/browser/datasetbrowser.h"
#include "ui/document/annotationdocument.h"
#include "ui/mainwindow.h"
#include "ui/panels/thumbnailstrip.h"
#include "ui/panels/resultspanel.h"
#include "ui/review/annotationpanel.h"
#include "ui/review/annotationsession.h"
#include "ui/store/annotationsaver.h"

namespace kosmos::ui {

void MainWindow::buildEditing() {
    AnnotationSession::Parts parts;
    parts.window = this;
    parts.result = mDocument;
    parts.canvas = mCanvas;
    parts.caption = mResultsPanel->captionView();
    parts.runner = mRunner;
    parts.models = mModels;
    parts.prompt = mPromptPanel;
    mEditing = new AnnotationSession(parts, this);
    mEditing->addDocks(this, findChild<QDockWidget*>(QStringLiteral("promptDock")));
}

void MainWindow::addEditMenu() { mEditing->fillEditMenu(menuBar()->addMenu(tr("&Edit"))); }

void MainWindow::connectEditing() {
    connect(this, &MainWindow::storeChanged, this, [this] { mEditing->setStore(store()); });
    mEditing->setStore(store());
    connect(mBrowser, &DatasetBrowser::sampleActivated, this, &MainWindow::openSample);
    connect(mEditing, &AnnotationSession::openSampleRequested, this, &MainWindow::openSample);
    connect(mEditing, &AnnotationSession::statusMessage, this, [this](const QString& text) { showStatus(text); });
    connect(mEditing, &AnnotationSession::errorOccurred, this, &MainWindow::reportError);
}

bool MainWindow::openSample(qint64 sampleId) {
    if (!store()) {
        reportError(tr("Cannot open sample"), tr("No annotation store is open."));
        return false;
    }
    if (mEditing->isOpen() && mEditing->document()->sampleId() == sampleId) return true;
    if (!closeSample(tr("open sample %1").arg(sampleId))) return false;
    const AnnotationSession::Loaded loaded = mEditing->load(sampleId);
    if (!loaded.sample) {
        reportError(tr("Cannot open sample"), loaded.error);
        return false;
    }
    mThumbnails->setCurrentPath({});
    if (!setCurrentImage(loaded.image, {}, QString::fromStdString(loaded.sample->key))) return false;
    mEditing->open(*loaded.sample);
    QDockWidget* dock = mEditing->annotationDock();
    dock->show();
    dock->raise();
    // The panel scrolls within its tab; opening a sample grows the tab towards the panel's full height.
    if (const int wanted = mEditing->panel()->minimumSizeHint().height(); !dock->isFloating() && dock->height() < wanted)
        resizeDocks({dock}, {wanted}, Qt::Vertical);
    if (!loaded.imageError.isEmpty())
        showStatus(tr("The image is not available (%1); the boxes are shown on a grey canvas.").arg(loaded.imageError), 0);
    else
        showStatus(tr("Editing sample %1 (“%2”); every change is saved to the store.")
                       .arg(sampleId)
                       .arg(QString::fromStdString(loaded.sample->key)));
    emit sampleOpened(sampleId);
    return true;
}

bool MainWindow::closeSample(const QString& then) {
    if (!mEditing || !mEditing->isOpen() || mEditing->close()) return true;
    const QString reason = mEditing->saver()->lastError();
    if (mErrorHandler) {   // no one to ask (tests, screenshots): said, and given up
        reportError(tr("Edits not saved"), tr("The last edits of the sample could not be saved.\n\n%1").arg(reason));
    } else if (QMessageBox::warning(this, tr("Edits not saved"),
                                    tr("The last edits of the sample could not be saved:\n\n%1\n\nGive them up and %2?")
                                        .arg(reason, then),
                                    QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel) != QMessageBox::Discard) {
        return false;
    }
    mEditing->discard();
    return true;
}

} // namespace kosmos::ui
