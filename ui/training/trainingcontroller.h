#pragma once
// Runs a fine-tuning job (training/trainer.h) on a worker thread: optionally evaluates the base model on
// the eval set first, then trains. The trainer's callbacks come back to the GUI thread as queued
// signals; pause, resume and cancel are flags the trainer polls. Destroying the controller cancels a
// running job and waits for it (the trainer then saves the last finished step).
#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

#include "training/trainer.h"

class QThread;

namespace kosmos::ui {

struct TrainingOutcome {
    bool ok = false;                     // false: `error` says why
    QString error;                       // one line
    kosmos::training::TrainerResult result;
    std::optional<kosmos::training::EvalReport> before;   // the base model on the eval set
};

class TrainingController : public QObject {
    Q_OBJECT
public:
    explicit TrainingController(QObject* parent = nullptr);
    ~TrainingController() override;

    // Starts the job; false (and nothing happens) while one runs. With `evaluateBefore` and an eval set in
    // options.evalDataPath, the base model is scored first.
    bool start(const kosmos::training::TrainerOptions& options, bool evaluateBefore);
    bool isRunning() const { return mThread != nullptr; }
    bool isPauseRequested() const { return mPause.load(); }

    void pause();
    void resume();
    void cancel();
    // Blocks until the running job has ended (then `finished` has been emitted); true when none runs.
    bool waitForFinished(int timeoutMs = -1);

signals:
    void started();
    void phaseChanged(const QString& phase);
    void progress(const kosmos::training::TrainerProgress& progress);
    void message(const QString& text);
    void evaluated(const QString& phase, qint64 step, const kosmos::training::EvalReport& report);
    void checkpointWritten(const QString& folder, qint64 step);
    void pausedChanged(bool paused, qint64 step);
    void finished(const kosmos::ui::TrainingOutcome& outcome);

private:
    void work(kosmos::training::TrainerOptions options, bool evaluateBefore);
    void onWorkerDone(int serial);

    QThread* mThread = nullptr;
    int mSerial = 0;
    std::atomic<bool> mCancel{false};
    std::atomic<bool> mPause{false};
    std::mutex mOutcomeMutex;
    TrainingOutcome mOutcome;
};

} // namespace kosmos::ui
