// The workbench driving the engine with the tiny random fixture checkpoint: loading in the background,
// errors for broken model folders, a constrained phrase-grounding run streamed to the window and
// shown as boxes, cancelling, and a run over a folder that stores one JSON result per image.
#include <QAction>
#include <QApplication>
#include <QFile>
#include <QGraphicsPixmapItem>
#include <QJsonArray>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "gui_test_support.h"
#include "model/engine/engine.h"
#include "ui/canvas/entityboxitem.h"
#include "ui/canvas/imagecanvas.h"
#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"
#include "ui/document/resultjson.h"
#include "ui/imagefiles.h"
#include "ui/inference/modelcontroller.h"
#include "ui/panels/captionview.h"
#include "ui/panels/generationsettingswidget.h"
#include "ui/panels/modelpanel.h"
#include "ui/panels/promptpanel.h"
#include "ui/panels/resultspanel.h"
#include "ui/workbenchactions.h"

using namespace kosmos::ui;
using namespace kosmos::ui::test;

namespace {
constexpr int kLoadTimeoutMs = 120000;
constexpr int kRunTimeoutMs = 300000;
const QString kPhrase = QStringLiteral("a red square");
} // namespace

class TestWorkbenchEngine : public QObject {
    Q_OBJECT

private:
    QTemporaryDir mSettingsDir;

    static bool loadFixture(MainWindow& window) {
        QSignalSpy ready(&window, &MainWindow::modelReady);
        if (!window.loadModel(fixtureDir())) return false;
        if (!ready.wait(kLoadTimeoutMs)) return false;
        return ready.first().first().toBool();
    }

    static QJsonObject referenceCase(const char* name) {
        QString error;
        const std::optional<QJsonObject> root = readJsonFile(fixtureDir() + QStringLiteral("/reference.json"), &error);
        if (!root) return {};
        const QJsonArray cases = root->value(QStringLiteral("generation_cases")).toArray();
        for (const QJsonValue& c : cases)
            if (c.toObject().value(QStringLiteral("name")).toString() == QLatin1String(name)) return c.toObject();
        return {};
    }

    static kosmos::GenerationParams constrainedParams(MainWindow& window) {
        window.promptPanel()->setTask(PromptTask::PhraseGrounding);
        window.promptPanel()->setTaskText(kPhrase);
        window.promptPanel()->settings()->setConstrainedGrounding(true);
        return window.promptPanel()->settings()->params();
    }

private slots:
    void initTestCase() {
        QVERIFY(mSettingsDir.isValid());
        isolateSettings(mSettingsDir);
    }

    void loadsModelInTheBackground() {
        TestWindow window;
        QList<RecordedError>& errors = window.errors;
        QSignalSpy started(window.modelController(), &ModelController::loadStarted);
        QSignalSpy ready(&window, &MainWindow::modelReady);
        QVERIFY(window.loadModel(fixtureDir()));
        // load() returned before the model exists: the work is on another thread.
        QCOMPARE(started.count(), 1);
        QVERIFY(window.modelController()->isLoading());
        QVERIFY(!window.workbenchActions()->openModel->isEnabled());
        QVERIFY(!window.loadModel(fixtureDir()));   // one load at a time
        QVERIFY(ready.wait(kLoadTimeoutMs));
        QCOMPARE(ready.first().first().toBool(), true);
        QTest::qWait(200);
        QCOMPARE(ready.count(), 1);   // one outcome per load
        QVERIFY(errors.isEmpty());
        const std::shared_ptr<kosmos::Engine> engine = window.modelController()->engine();
        QVERIFY(engine);
        const kosmos::ModelSummary& summary = engine->summary();
        QCOMPARE(summary.vocabSize, 2037);
        QVERIFY(window.modelPanel()->statusLabel()->text().contains(QStringLiteral("parameters")));
        // The generation form starts from the checkpoint's settings.
        auto* maxTokens = window.promptPanel()->settings()->findChild<QSpinBox*>(QStringLiteral("maxNewTokens"));
        QVERIFY(maxTokens);
        if (summary.defaults.maxNewTokens > 0) QCOMPARE(maxTokens->value(), summary.defaults.maxNewTokens);
        QCOMPARE(window.promptPanel()->settings()->params().numBeams, std::max(1, summary.defaults.numBeams));
        QVERIFY(window.workbenchActions()->openModel->isEnabled());
    }

