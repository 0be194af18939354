#include "ui/training/trainingpanel.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScrollArea>
#include <QSplitter>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

#include "model/engine/runtime_info.h"
#include "training/evaluation.h"
#include "ui/panels/elidedlabel.h"
#include "ui/training/metricchart.h"
#include "ui/training/trainingsettingswidget.h"
#include "ui/wheelguard.h"

namespace kosmos::ui {

namespace kt = kosmos::training;

namespace {

bool isModelFolder(const QString& folder) {
    return !folder.isEmpty() && QFileInfo(folder + QStringLiteral("/config.json")).isFile() &&
           QFileInfo(folder + QStringLiteral("/model.safetensors")).isFile();
}

QToolButton* buttonFor(QAction* action) {
    auto* button = new QToolButton;
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    return button;
}

} // namespace

QString evalSummary(const kt::EvalReport& r) { return QString::fromStdString(kt::evalReportSummary(r)); }

QString shortEvalSummary(const kt::EvalReport& r) {
    QStringList parts;
    if (r.hasRec)
        parts << TrainingPanel::tr("REC %1 (%2/%3)").arg(r.recAccuracy, 0, 'f', 3).arg(r.recCorrect).arg(r.recN);
    if (r.hasCaption) parts << TrainingPanel::tr("caption F1 %1").arg(r.f1, 0, 'f', 3);
    if (r.skipped > 0) parts << TrainingPanel::tr("%1 skipped").arg(r.skipped);
    return parts.isEmpty() ? TrainingPanel::tr("no score") : parts.join(QStringLiteral(" · "));
}

namespace {

// The short summary on the panel, every figure in its tooltip.
void showScore(QLabel* label, const kt::EvalReport& report, const QString& suffix = {}) {
    label->setText(shortEvalSummary(report) + suffix);
    label->setToolTip(evalSummary(report) + suffix);
}

} // namespace

TrainingPanel::TrainingPanel(QWidget* parent)
    : QWidget(parent),
      mSettings(new TrainingSettingsWidget),
      mController(new TrainingController(this)),
      mStart(new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Start Training"), this)),
      mPause(new QAction(style()->standardIcon(QStyle::SP_MediaPause), tr("&Pause Training"), this)),
      mResume(new QAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("&Resume Training"), this)),
      mCancel(new QAction(style()->standardIcon(QStyle::SP_MediaStop), tr("&Cancel Training"), this)),
      mUseCheckpoint(new QAction(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("&Use This Checkpoint"), this)) {
    setObjectName(QStringLiteral("trainingPanel"));
    mStart->setObjectName(QStringLiteral("startTraining"));
    mPause->setObjectName(QStringLiteral("pauseTraining"));
    mResume->setObjectName(QStringLiteral("resumeTraining"));
    mCancel->setObjectName(QStringLiteral("cancelTraining"));
    mUseCheckpoint->setObjectName(QStringLiteral("useCheckpoint"));
    mUseCheckpoint->setToolTip(tr("Load the trained checkpoint into the grounding view"));
    // The panel's buttons show the short texts; the menu the long ones.
    mStart->setIconText(tr("Start"));
    mPause->setIconText(tr("Pause"));
    mResume->setIconText(tr("Resume"));
    mCancel->setIconText(tr("Cancel"));
    mUseCheckpoint->setIconText(tr("Use This Checkpoint"));

    QStringList devices;
    for (const std::string& d : kosmos::runtimeInfo().devices) devices << QString::fromStdString(d);
    mSettings->setDevices(devices);

    auto* scroll = new QScrollArea;
    scroll->setWidget(mSettings);
    scroll->setWidgetResizable(true);
    scrollWheelPastFields(mSettings);
    // Narrower than the form when the window is small: the form scrolls sideways rather than widen the window.
    scroll->setMinimumWidth(std::min(mSettings->sizeHint().width() + 24, 280));

    mLog = new QPlainTextEdit;
    mLog->setObjectName(QStringLiteral("trainingLog"));
    mLog->setReadOnly(true);
    mLog->setMaximumBlockCount(5000);
    mLog->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    mLog->setPlaceholderText(tr("Messages of the run: skipped records, checkpoints, evaluations."));
    mLog->setMinimumWidth(160);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(scroll);
    splitter->addWidget(buildRunArea());
    splitter->addWidget(mLog);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 1);
    splitter->setChildrenCollapsible(false);
    // The whole form where the window is wide enough; it scrolls sideways only in a narrow one.
    splitter->setSizes({mSettings->sizeHint().width() + 24, 520, 200});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(mStart, &QAction::triggered, this, &TrainingPanel::start);
    connect(mPause, &QAction::triggered, this, &TrainingPanel::pause);
    connect(mResume, &QAction::triggered, this, &TrainingPanel::resume);
    connect(mCancel, &QAction::triggered, this, &TrainingPanel::cancel);
    connect(mUseCheckpoint, &QAction::triggered, this, [this] {
        if (isModelFolder(mCheckpoint)) emit useCheckpointRequested(mCheckpoint);
    });
    connect(mController, &TrainingController::phaseChanged, this, [this](const QString& phase) {
        mPhase->setText(phase);
        appendLog(phase);
    });
    connect(mController, &TrainingController::message, this, &TrainingPanel::appendLog);
    connect(mController, &TrainingController::progress, this, &TrainingPanel::onProgress);
    connect(mController, &TrainingController::evaluated, this, &TrainingPanel::onEvaluated);
    connect(mController, &TrainingController::checkpointWritten, this, [this](const QString& folder, qint64) {
        mCheckpoint = folder;
        updateActions();
    });
    connect(mController, &TrainingController::pausedChanged, this, [this](bool paused, qint64 step) {
        mPaused = paused;
        mPhase->setText(paused ? tr("Paused at step %1").arg(step) : tr("Training"));
        updateActions();
    });
    connect(mController, &TrainingController::finished, this, &TrainingPanel::onFinished);
    updateActions();
}

