// The training panel of the workbench on the tiny fixture model and a few drawn images: a short run
// reports progress, fills the loss and accuracy charts and the before/after scores, and its checkpoint
// loads into the grounding view; a long run pauses (no step while paused), resumes and cancels within
// a bounded time while the GUI thread keeps turning; closing the window asks, then stops the run with
// its last step saved; an incomplete form and unusable data are reported.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSpontaneKeyEvent>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWheelEvent>

#include <fstream>

#include "../unit/test_training_support.h"
#include "gui_test_support.h"
#include "ui/inference/modelcontroller.h"
#include "ui/training/metricchart.h"
#include "ui/training/trainingcontroller.h"
#include "ui/training/trainingpanel.h"
#include "ui/training/trainingsettingswidget.h"

using namespace kosmos::ui;
using namespace kosmos::ui::test;

namespace {

constexpr int kRunTimeoutMs = 300000;

// Collects what the controller reports, by value (no metatype registration needed).
struct Recorder {
    QList<qint64> steps;
    QList<QPair<QString, qint64>> evaluations;
    QList<bool> pauses;
    bool finished = false;
    TrainingOutcome outcome;

    explicit Recorder(TrainingController* c) {
        QObject::connect(c, &TrainingController::progress, c, [this](const kosmos::training::TrainerProgress& p) {
            steps << p.step;
        });
        QObject::connect(c, &TrainingController::evaluated, c,
                         [this](const QString& phase, qint64 step, const kosmos::training::EvalReport&) {
                             evaluations << qMakePair(phase, step);
                         });
        QObject::connect(c, &TrainingController::pausedChanged, c, [this](bool paused, qint64) { pauses << paused; });
        QObject::connect(c, &TrainingController::finished, c, [this](const TrainingOutcome& o) {
            finished = true;
            outcome = o;
        });
    }
};

} // namespace

class TestTrainingPanel : public QObject {
    Q_OBJECT

    QTemporaryDir mSettingsDir;
    QTemporaryDir mDir;
    QString mData;

    // The form for a run on the drawn images, one thread (the machine is small and shared).
    void fillForm(TrainingPanel* panel, const QString& out, int steps) {
        TrainingSettingsWidget* s = panel->settings();
        s->setDataFile(mData);
        s->setBaseModel(fixtureDir());
        s->setOutputFolder(out);
        s->setMode(QStringLiteral("full"));
        s->setSteps(steps);
        s->setBatchSize(2);
        s->setSaveEvery(0);
        s->setThreads(1);
        s->setEvalFile(QString());
    }

private slots:
    void initTestCase() {
        QVERIFY(mSettingsDir.isValid());
        QVERIFY(mDir.isValid());
        isolateSettings(mSettingsDir);
        mData = QString::fromStdString(kosmos::testing::writeShapesDataset(mDir.path().toStdString() + "/data", 6, 48));
    }

    void menuOpensThePanel() {
        TestWindow window;
        window.show();
        QAction* show = window.findChild<QAction*>(QStringLiteral("showTraining"));
        QVERIFY(show);
        QVERIFY(!window.trainingPanel()->isVisible());
        show->trigger();
        QTRY_VERIFY(window.trainingPanel()->isVisible());
        QVERIFY(window.trainingPanel()->startAction()->isEnabled());
        QVERIFY(!window.trainingPanel()->pauseAction()->isEnabled());
        QVERIFY(!window.trainingPanel()->useCheckpointAction()->isEnabled());
    }

