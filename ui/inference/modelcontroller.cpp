#include "ui/inference/modelcontroller.h"

#include <QDir>
#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

#include "model/error.h"

namespace kosmos::ui {
namespace {

constexpr int kProgressSteps = 1000;

void loadEngine(QPromise<ModelLoadOutcome>& promise, const QString& folder, const kosmos::LoadOptions& options) {
    ModelLoadOutcome outcome;
    outcome.folder = folder;
    promise.setProgressRange(0, kProgressSteps);
    try {
        const auto progress = [&promise](double fraction, const std::string& what) {
            promise.setProgressValueAndText(static_cast<int>(fraction * kProgressSteps), QString::fromStdString(what));
        };
        outcome.engine = kosmos::Engine::load(QDir(folder).absolutePath().toStdString(), options, progress);
        if (!outcome.engine) outcome.error = QDir::toNativeSeparators(folder) + QStringLiteral(": the engine returned no model");
    } catch (const kosmos::Error& e) {
        outcome.error = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        outcome.error = QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(folder), QString::fromStdString(e.what()));
    } catch (...) {
        outcome.error = QStringLiteral("%1: unknown error while loading").arg(QDir::toNativeSeparators(folder));
    }
    promise.addResult(std::move(outcome));
}

} // namespace

ModelController::ModelController(QObject* parent) : QObject(parent) {
    connect(&mWatcher, &QFutureWatcherBase::finished, this, &ModelController::onFinished);
    connect(&mWatcher, &QFutureWatcherBase::progressValueChanged, this, [this](int value) {
        emit loadProgress(static_cast<double>(value) / kProgressSteps, mWatcher.progressText());
    });
}

ModelController::~ModelController() {
    // A load cannot be interrupted; it finishes in the pool and its engine is dropped with the future.
    mWatcher.disconnect(this);
}

bool ModelController::load(const QString& folder, const QString& device, const QString& dtype) {
    if (mLoading) return false;
    mLoading = true;
    mLoadingFolder = folder;
    mEngine.reset();
    mFolder.clear();
    kosmos::LoadOptions options;
    options.device = device.toStdString();
    options.dtype = dtype.toStdString();
    emit loadStarted(folder);
    mWatcher.setFuture(QtConcurrent::run(&loadEngine, folder, options));
    return true;
}

void ModelController::onFinished() {
    if (!mLoading) return;
    mLoading = false;
    QFuture<ModelLoadOutcome> future = mWatcher.future();
    if (future.resultCount() == 0) {
        emit loadFailed(mLoadingFolder, tr("%1: loading stopped without a result").arg(mLoadingFolder));
        return;
    }
    // Taking the result out leaves no copy of the engine in the future's result store.
    ModelLoadOutcome outcome = future.takeResult();
    if (!outcome.engine) {
        emit loadFailed(outcome.folder, outcome.error);
        return;
    }
    mEngine = std::move(outcome.engine);
    mFolder = outcome.folder;
    emit loaded(mFolder);
}

} // namespace kosmos::ui
