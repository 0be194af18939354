#include "ui/startupsequence.h"

#include <QApplication>
#include <QItemSelectionModel>
#include <QTimer>

#include <cstdio>

#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"
#include "ui/inference/modelcontroller.h"
#include "ui/mainwindow.h"
#include "ui/panels/generationsettingswidget.h"
#include "ui/panels/promptpanel.h"

namespace kosmos::ui {

StartupSequence::StartupSequence(MainWindow* window, StartupOptions options, QObject* parent)
    : QObject(parent), mWindow(window), mOptions(std::move(options)) {}

void StartupSequence::start() { QTimer::singleShot(0, this, &StartupSequence::begin); }

void StartupSequence::begin() {
    if (!mOptions.screenshot.isEmpty()) {
        // No modal dialog may block an unattended run: errors go to stderr.
        mWindow->setErrorHandler([this](const QString& title, const QString& message) {
            std::fprintf(stderr, "kosmos2-workbench: %s: %s\n", qUtf8Printable(title), qUtf8Printable(message));
            mFailed = true;
        });
        QTimer::singleShot(kScreenshotTimeoutMs, this, [this] {
            if (mFinished) return;
            std::fprintf(stderr, "kosmos2-workbench: still not done after %d minutes; the screenshot shows that\n",
                         kScreenshotTimeoutMs / 60000);
            mFailed = true;
            finish();
        });
        mWindow->resize(kScreenshotSize);   // whatever the (virtual) screen is
    }
    if (mOptions.showTraining) mWindow->showTrainingPanel();
    if (!mOptions.store.isEmpty()) mWindow->openStore(mOptions.store);
    if (!mOptions.paths.isEmpty()) mWindow->openPath(mOptions.paths.first());
    PromptPanel* prompt = mWindow->promptPanel();
    if (!mOptions.phrase.isEmpty()) {
        prompt->setTask(PromptTask::PhraseGrounding);
        prompt->setTaskText(mOptions.phrase);
    } else if (!mOptions.prompt.isEmpty()) {
        prompt->setPrompt(mOptions.prompt);
    }
    if (mOptions.constrained) prompt->settings()->setConstrainedGrounding(true);

    if (!mOptions.model.isEmpty()) {
        // A folder that does not exist fails inside loadModel, which then emits modelReady at once.
        connect(mWindow, &MainWindow::modelReady, this, &StartupSequence::afterModel, Qt::SingleShotConnection);
        mWindow->loadModel(mOptions.model);
        return;
    }
    if (mWindow->modelController()->isLoading()) {
        connect(mWindow, &MainWindow::modelReady, this, &StartupSequence::afterModel, Qt::SingleShotConnection);
        return;
    }
    afterModel();
}

void StartupSequence::afterModel() {
    if (mOptions.maxNewTokens > 0) mWindow->promptPanel()->settings()->setMaxNewTokens(mOptions.maxNewTokens);
    if (mOptions.run) {
        connect(mWindow, &MainWindow::runFinished, this, [this] {
            ResultDocument* document = mWindow->document();
            const int rows = document->entities()->rowCount();
            if (mOptions.selectEntity >= rows) {
                std::fprintf(stderr, "kosmos2-workbench: --select-entity %d: the result has %d entit%s\n",
                             mOptions.selectEntity, rows, rows == 1 ? "y" : "ies");
                mFailed = true;
            } else if (mOptions.selectEntity >= 0) {
                document->selectSourceRow(mOptions.selectEntity);
            }
            finish();
        }, Qt::SingleShotConnection);
        if (mWindow->runPrompt()) return;
        std::fprintf(stderr, "kosmos2-workbench: the prompt could not be run (no image, model or prompt)\n");
        mFailed = true;
    }
    finish();
}

void StartupSequence::finish() {
    if (mFinished || mOptions.screenshot.isEmpty()) return;
    mFinished = true;
    // Let layouts and the last repaint settle before grabbing.
    QTimer::singleShot(400, this, [this] {
        const bool saved = mWindow->grab().save(mOptions.screenshot);
        if (!saved) std::fprintf(stderr, "kosmos2-workbench: cannot write %s\n", qUtf8Printable(mOptions.screenshot));
        QApplication::exit(saved && !mFailed ? 0 : 1);
    });
}

} // namespace kosmos::ui