    void brokenModelFolderShowsError() {
        QTemporaryDir broken;
        QVERIFY(broken.isValid());
        {
            QFile config(broken.filePath(QStringLiteral("config.json")));
            QVERIFY(config.open(QIODevice::WriteOnly));
            config.write("{ \"model_type\": \"kosmos-2\", \"text_config\": ");   // truncated
        }
        TestWindow window;
        QList<RecordedError>& errors = window.errors;
        QSignalSpy ready(&window, &MainWindow::modelReady);
        QVERIFY(window.loadModel(broken.path()));
        QVERIFY(ready.wait(kLoadTimeoutMs));
        QCOMPARE(ready.first().first().toBool(), false);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors[0].title, QStringLiteral("Cannot load model"));
        QVERIFY2(errors[0].message.contains(broken.path()), qPrintable(errors[0].message));
        QVERIFY(!window.modelController()->engine());
        QVERIFY(window.modelPanel()->statusLabel()->text().startsWith(QStringLiteral("Not loaded")));

        // A folder that does not exist fails at once, with the same dialog.
        QVERIFY(!window.loadModel(broken.filePath(QStringLiteral("nothing-here"))));
        QCOMPARE(errors.size(), 2);
        QVERIFY(errors[1].message.contains(QStringLiteral("nothing-here")));