    void shortRunReportsProgressAndLoadsItsCheckpoint() {
        TestWindow window;
        window.show();
        window.showTrainingPanel();
        TrainingPanel* panel = window.trainingPanel();
        const QString out = mDir.path() + QStringLiteral("/short");
        fillForm(panel, out, 6);
        panel->settings()->setSaveEvery(3);
        panel->settings()->setEvalFile(mData);
        panel->settings()->setEvalLimit(2);
        Recorder record(panel->controller());
        QVERIFY(panel->start());
        QVERIFY(panel->isRunning());
        QVERIFY(!panel->startAction()->isEnabled());
        QVERIFY(panel->cancelAction()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(record.finished, kRunTimeoutMs);
        QVERIFY2(record.outcome.ok, qPrintable(record.outcome.error));
        QVERIFY(!record.outcome.result.cancelled);
        QCOMPARE(record.outcome.result.steps, qint64(6));

        QVERIFY(record.steps.size() >= 6);
        for (qint64 step = 1; step <= 6; ++step) QVERIFY(record.steps.contains(step));
        QCOMPARE(panel->lossChart()->pointCount(0), 6);
        QCOMPARE(panel->lossChart()->series(0)->at(5).x(), 6.0);
        QCOMPARE(panel->progressBar()->maximum(), 6);
        QCOMPARE(panel->progressBar()->value(), 6);
        QVERIFY(panel->statusLabel()->text().contains(QStringLiteral("step 6/6")));
        QVERIFY(panel->statusLabel()->text().contains(QStringLiteral("samples/s")));

        // Before (step 0), the checkpoint of step 3, after (step 6): one point per task each time.
        const QList<QPair<QString, qint64>> expected = {{QStringLiteral("before"), 0}, {QStringLiteral("step"), 3},
                                                        {QStringLiteral("after"), 6}};
        QCOMPARE(record.evaluations, expected);
        QCOMPARE(panel->scoreChart()->pointCount(TrainingPanel::kRecSeries), 3);
        QCOMPARE(panel->scoreChart()->pointCount(TrainingPanel::kCaptionSeries), 3);
        QVERIFY(record.outcome.before.has_value());
        QVERIFY(record.outcome.result.evaluation.has_value());
        QCOMPARE(panel->beforeLabel()->text(), shortEvalSummary(*record.outcome.before));
        QCOMPARE(panel->afterLabel()->text(), shortEvalSummary(*record.outcome.result.evaluation));
        QCOMPARE(panel->afterLabel()->toolTip(), evalSummary(*record.outcome.result.evaluation));
        QVERIFY(panel->afterLabel()->text().startsWith(QStringLiteral("REC ")));
        QVERIFY(panel->afterLabel()->toolTip().contains(QStringLiteral("referring expressions")));
        QVERIFY(panel->log()->toPlainText().contains(QStringLiteral("checkpoint at step 6 written")));

        QVERIFY(window.errors.isEmpty());
        QCOMPARE(panel->checkpointFolder(), out);
        QVERIFY(panel->useCheckpointAction()->isEnabled());
        const QString screenshot = QStringLiteral(KOSMOS_BINARY_DIR "/test_training_panel.png");
        window.grab().save(screenshot);

        QSignalSpy ready(&window, &MainWindow::modelReady);
        panel->useCheckpointAction()->trigger();
        QVERIFY(ready.wait(kRunTimeoutMs));
        QCOMPARE(ready.first().first().toBool(), true);
        QCOMPARE(QDir(window.modelController()->folder()).canonicalPath(), QDir(out).canonicalPath());
        // Loaded: nothing more to use until another model is loaded or another run writes a checkpoint.
        QVERIFY(!panel->useCheckpointAction()->isEnabled());
    }

    void pausesResumesAndCancelsWhileTheGuiKeepsTurning() {
        TestWindow window;
        window.show();
        window.showTrainingPanel();
        TrainingPanel* panel = window.trainingPanel();
        const QString out = mDir.path() + QStringLiteral("/long");
        fillForm(panel, out, 100000);
        Recorder record(panel->controller());

        // The GUI thread's longest stall while training runs.
        QElapsedTimer sinceTick;
        qint64 longestStallMs = 0;
        QTimer ticker;
        ticker.setInterval(10);
        QObject::connect(&ticker, &QTimer::timeout, [&] {
            if (sinceTick.isValid()) longestStallMs = std::max(longestStallMs, sinceTick.elapsed());
            sinceTick.restart();
        });

        QVERIFY(panel->start());
        QTRY_VERIFY_WITH_TIMEOUT(record.steps.size() >= 2, kRunTimeoutMs);
        ticker.start();
        QTRY_VERIFY_WITH_TIMEOUT(record.steps.size() >= 5, kRunTimeoutMs);
        QVERIFY(panel->lossChart()->pointCount(0) >= 5);

        panel->pause();
        QVERIFY(!panel->pauseAction()->isEnabled());
        QVERIFY(panel->resumeAction()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(record.pauses.size() == 1, 60000);
        QCOMPARE(record.pauses.first(), true);
        const qsizetype stepsAtPause = record.steps.size();
        QTest::qWait(1500);
        QCOMPARE(record.steps.size(), stepsAtPause);   // nothing trains while paused
        QVERIFY(panel->isRunning());

        panel->resume();
        QVERIFY(panel->pauseAction()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(record.pauses.size() == 2, 60000);
        QCOMPARE(record.pauses.last(), false);
        QTRY_VERIFY_WITH_TIMEOUT(record.steps.size() >= stepsAtPause + 2, kRunTimeoutMs);
        ticker.stop();
        qInfo("longest GUI stall while training: %lld ms", static_cast<long long>(longestStallMs));
        QVERIFY(longestStallMs < 1000);

        QElapsedTimer cancelTime;
        cancelTime.start();
        panel->cancel();
        QTRY_VERIFY_WITH_TIMEOUT(record.finished, 60000);
        qInfo("cancel took %lld ms", static_cast<long long>(cancelTime.elapsed()));
        QVERIFY(cancelTime.elapsed() < 30000);
        QVERIFY2(record.outcome.ok, qPrintable(record.outcome.error));
        QVERIFY(record.outcome.result.cancelled);
        QVERIFY(record.outcome.result.checkpointWritten);
        QCOMPARE(record.outcome.result.steps, record.steps.last());
        QVERIFY(QFileInfo(out + QStringLiteral("/trainer_state.json")).isFile());
        QVERIFY(panel->log()->toPlainText().contains(QStringLiteral("Cancelled at step")));
        QVERIFY(panel->useCheckpointAction()->isEnabled());
        QVERIFY(panel->startAction()->isEnabled());
        QVERIFY(!panel->isRunning());
    }

    void closingWhileTrainingAsksThenStops() {
        TestWindow window;
        window.show();
        TrainingPanel* panel = window.trainingPanel();
        const QString out = mDir.path() + QStringLiteral("/closing");
        fillForm(panel, out, 100000);
        Recorder record(panel->controller());
        QVERIFY(panel->start());
        QTRY_VERIFY_WITH_TIMEOUT(record.steps.size() >= 1, kRunTimeoutMs);

        int asked = 0;
        panel->setConfirmHandler([&](const QString&, const QString&) {
            ++asked;
            return false;
        });
        QVERIFY(!window.close());
        QCOMPARE(asked, 1);
        QVERIFY(panel->isRunning());

        panel->setConfirmHandler([&](const QString&, const QString&) {
            ++asked;
            return true;
        });
        QElapsedTimer closing;
        closing.start();
        QVERIFY(window.close());
        QCOMPARE(asked, 2);
        QVERIFY(closing.elapsed() < 30000);
        QVERIFY(!panel->isRunning());
        QVERIFY(record.finished);   // reported before close() returned
        QVERIFY(record.outcome.result.cancelled);
        QVERIFY(record.outcome.result.checkpointWritten);
        QVERIFY(QFileInfo(out + QStringLiteral("/model.safetensors")).isFile());
    }

    // Choosing to continue a checkpoint shows its own step count in the form.
    void continuingACheckpointShowsItsStepCount() {
        const QString out = mDir.path() + QStringLiteral("/to-continue");
        QVERIFY(QDir().mkpath(out));
        QFile state(out + QStringLiteral("/trainer_state.json"));
        QVERIFY(state.open(QIODevice::WriteOnly));
        state.write(R"({"format": "kosmos2-workbench-trainer-state", "step": 12, "total_steps": 40})");
        state.close();
        TestWindow window;
        window.showTrainingPanel();
        TrainingSettingsWidget* settings = window.trainingPanel()->settings();
        settings->setSteps(500);
        settings->setOutputFolder(out);
        QCOMPARE(settings->findChild<QSpinBox*>(QStringLiteral("trainingSteps"))->value(), 500);   // "keep" chosen
        auto* existing = settings->findChild<QComboBox*>(QStringLiteral("trainingExisting"));
        existing->setCurrentIndex(existing->findData(QStringLiteral("resume")));
        QCOMPARE(settings->findChild<QSpinBox*>(QStringLiteral("trainingSteps"))->value(), 40);
    }

    void incompleteFormAndUnusableDataAreReported() {
        TestWindow window;
        TrainingPanel* panel = window.trainingPanel();
        QVERIFY(!panel->start());   // no data chosen
        QCOMPARE(window.errors.size(), 1);
        QVERIFY(window.errors.last().message.contains(QStringLiteral("training data")));
        QVERIFY(!panel->isRunning());

        const QString bad = mDir.path() + QStringLiteral("/bad.jsonl");
        {
            std::ofstream file(bad.toStdString());
            file << "{\"key\":\"x\",\"caption\":\"An image of a dog.\",\"noun_chunks\":[[12,17,0.9,0.1,0.2,0.5,1.0]],"
                    "\"image\":\"data/images/000.png\"}\n";
        }
        fillForm(panel, mDir.path() + QStringLiteral("/bad-out"), 3);
        panel->settings()->setDataFile(bad);
        Recorder record(panel->controller());
        QVERIFY(panel->start());
        QTRY_VERIFY_WITH_TIMEOUT(record.finished, kRunTimeoutMs);
        QVERIFY(!record.outcome.ok);
        QCOMPARE(window.errors.size(), 2);
        QVERIFY2(window.errors.last().message.contains(QStringLiteral("no usable training record")),
                 qPrintable(window.errors.last().message));
        QVERIFY(panel->log()->toPlainText().contains(QStringLiteral("line 1")));
        QVERIFY(!panel->useCheckpointAction()->isEnabled());
        QVERIFY(!QFileInfo::exists(mDir.path() + QStringLiteral("/bad-out")));
    }

    // The panel shares the bottom of a 1280x800 window with the folder strip; a long error or score line is
    // cut short (whole in its tooltip and the log) instead of widening the window past the screen.
    void fitsA1280WideWindowWithLongMessages() {
        TestWindow window;
        window.resize(1280, 800);
        window.show();
        window.showTrainingPanel();
        window.findChild<QDockWidget*>(QStringLiteral("folderDock"))->show();
        TrainingPanel* panel = window.trainingPanel();
        const QString longText = QStringLiteral("no usable training record in /a/rather/long/folder/name/of/a/dataset/"
                                                "annotations.jsonl: line 1: the image data/images/000.png is missing; "
                                                "line 2: the caption is empty");
        auto* status = panel->findChild<QLabel*>(QStringLiteral("trainingStatus"));
        for (QLabel* label : {status, panel->beforeLabel(), panel->afterLabel()}) label->setText(longText);
        QVERIFY2(window.minimumSizeHint().width() <= 1280, qPrintable(QString::number(window.minimumSizeHint().width())));
        QCOMPARE(status->text(), longText);
        QTRY_VERIFY(window.width() <= 1280);
        QVERIFY(status->width() < QFontMetrics(status->font()).horizontalAdvance(longText));
        window.grab().save(QStringLiteral(KOSMOS_BINARY_DIR "/test_training_panel_small.png"));
    }

    // The wheel scrolls the form; a field under the pointer takes it only once it has the focus (clicked or
    // tabbed into), so scrolling through the settings changes none of them.
    void wheelScrollsTheFormNotItsFields() {
        TestWindow window;
        showOnScreen(window);
        window.showTrainingPanel();
        TrainingPanel* panel = window.trainingPanel();
        QTRY_VERIFY(panel->isVisible());
        auto* rank = panel->findChild<QSpinBox*>(QStringLiteral("trainingLoraRank"));
        auto* scroll = qobject_cast<QScrollArea*>(panel->settings()->parentWidget()->parentWidget());
        QVERIFY(rank && scroll);
        scroll->resize(scroll->width(), 120);   // room for a few rows only: the form scrolls
        QTRY_VERIFY(scroll->verticalScrollBar()->maximum() > 0);
        const auto wheelDown = [](QWidget* target) {
            const QPointF at(target->width() / 2.0, target->height() / 2.0);
            QWheelEvent wheel(at, target->mapToGlobal(at), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
                              Qt::NoScrollPhase, false);
            // As from the window system (sendEvent would clear the flag): unaccepted, it goes on to the parent.
            QSpontaneKeyEvent::setSpontaneous(&wheel);
            QApplication::instance()->notify(target, &wheel);
        };
        const int value = rank->value();
        scroll->verticalScrollBar()->setValue(0);
        wheelDown(rank);
        QCOMPARE(rank->value(), value);
        QVERIFY(scroll->verticalScrollBar()->value() > 0);
        rank->setFocus();
        QTRY_VERIFY(rank->hasFocus());
        wheelDown(rank);
        QCOMPARE(rank->value(), value - 1);
        QCOMPARE(rank->focusPolicy(), Qt::StrongFocus);
    }
};

QTEST_MAIN(TestTrainingPanel)
#include "test_training_panel.moc"
