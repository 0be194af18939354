#include "ui/inference/generationrunner.h"

#include <QElapsedTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

#include "model/error.h"
#include "ui/imagefiles.h"

namespace kosmos::ui {

GenerationRunner::GenerationRunner(QObject* parent) : QObject(parent) {
    qRegisterMetaType<kosmos::ui::GenerationOutcome>();
    mPool.setMaxThreadCount(1);
    mPool.setObjectName(QStringLiteral("generation"));
}

GenerationRunner::~GenerationRunner() {
    mCancel = true;
    mFuture.waitForFinished();
}

bool GenerationRunner::start(std::shared_ptr<kosmos::Engine> engine, QList<GenerationJob> jobs, ResultSink sink) {
    if (mRunning || !engine || jobs.isEmpty()) return false;
    mRunning = true;
    mCancel = false;
    mJobCount = static_cast<int>(jobs.size());
    emit started(mJobCount);
    mFuture = QtConcurrent::run(&mPool, [this, engine = std::move(engine), jobs = std::move(jobs),
                                         sink = std::move(sink)]() mutable {
        runJobs(std::move(engine), std::move(jobs), std::move(sink));
    });
    return true;
}

void GenerationRunner::cancel() { mCancel = true; }

// Worker thread. Everything it reports goes through queued calls; the destructor waits for it, so
// `this` outlives every call it posts.
void GenerationRunner::runJobs(std::shared_ptr<kosmos::Engine> engine, QList<GenerationJob> jobs, ResultSink sink) {
    int failures = 0;
    for (int index = 0; index < jobs.size() && !mCancel; ++index) {
        const GenerationJob& job = jobs[index];
        QMetaObject::invokeMethod(this, [this, index, path = job.imagePath] { emit jobStarted(index, path); },
                                  Qt::QueuedConnection);
        GenerationOutcome outcome;
        outcome.index = index;
        outcome.imagePath = job.imagePath;
        outcome.prompt = job.prompt;
        QElapsedTimer timer;
        timer.start();
        QImage image = job.image;
        if (image.isNull()) {
            ReadImageResult read = readImage(job.imagePath);
            image = std::move(read.image);
            outcome.error = read.error;
        }
        if (outcome.error.isEmpty()) {
            outcome.imageSize = image.size();
            try {
                kosmos::GenerationRequest request;
                request.image = toImageU8(image);
                image = QImage();   // the engine has its own copy now
                request.prompt = job.prompt.toStdString();
                request.params = job.params;
                int tokens = 0;
                const auto onToken = [&](std::int64_t, const std::string& newText) {
                    ++tokens;
                    QMetaObject::invokeMethod(
                        this,
                        [this, index, tokens, text = QString::fromStdString(newText), seconds = timer.elapsed() / 1000.0] {
                            emit tokenGenerated(index, tokens, text, seconds);
                        },
                        Qt::QueuedConnection);
                    return !mCancel.load();
                };
                outcome.result = engine->generate(request, onToken, &mCancel);
                outcome.tokens = static_cast<int>(outcome.result.generatedIds.size());
            } catch (const kosmos::Error& e) {
                outcome.error = QString::fromStdString(e.what());
            } catch (const std::exception& e) {
                outcome.error = tr("%1: %2").arg(job.imagePath.isEmpty() ? tr("image") : job.imagePath,
                                                 QString::fromStdString(e.what()));
            } catch (...) {
                outcome.error = tr("generation failed with an unknown error");
            }
        }
        outcome.seconds = timer.elapsed() / 1000.0;
        if (outcome.ok() && sink && !outcome.result.cancelled) outcome.sinkError = sink(outcome);
        if (!outcome.ok() || !outcome.sinkError.isEmpty()) ++failures;
        QMetaObject::invokeMethod(this, [this, outcome = std::move(outcome)] { emit jobFinished(outcome); },
                                  Qt::QueuedConnection);
    }
    const bool cancelled = mCancel.load();
    QMetaObject::invokeMethod(
        this,
        [this, cancelled, failures] {
            mRunning = false;
            emit finished(cancelled, failures);
        },
        Qt::QueuedConnection);
}

} // namespace kosmos::ui