TrainingPanel::~TrainingPanel() {
    // The job may still be emitting: stop listening, then let the controller cancel and wait.
    disconnect(mController, nullptr, this, nullptr);
    mController->cancel();
    mController->waitForFinished();
}

QWidget* TrainingPanel::buildRunArea() {
    auto* area = new QWidget;
    auto* layout = new QVBoxLayout(area);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* buttons = new QHBoxLayout;
    for (QAction* a : {mStart, mPause, mResume, mCancel}) buttons->addWidget(buttonFor(a));
    buttons->addStretch(1);
    layout->addLayout(buttons);

    mPhase = new QLabel(tr("Not running"));
    mPhase->setObjectName(QStringLiteral("trainingPhase"));
    mProgress = new QProgressBar;
    mProgress->setObjectName(QStringLiteral("trainingProgress"));
    mProgress->setRange(0, 1);
    mProgress->setValue(0);
    mProgress->setFormat(QString());
    // Long errors are cut here (the log and the error dialog have them whole) rather than widen the window.
    mStatus = new ElidedLabel;
    mStatus->setObjectName(QStringLiteral("trainingStatus"));
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(mPhase);
    progressRow->addWidget(mProgress, 1);
    layout->addLayout(progressRow);
    layout->addWidget(mStatus);

    mLossChart = new MetricChart(tr("Training loss by step"));
    mLossChart->setObjectName(QStringLiteral("lossChart"));
    mLossChart->addSeries(tr("loss"));
    mScoreChart = new MetricChart(tr("Eval set accuracy by step"));
    mScoreChart->setObjectName(QStringLiteral("scoreChart"));
    mScoreChart->addSeries(tr("ref. expr."), true);
    mScoreChart->addSeries(tr("caption F1"), true);
    mScoreChart->setFixedYRange(0, 1);
    auto* charts = new QHBoxLayout;
    charts->addWidget(mLossChart, 1);
    charts->addWidget(mScoreChart, 1);
    layout->addLayout(charts, 1);

    auto* scores = new QGridLayout;
    mBefore = new ElidedLabel(tr("—"));
    mBefore->setObjectName(QStringLiteral("scoreBefore"));
    mAfter = new ElidedLabel(tr("—"));
    mAfter->setObjectName(QStringLiteral("scoreAfter"));
    scores->addWidget(new QLabel(tr("Base model:")), 0, 0);
    scores->addWidget(mBefore, 0, 1);
    scores->addWidget(new QLabel(tr("After training:")), 1, 0);
    scores->addWidget(mAfter, 1, 1);
    scores->addWidget(buttonFor(mUseCheckpoint), 0, 2, 2, 1, Qt::AlignRight | Qt::AlignBottom);
    scores->setColumnStretch(1, 1);
    layout->addLayout(scores);
    return area;
}

bool TrainingPanel::start() {
    if (mController->isRunning()) return false;
    QString error;
    const std::optional<TrainingRequest> request = mSettings->request(&error);
    if (!request) {
        mStatus->setText(error);
        emit failed(tr("Cannot start training"), error);
        return false;
    }
    mLossChart->clear();
    mScoreChart->clear();
    mLastChartStep = -1;
    mPaused = false;
    mCheckpoint.clear();
    const bool evaluates = !request->options.evalDataPath.empty();
    mBefore->setText(!evaluates ? tr("no eval set") : request->evaluateBefore ? tr("evaluating…") : tr("not asked for"));
    mAfter->setText(evaluates ? tr("—") : tr("no eval set"));
    mBefore->setToolTip(evaluates ? QString() : tr("Choose an eval set (held-out GRIT JSONL) to score the model"));
    mAfter->setToolTip(mBefore->toolTip());
    mProgress->setRange(0, static_cast<int>(std::min<std::int64_t>(request->options.steps, INT_MAX)));
    mProgress->setValue(0);
    mProgress->setFormat(tr("%v / %m steps"));
    mStatus->clear();
    appendLog(tr("Training %1 on %2 → %3")
                  .arg(QString::fromStdString(request->options.modelDir),
                       request->options.store ? QString::fromStdString(request->options.store->dbPath)
                                              : QString::fromStdString(request->options.dataPath),
                       QString::fromStdString(request->options.outDir)));
    mController->start(request->options, request->evaluateBefore);
    updateActions();
    emit runningChanged(true);
    return true;
}