        // The fixture still loads afterwards.
        QVERIFY(loadFixture(window));
    }

    void phraseGroundingRunStreamsAndDraws() {
        TestWindow window;
        QList<RecordedError>& errors = window.errors;
        QVERIFY(showOnScreen(window));
        QVERIFY(!window.runPrompt());   // no image, no model: nothing starts
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        QVERIFY(!window.runPrompt());   // no model yet
        QVERIFY(loadFixture(window));

        // The fixture's constrained case: transformers' ids and post-processed entity are the truth.
        const QJsonObject reference = referenceCase("grounding_object-greedy_constrained");
        QVERIFY(!reference.isEmpty());
        const QString prompt = reference.value(QStringLiteral("text")).toString();
        const QJsonObject kwargs = reference.value(QStringLiteral("generate_kwargs")).toObject();
        window.promptPanel()->setPrompt(prompt);
        window.promptPanel()->settings()->setConstrainedGrounding(true);
        window.promptPanel()->settings()->setMaxNewTokens(kwargs.value(QStringLiteral("max_new_tokens")).toInt());
        auto* ngram = window.promptPanel()->settings()->findChild<QSpinBox*>(QStringLiteral("noRepeatNgram"));
        QVERIFY(ngram);
        ngram->setValue(kwargs.value(QStringLiteral("no_repeat_ngram_size")).toInt());
        QCOMPARE(window.promptPanel()->prompt(), prompt);

        QSignalSpy tokens(window.runner(), &GenerationRunner::tokenGenerated);
        QSignalSpy jobs(window.runner(), &GenerationRunner::jobFinished);
        QSignalSpy finished(&window, &MainWindow::runFinished);
        // Ctrl+Return from the prompt field starts the run.
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto* edit = window.promptPanel()->findChild<QPlainTextEdit*>(QStringLiteral("promptEdit"));
        QVERIFY(edit);
        edit->setFocus();
        QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(edit->toPlainText(), prompt);
        QVERIFY(window.runner()->isRunning());
        QVERIFY(window.document()->isRunning());
        QVERIFY(!window.workbenchActions()->run->isEnabled());
        QVERIFY(window.workbenchActions()->cancel->isEnabled());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.first().message));
        QCOMPARE(jobs.count(), 1);
        const GenerationOutcome outcome = jobs.first().first().value<GenerationOutcome>();
        QVERIFY2(outcome.ok(), qPrintable(outcome.error));
        const kosmos::GenerationResult result = window.document()->result();

        // Every token streamed in, in order.
        QCOMPARE(tokens.count(), static_cast<int>(result.generatedIds.size()));
        for (int i = 0; i < tokens.count(); ++i) QCOMPARE(tokens.at(i).at(1).toInt(), i + 1);
        QVERIFY(!window.document()->isRunning());

        // Image file -> QImage -> engine gives transformers' ids up to </object> and the same entity.
        // (Past </object> the engine's constraint also bans stray patch indices, the fixture's rule does not.)
        const QJsonArray expectedIds = reference.value(QStringLiteral("new_token_ids")).toArray();
        QCOMPARE(static_cast<qsizetype>(result.generatedIds.size()), expectedIds.size());
        for (qsizetype i = 0; i < 3; ++i)
            QCOMPARE(result.generatedIds[static_cast<std::size_t>(i)], expectedIds[i].toInteger());
        const QJsonArray expectedEntities = reference.value(QStringLiteral("post_process_generation_of_fast_style_EMULATED"))
                                                .toObject().value(QStringLiteral("entities")).toArray();
        QCOMPARE(static_cast<qsizetype>(result.entities.size()), expectedEntities.size());
        QVERIFY(!expectedEntities.isEmpty());
        const QJsonArray expectedBox = expectedEntities[0].toArray()[2].toArray()[0].toArray();
        for (int k = 0; k < 4; ++k)
            QVERIFY(std::abs(result.entities[0].boxes[0].box[static_cast<std::size_t>(k)] - expectedBox[k].toDouble()) < 1e-9);

        // Constrained grounding yields a parseable box for the phrase.
        QVERIFY(!result.entities.empty());
        QCOMPARE(QString::fromStdString(result.entities[0].phrase), kPhrase);
        QVERIFY(!result.entities[0].boxes.empty());

        // Entity list rows and overlay boxes match the result box for box.
        EntityListModel* model = window.document()->entities();
        int boxes = 0;
        for (const kosmos::GroundedEntity& entity : result.entities) boxes += static_cast<int>(entity.boxes.size());
        QCOMPARE(model->rowCount(), boxes);
        QCOMPARE(window.document()->visibleEntities()->rowCount(), boxes);
        const QList<EntityBoxItem*> items = window.canvas()->boxItems();
        QCOMPARE(items.size(), boxes);
        for (EntityBoxItem* item : items) {
            const kosmos::BoxDetail* detail = model->boxDetail(item->sourceRow());
            QVERIFY(detail);
            const QRectF expected(QPointF(detail->box[0] * 640, detail->box[1] * 480),
                                  QPointF(detail->box[2] * 640, detail->box[3] * 480));
            QVERIFY(std::abs(item->rect().left() - expected.left()) < 1e-6);
            QVERIFY(std::abs(item->rect().bottom() - expected.bottom()) < 1e-6);
            QCOMPARE(item->label(), QString::fromStdString(result.entities[static_cast<std::size_t>(item->entity())].phrase));
            QVERIFY(detail->confidence >= 0 && detail->confidence <= 1);
        }
        QCOMPARE(model->index(0, EntityListModel::PhraseColumn).data().toString(), kPhrase);
        QVERIFY(window.resultsPanel()->captionView()->captionHtml().contains(QStringLiteral("entity:0")));

        // The selected box's corner heat maps come from the engine (1024 probabilities each).
        window.workbenchActions()->showHeatmap->setChecked(true);
        window.document()->selectSourceRow(0);
        const kosmos::BoxDetail* first = model->boxDetail(0);
        QCOMPARE(first->ulHeatmap.size(), std::size_t(1024));
        QVERIFY(window.canvas()->heatmapItem()->isVisible());
        // The heat map's brightest upper-left cell is the generated upper-left patch index.
        const QImage heat = window.canvas()->heatmapItem()->pixmap().toImage();
        QVERIFY(qAlpha(heat.pixel(first->ulIndex % 32, first->ulIndex / 32)) >= 180);

        // A second run gives the same result again; the status bar reports speed.
        QVERIFY(window.runPrompt());
        QVERIFY(window.document()->entities()->rowCount() == 0);   // cleared while running
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(window.document()->entities()->rowCount(), boxes);
        QCOMPARE(window.document()->result().generatedIds, result.generatedIds);
        auto* runStatus = window.findChild<QLabel*>(QStringLiteral("runStatus"));
        QVERIFY(runStatus && runStatus->text().contains(QStringLiteral("tok/s")));
        // Another image: the speed of that run is no longer shown.
        QVERIFY(window.openImage(fixtureImage("checker_224x224.png")));
        QVERIFY(runStatus->text().isEmpty());
    }

    void cancelStopsARun() {
        TestWindow window;
        QList<RecordedError>& errors = window.errors;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openImage(fixtureImage("checker_224x224.png")));
        QVERIFY(loadFixture(window));
        // A run that cannot end by itself before 1500 tokens (eos is banned until then).
        GenerationJob job;
        job.image = window.document()->image();
        job.prompt = QStringLiteral("<grounding>An image of");
        job.params = window.promptPanel()->settings()->params();
        job.params.maxNewTokens = 1500;
        job.params.minNewTokens = 1500;
        QSignalSpy jobs(window.runner(), &GenerationRunner::jobFinished);
        QSignalSpy finished(&window, &MainWindow::runFinished);
        bool cancelled = false;
        connect(window.runner(), &GenerationRunner::tokenGenerated, &window, [&](int, int tokens) {
            if (tokens >= 1 && !cancelled) {
                cancelled = true;
                window.workbenchActions()->cancel->trigger();   // Esc
            }
        });
        QVERIFY(window.runner()->start(window.modelController()->engine(), {job}));
        QVERIFY(finished.wait(kRunTimeoutMs));
        QVERIFY(cancelled);
        QCOMPARE(finished.first().first().toBool(), true);
        QCOMPARE(jobs.count(), 1);
        const GenerationOutcome outcome = jobs.first().first().value<GenerationOutcome>();
        QVERIFY2(outcome.ok(), qPrintable(outcome.error));
        QVERIFY(outcome.result.cancelled);
        QCOMPARE(outcome.result.stoppedBy, std::string("cancelled"));
        QVERIFY(outcome.result.generatedIds.size() < 1500);
        QVERIFY(!window.runner()->isRunning());
        QVERIFY(!window.workbenchActions()->cancel->isEnabled());
        QVERIFY(errors.isEmpty());
    }

    void runOnFolderWritesResults() {
        QTemporaryDir folder;
        QVERIFY(copyFile(fixtureImage("gradient_640x480.png"), folder.filePath(QStringLiteral("a.png"))));
        QVERIFY(copyFile(fixtureImage("stripes_300x500.png"), folder.filePath(QStringLiteral("b.png"))));
        {
            // A file that looks like an image but is not: the batch reports it and goes on.
            QFile bad(folder.filePath(QStringLiteral("c.png")));
            QVERIFY(bad.open(QIODevice::WriteOnly));
            bad.write("\x89PNG\r\n\x1a\n garbage");
        }
        TestWindow window;
        QList<RecordedError>& errors = window.errors;
        QVERIFY(window.openImage(folder.filePath(QStringLiteral("a.png"))));
        QVERIFY(loadFixture(window));
        constrainedParams(window);
        window.promptPanel()->settings()->setMaxNewTokens(12);
        QSignalSpy jobs(window.runner(), &GenerationRunner::jobFinished);
        QSignalSpy finished(&window, &MainWindow::runFinished);
        QVERIFY(window.runOnFolder());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QCOMPARE(jobs.count(), 3);
        QCOMPARE(errors.size(), 1);   // the summary dialog names the broken file
        QVERIFY2(errors[0].message.contains(QStringLiteral("c.png")), qPrintable(errors[0].message));
        for (const char* name : {"a.png", "b.png"}) {
            const QString image = folder.filePath(QLatin1String(name));
            QString error;
            const std::optional<QJsonObject> json = readJsonFile(sidecarJsonPath(image), &error);
            QVERIFY2(json.has_value(), qPrintable(error));
            const std::optional<ResultFromJson> stored = resultFromJson(*json, &error);
            QVERIFY2(stored.has_value(), qPrintable(error));
            QCOMPARE(stored->prompt, QStringLiteral("<grounding><phrase> a red square</phrase>"));
            QVERIFY(!stored->result.generatedIds.empty());
            QVERIFY(stored->result.generatedIds.size() <= 12);
        }
        QVERIFY(!QFileInfo::exists(sidecarJsonPath(folder.filePath(QStringLiteral("c.png")))));
        // The image on screen got its result too.
        QVERIFY(window.document()->hasResult());
        // The status bar gives the folder run's figures, not those of the image that finished last.
        long long tokens = 0;
        for (const QList<QVariant>& job : jobs) tokens += job.first().value<GenerationOutcome>().tokens;
        auto* runStatus = window.findChild<QLabel*>(QStringLiteral("runStatus"));
        QVERIFY(runStatus);
        QVERIFY2(runStatus->text().startsWith(QStringLiteral("%1 tokens in ").arg(tokens)) &&
                     runStatus->text().endsWith(QStringLiteral(" tok/s over 2 images")),
                 qPrintable(runStatus->text()));
    }
};

QTEST_MAIN(TestWorkbenchEngine)
#include "test_workbench_engine.moc"
