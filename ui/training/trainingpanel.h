#pragma once
// The fine-tuning panel: the form, Start / Pause / Resume / Cancel, a progress bar with step, loss,
// learning rate, samples/s and ETA, live loss and accuracy charts, the log, the base model's scores
// before training and the checkpoint's after, and "Use this checkpoint" (the window then loads it).
#include <QString>
#include <QWidget>

#include <functional>

#include "ui/training/trainingcontroller.h"

class QAction;
class QLabel;
class QPlainTextEdit;
class QProgressBar;

namespace kosmos::ui {

class MetricChart;
class TrainingSettingsWidget;

class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPanel(QWidget* parent = nullptr);
    ~TrainingPanel() override;

    // Starts a run with the form's settings; false (with `failed` emitted) when the form is incomplete.
    bool start();
    void pause();
    void resume();
    void cancel();
    bool isRunning() const { return mController->isRunning(); }

    // Before the window closes: true when nothing runs, or the user agreed to stop (the run is then
    // cancelled and waited for, its last finished step saved). The question goes through the handler.
    using ConfirmHandler = std::function<bool(const QString& title, const QString& question)>;
    void setConfirmHandler(ConfirmHandler handler) { mConfirm = std::move(handler); }
    bool stopForClose();

    // The checkpoint "Use this checkpoint" loads (empty until a run wrote one).
    QString checkpointFolder() const { return mCheckpoint; }
    // The model the workbench has loaded: "Use this checkpoint" is off while that is the checkpoint.
    void setLoadedModel(const QString& folder);

    TrainingSettingsWidget* settings() const { return mSettings; }
    TrainingController* controller() const { return mController; }
    MetricChart* lossChart() const { return mLossChart; }
    MetricChart* scoreChart() const { return mScoreChart; }
    QProgressBar* progressBar() const { return mProgress; }
    QPlainTextEdit* log() const { return mLog; }
    QLabel* statusLabel() const { return mStatus; }
    QLabel* beforeLabel() const { return mBefore; }
    QLabel* afterLabel() const { return mAfter; }
    QAction* startAction() const { return mStart; }
    QAction* pauseAction() const { return mPause; }
    QAction* resumeAction() const { return mResume; }
    QAction* cancelAction() const { return mCancel; }
    QAction* useCheckpointAction() const { return mUseCheckpoint; }

    static constexpr int kRecSeries = 0;
    static constexpr int kCaptionSeries = 1;

signals:
    void useCheckpointRequested(const QString& folder);
    void failed(const QString& title, const QString& message);
    void runningChanged(bool running);

private:
    QWidget* buildRunArea();
    void appendLog(const QString& line);
    void updateActions();
    void onProgress(const kosmos::training::TrainerProgress& progress);
    void onEvaluated(const QString& phase, qint64 step, const kosmos::training::EvalReport& report);
    void onFinished(const TrainingOutcome& outcome);

    TrainingSettingsWidget* mSettings;
    TrainingController* mController;
    QAction* mStart;
    QAction* mPause;
    QAction* mResume;
    QAction* mCancel;
    QAction* mUseCheckpoint;
    QLabel* mPhase = nullptr;
    QProgressBar* mProgress = nullptr;
    QLabel* mStatus = nullptr;
    MetricChart* mLossChart = nullptr;
    MetricChart* mScoreChart = nullptr;
    QLabel* mBefore = nullptr;
    QLabel* mAfter = nullptr;
    QPlainTextEdit* mLog = nullptr;
    ConfirmHandler mConfirm;
    QString mCheckpoint;
    QString mLoadedModel;
    qint64 mLastChartStep = -1;
    bool mPaused = false;
};

// The trainer's one-line summary ("referring expressions 0.625 (5/8), captions P 0.500 R 0.400 F1 0.444"),
// for the log and the before/after labels' tooltips, so that they read as the trainer's own messages.
QString evalSummary(const kosmos::training::EvalReport& report);
// The same, short enough to read beside the charts: "REC 0.867 (13/15) · caption F1 0.733".
QString shortEvalSummary(const kosmos::training::EvalReport& report);

} // namespace kosmos::ui