void TrainingPanel::pause() {
    if (!mController->isRunning()) return;
    mController->pause();
    mPhase->setText(tr("Pausing after this step…"));
    updateActions();
}

void TrainingPanel::resume() {
    mController->resume();
    updateActions();
}

void TrainingPanel::cancel() {
    if (!mController->isRunning()) return;
    mController->cancel();
    mPhase->setText(tr("Cancelling…"));
    updateActions();
}

bool TrainingPanel::stopForClose() {
    if (!mController->isRunning()) return true;
    const QString title = tr("Training is running");
    const QString question = tr("Stop the training and close? The last finished step is saved to its output folder.");
    const bool stop = mConfirm ? mConfirm(title, question)
                               : QMessageBox::question(this, title, question, QMessageBox::Yes | QMessageBox::No,
                                                       QMessageBox::No) == QMessageBox::Yes;
    if (!stop) return false;
    mController->cancel();
    QApplication::setOverrideCursor(Qt::WaitCursor);
    mController->waitForFinished();
    QApplication::restoreOverrideCursor();
    return true;
}

void TrainingPanel::appendLog(const QString& line) { mLog->appendPlainText(line); }

void TrainingPanel::updateActions() {
    const bool running = mController->isRunning();
    const bool pauseRequested = mController->isPauseRequested();
    mStart->setEnabled(!running);
    mPause->setEnabled(running && !pauseRequested);
    mResume->setEnabled(running && pauseRequested);
    mCancel->setEnabled(running);
    const bool loaded = !mCheckpoint.isEmpty() &&
                        QFileInfo(mCheckpoint).canonicalFilePath() == QFileInfo(mLoadedModel).canonicalFilePath();
    mUseCheckpoint->setEnabled(!running && !loaded && isModelFolder(mCheckpoint));
    mSettings->setEnabled(!running);
}

void TrainingPanel::setLoadedModel(const QString& folder) {
    mLoadedModel = folder;
    updateActions();
}

void TrainingPanel::onProgress(const kt::TrainerProgress& p) {
    if (p.step > mLastChartStep && (p.learningRate > 0 || !p.evaluation)) {
        mLossChart->append(0, static_cast<double>(p.step), p.loss);
        mLastChartStep = p.step;
        mStatus->setText(QString::fromStdString(kt::formatProgress(p)));
    }
    mProgress->setRange(0, static_cast<int>(std::min<std::int64_t>(p.totalSteps, INT_MAX)));
    mProgress->setValue(static_cast<int>(std::min<std::int64_t>(p.step, INT_MAX)));
}

void TrainingPanel::onEvaluated(const QString& phase, qint64 step, const kt::EvalReport& report) {
    if (report.hasRec) mScoreChart->append(kRecSeries, static_cast<double>(step), report.recAccuracy);
    if (report.hasCaption) mScoreChart->append(kCaptionSeries, static_cast<double>(step), report.f1);
    const QString summary = evalSummary(report);
    if (phase == QLatin1String("before")) showScore(mBefore, report);
    else showScore(mAfter, report, phase == QLatin1String("after") ? QString() : tr(" (step %1)").arg(step));
    // The trainer's own messages report the evaluations during and after the run.
    if (phase == QLatin1String("before")) appendLog(tr("Evaluation of the base model: %1").arg(summary));
}

void TrainingPanel::onFinished(const TrainingOutcome& outcome) {
    mPaused = false;
    if (!outcome.ok) {
        mPhase->setText(tr("Failed"));
        mStatus->setText(outcome.error);
        appendLog(tr("Error: %1").arg(outcome.error));
        if (mBefore->text() == tr("evaluating…")) mBefore->setText(tr("—"));
        updateActions();
        emit runningChanged(false);
        emit failed(tr("Training failed"), outcome.error);
        return;
    }
    const kt::TrainerResult& r = outcome.result;
    if (r.checkpointWritten) mCheckpoint = QString::fromStdString(r.outDir);
    if (!outcome.before && mBefore->text() == tr("evaluating…")) mBefore->setText(tr("—"));
    if (r.evaluation) showScore(mAfter, *r.evaluation);
    const QString saved = r.checkpointWritten ? tr("checkpoint of step %1 in %2").arg(r.steps).arg(QDir::toNativeSeparators(QString::fromStdString(r.outDir)))
                                              : tr("nothing saved");
    mPhase->setText(r.cancelled ? tr("Cancelled") : tr("Finished"));
    appendLog(r.cancelled ? tr("Cancelled at step %1: %2.").arg(r.steps).arg(saved)
                          : tr("Finished %1 steps (loss %2 → %3, %4 samples/s): %5.")
                                .arg(r.steps)
                                .arg(r.initialLoss, 0, 'f', 4)
                                .arg(r.finalLoss, 0, 'f', 4)
                                .arg(r.samplesPerSecond, 0, 'f', 1)
                                .arg(saved));
    updateActions();
    emit runningChanged(false);
}

} // namespace kosmos::ui
