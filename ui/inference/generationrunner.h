#pragma once
// Runs prompts on a worker thread, one image after another: the text streams back token by token
// through queued calls, Cancel stops at the next token, and each image's outcome (result or error
// message) comes back as a value. The GUI thread never waits for the model.
#include <QFuture>
#include <QImage>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QSize>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <memory>

#include "model/engine/engine.h"

namespace kosmos::ui {

struct GenerationJob {
    QString imagePath;                 // read on the worker when `image` is null
    QImage image;                      // an image already in memory (the canvas's, a pasted one)
    QString prompt;
    kosmos::GenerationParams params;
};

struct GenerationOutcome {
    int index = 0;                     // position in the job list
    QString imagePath;
    QString prompt;
    QSize imageSize;
    kosmos::GenerationResult result;
    QString error;                     // empty on success
    QString sinkError;                 // what the result sink reported (e.g. a JSON file not written)
    double seconds = 0;
    int tokens = 0;
    bool ok() const { return error.isEmpty(); }
};

class GenerationRunner : public QObject {
    Q_OBJECT
public:
    // Runs on the worker after each successful job (a batch stores results with it); returns an error
    // message or an empty string.
    using ResultSink = std::function<QString(const GenerationOutcome&)>;

    explicit GenerationRunner(QObject* parent = nullptr);
    ~GenerationRunner() override;   // cancels and waits for the current token

    // Returns false while a run is going or when there is no engine / no job.
    bool start(std::shared_ptr<kosmos::Engine> engine, QList<GenerationJob> jobs, ResultSink sink = {});
    void cancel();
    bool isRunning() const { return mRunning; }
    int jobCount() const { return mJobCount; }

signals:
    void started(int jobCount);
    void jobStarted(int index, const QString& imagePath);
    void tokenGenerated(int index, int tokens, const QString& newText, double seconds);
    void jobFinished(const kosmos::ui::GenerationOutcome& outcome);
    void finished(bool cancelled, int failures);

private:
    void runJobs(std::shared_ptr<kosmos::Engine> engine, QList<GenerationJob> jobs, ResultSink sink);

    QThreadPool mPool;
    QFuture<void> mFuture;
    std::atomic<bool> mCancel{false};
    bool mRunning = false;
    int mJobCount = 0;
};

} // namespace kosmos::ui

Q_DECLARE_METATYPE(kosmos::ui::GenerationOutcome)
