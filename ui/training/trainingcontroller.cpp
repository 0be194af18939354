#include "ui/training/trainingcontroller.h"

#include <QThread>

#include <exception>

#include "model/engine/engine.h"
#include "model/error.h"
#include "training/evaluation.h"
#include "training/grounded_record.h"

namespace kosmos::ui {

namespace kt = kosmos::training;

TrainingController::TrainingController(QObject* parent) : QObject(parent) {}

TrainingController::~TrainingController() {
    if (!mThread) return;
    mCancel = true;
    mPause = false;
    mThread->wait();
    delete mThread;
    mThread = nullptr;
}

bool TrainingController::start(const kt::TrainerOptions& options, bool evaluateBefore) {
    if (mThread) return false;
    mCancel = false;
    mPause = false;
    {
        std::lock_guard<std::mutex> lock(mOutcomeMutex);
        mOutcome = {};
    }
    const int serial = ++mSerial;
    mThread = QThread::create([this, options, evaluateBefore, serial] {
        work(options, evaluateBefore);
        // Back on the GUI thread once the work is over; a job already collected by waitForFinished is skipped.
        QMetaObject::invokeMethod(this, [this, serial] { onWorkerDone(serial); }, Qt::QueuedConnection);
    });
    mThread->setObjectName(QStringLiteral("training"));
    mThread->start();
    emit started();
    return true;
}

void TrainingController::pause() {
    if (mThread) mPause = true;
}

void TrainingController::resume() { mPause = false; }

void TrainingController::cancel() {
    if (!mThread) return;
    mCancel = true;
    mPause = false;
}

bool TrainingController::waitForFinished(int timeoutMs) {
    if (!mThread) return true;
    if (!mThread->wait(timeoutMs < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(timeoutMs))) return false;
    onWorkerDone(mSerial);
    return true;
}

void TrainingController::onWorkerDone(int serial) {
    if (!mThread || serial != mSerial) return;
    mThread->wait();
    delete mThread;
    mThread = nullptr;
    TrainingOutcome outcome;
    {
        std::lock_guard<std::mutex> lock(mOutcomeMutex);
        outcome = mOutcome;
    }
    emit finished(outcome);
}

// On the worker thread: signals emitted here reach the GUI thread's receivers queued.
void TrainingController::work(kt::TrainerOptions options, bool evaluateBefore) {
    TrainingOutcome outcome;
    const auto say = [this](const std::string& text) { emit message(QString::fromStdString(text)); };
    try {
        if (evaluateBefore && !options.evalDataPath.empty()) {
            emit phaseChanged(tr("Evaluating the base model"));
            kt::ReadReport report;
            report.onMessage = say;
            const std::vector<kt::GroundedRecord> records = kt::readGritJsonl(options.evalDataPath, report);
            if (records.empty()) throw Error(options.evalDataPath + ": no usable record to evaluate on");
            LoadOptions load;
            load.device = options.device;
            const auto engine = Engine::load(options.modelDir, load);
            outcome.before = kt::evaluate(*engine, records, options.evaluation, {}, &mCancel, say);
            if (mCancel.load()) outcome.before.reset();   // cut short: not a score
            else emit evaluated(QStringLiteral("before"), 0, *outcome.before);
        }
        emit phaseChanged(tr("Training"));
        kt::TrainerCallbacks callbacks;
        callbacks.onMessage = say;
        callbacks.onProgress = [this](const kt::TrainerProgress& p) {
            emit progress(p);
            if (p.evaluation) emit evaluated(p.step == p.totalSteps ? QStringLiteral("after") : QStringLiteral("step"),
                                             p.step, *p.evaluation);
        };
        callbacks.onCheckpoint = [this](const std::string& dir, std::int64_t step) {
            emit checkpointWritten(QString::fromStdString(dir), step);
        };
        callbacks.shouldPause = [this] { return mPause.load(); };
        callbacks.onPauseChanged = [this](bool paused, std::int64_t step) { emit pausedChanged(paused, step); };
        outcome.result = kt::Trainer(options).run(callbacks, &mCancel);
        outcome.ok = true;
    } catch (const std::exception& e) {
        // kosmos::Error is one line already; LibTorch's errors carry a backtrace after the first line.
        const QString what = QString::fromUtf8(e.what());
        outcome.error = what.section(QLatin1Char('\n'), 0, 0);
    } catch (...) {
        outcome.error = tr("training failed with an unknown error");
    }
    std::lock_guard<std::mutex> lock(mOutcomeMutex);
    mOutcome = std::move(outcome);
}

} // namespace kosmos::ui
