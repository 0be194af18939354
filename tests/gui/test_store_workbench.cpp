// The annotation store in the workbench window: imports with progress and per-record errors that
// refresh the browser, cancelling, exports whose files import back to the same annotations, model
// annotations from a single result and from a run over a folder (the tiny fixture model), the
// protection of samples a person worked on, opening a listed sample for editing, and the first-start
// offer of the sample images.
#include <QAction>
#include <QApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include "core/change_log.h"
#include "core/grit_codec.h"
#include "core/grit_import.h"
#include "core/sample_repository.h"
#include "core/store.h"
#include "core/store_export.h"
#include "gui_test_support.h"
#include "model/error.h"
#include "store_test_support.h"
#include "ui/apppaths.h"
#include "ui/browser/datasetbrowser.h"
#include "ui/dataset/modelannotation.h"
#include "ui/dataset/storecontroller.h"
#include "ui/dataset/storejob.h"
#include "ui/dataset/storejobdialog.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/resultdocument.h"
#include "ui/document/resultjson.h"
#include "ui/imagefiles.h"
#include "ui/panels/generationsettingswidget.h"
#include "ui/panels/promptpanel.h"
#include "ui/panels/thumbnailstrip.h"
#include "ui/review/annotationsession.h"

using namespace kosmos::ui;
using namespace kosmos::ui::test;
namespace store = kosmos::store;

namespace {

constexpr int kLoadTimeoutMs = 120000;
constexpr int kRunTimeoutMs = 300000;
constexpr int kJobTimeoutMs = 120000;

QByteArray gritLine(int i, const QString& image) {
    QJsonObject record;
    record.insert(QStringLiteral("key"), QStringLiteral("grit-%1").arg(i, 4, 10, QLatin1Char('0')));
    record.insert(QStringLiteral("caption"), QStringLiteral("a red square number %1").arg(i));
    const double x0 = 0.01 * (i % 50);
    record.insert(QStringLiteral("noun_chunks"), QJsonArray{QJsonArray{0, 12, x0, 0.1, x0 + 0.4, 0.7, 0.9}});
    record.insert(QStringLiteral("ref_exps"), QJsonArray{});
    if (!image.isEmpty()) record.insert(QStringLiteral("image"), image);
    return QJsonDocument(record).toJson(QJsonDocument::Compact) + '\n';
}

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

std::shared_ptr<store::AnnotationStore> openStore(const QString& path) {
    return std::make_shared<store::AnnotationStore>(path.toStdString());
}

kosmos::GenerationResult fakeResult(const std::string& caption, double confidence) {
    kosmos::GenerationResult result;
    result.caption = caption;
    kosmos::GroundedEntity entity;
    entity.phrase = "a red square";
    entity.span = {0, 12};
    kosmos::BoxDetail first;
    first.box = {0.1, 0.1, 0.4, 0.5};
    first.confidence = confidence;
    kosmos::BoxDetail second = first;
    second.box = {0.5, 0.2, 0.9, 0.6};
    second.confidence = confidence / 2;
    entity.boxes = {first, second};
    result.entities = {entity};
    kosmos::GroundedEntity broken;   // a span past the caption: left out
    broken.phrase = "x";
    broken.span = {40, 90};
    broken.boxes = {first};
    result.entities.push_back(broken);
    return result;
}

} // namespace

class TestStoreWorkbench : public QObject {
    Q_OBJECT

private:
    QTemporaryDir mDir;

    static bool loadFixture(MainWindow& window) {
        QSignalSpy ready(&window, &MainWindow::modelReady);
        if (!window.loadModel(fixtureDir())) return false;
        if (!ready.wait(kLoadTimeoutMs)) return false;
        return ready.first().first().toBool();
    }

private slots:
    void initTestCase() {
        QVERIFY(mDir.isValid());
        isolateSettings(mDir);
    }

    void importShowsProgressAndRefreshesTheBrowser() {
        QTemporaryDir data;
        QVERIFY(QDir(data.path()).mkpath(QStringLiteral("images")));
        QVERIFY(copyFile(fixtureImage("gradient_640x480.png"), data.filePath(QStringLiteral("images/a.png"))));
        QByteArray lines;
        for (int i = 0; i < 40; ++i) lines += gritLine(i, QStringLiteral("images/a.png"));
        lines += "{\"key\": \"broken\", \"caption\": \n";                  // line 41: not JSON
        QByteArray inverted = gritLine(41, QStringLiteral("images/a.png"));
        inverted.replace("0.7,0.9", "0.05,0.9");                              // line 42: y1 < y0
        lines += inverted;
        lines += gritLine(42, QStringLiteral("images/missing.png"));         // line 43: no image
        const QString jsonl = data.filePath(QStringLiteral("part.jsonl"));
        QVERIFY(writeFile(jsonl, lines));

        TestWindow window;
        window.setStore(openStore(mDir.filePath(QStringLiteral("import.sqlite"))));
        QCOMPARE(window.browser()->model()->totalCount(), qint64(0));
        StoreController* stores = window.stores();
        QSignalSpy progress(stores->job(), &StoreJob::progress);
        QSignalSpy finished(stores, &StoreController::jobFinished);
        QVERIFY(stores->startImport({jsonl}, store::Split::Validation));
        QVERIFY(stores->isBusy());
        QVERIFY(!stores->importAction->isEnabled());
        QVERIFY(!stores->startImport({jsonl}));   // one job at a time
        QVERIFY(stores->jobDialog() && stores->jobDialog()->isVisible());
        QVERIFY(finished.wait(kJobTimeoutMs));
        QCOMPARE(finished.first().at(0).toBool(), true);    // ok
        QCOMPARE(finished.first().at(1).toBool(), false);   // not cancelled
        QVERIFY(stores->importAction->isEnabled());
        QVERIFY(!progress.isEmpty());

        const store::ImportSummary& summary = stores->job()->importSummary();
        QCOMPARE(summary.imported, qint64(40));
        QCOMPARE(summary.rejected, qint64(3));
        // Every rejection names the file and the line.
        QListWidget* issues = stores->jobDialog()->issueList();
        QCOMPARE(issues->count(), 3);
        for (int line : {41, 42, 43}) {
            const QString where = QStringLiteral("part.jsonl, line %1:").arg(line);
            bool listed = false;
            for (int i = 0; i < issues->count(); ++i) listed = listed || issues->item(i)->text().startsWith(where);
            QVERIFY2(listed, qPrintable(where));
        }
        QCOMPARE(stores->jobDialog()->progressBar()->value(), 1000);
        QVERIFY(stores->jobDialog()->statusLabel()->text().contains(QStringLiteral("40 imported")));
        QVERIFY(window.errors.isEmpty());

        // The browser lists the new samples, in the split chosen.
        QCOMPARE(window.browser()->model()->totalCount(), qint64(40));
        QCOMPARE(window.browser()->model()->facets().bySplit.at(store::Split::Validation), qint64(40));
        QCOMPARE(window.browser()->model()->index(0).data(SampleListModel::KeyRole).toString(), QStringLiteral("grit-0000"));

        // The same file again: everything is already stored.
        finished.clear();
        QVERIFY(stores->startImport({jsonl}));
        QVERIFY(finished.wait(kJobTimeoutMs));
        QCOMPARE(stores->job()->importSummary().imported, qint64(0));
        QCOMPARE(stores->job()->importSummary().alreadyStored, qint64(40));
    }

    void importCanBeCancelled() {
        QTemporaryDir data;
        QByteArray lines;
        for (int i = 0; i < 20000; ++i) lines += gritLine(i, {});
        const QString jsonl = data.filePath(QStringLiteral("big.jsonl"));
        QVERIFY(writeFile(jsonl, lines));
        TestWindow window;
        window.setStore(openStore(mDir.filePath(QStringLiteral("cancel.sqlite"))));
        StoreController* stores = window.stores();
        QSignalSpy finished(stores, &StoreController::jobFinished);
        QVERIFY(stores->startImport({jsonl}));
        QPushButton* cancel = stores->jobDialog()->cancelButton();
        QVERIFY(cancel->isVisible());
        cancel->click();
        QVERIFY(finished.wait(kJobTimeoutMs));
        QCOMPARE(finished.first().at(1).toBool(), true);
        QVERIFY(stores->job()->importSummary().cancelled);
        QVERIFY(stores->job()->importSummary().imported < 20000);
        // What was committed before the cancel is stored and listed.
        QCOMPARE(window.browser()->model()->totalCount(), store::countSamples(*window.store(), {}));
        QVERIFY(stores->jobDialog()->statusLabel()->text().startsWith(QStringLiteral("Cancelled")));
    }

    void exportRoundTrips() {
        auto db = openStore(mDir.filePath(QStringLiteral("export.sqlite")));
        fillStore(*db, 120);
        TestWindow window;
        window.setStore(db);
        StoreController* stores = window.stores();
        QSignalSpy finished(stores, &StoreController::jobFinished);
        QSignalSpy progress(stores->job(), &StoreJob::progress);

        const QString grit = mDir.filePath(QStringLiteral("out.grit.jsonl"));
        QVERIFY(stores->startExport(grit, store::ExportFormat::Grit, {}));
        QVERIFY(finished.wait(kJobTimeoutMs));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(stores->job()->summaryText()));
        QCOMPARE(stores->job()->exportSummary().samples, qint64(120));
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(0).toDouble(), 1.0);

        // Imported into a new store, the file gives the same captions and the same effective boxes.
        store::AnnotationStore back(mDir.filePath(QStringLiteral("back.sqlite")).toStdString());
        const store::ImportSummary summary = store::importSources(back, {grit.toStdString()}, {});
        QCOMPARE(summary.imported, qint64(120));
        QCOMPARE(summary.rejected, qint64(0));
        for (int i = 0; i < 120; ++i) {
            const std::string key = generatedSample(i, {}).key;
            const std::optional<store::Sample> original = store::getSampleByKey(*db, key);
            const std::optional<store::Sample> copy = store::getSampleByKey(back, key);
            QVERIFY(original && copy);
            QCOMPARE(copy->caption, original->caption);
            std::vector<kosmos::Box> expected;
            for (const store::EntityRecord* e : store::effectiveEntities(*original, {}))
                expected.insert(expected.end(), e->boxes.begin(), e->boxes.end());
            std::vector<kosmos::Box> got;
            for (const store::EntityRecord& e : copy->entities) got.insert(got.end(), e.boxes.begin(), e.boxes.end());
            std::sort(expected.begin(), expected.end());
            std::sort(got.begin(), got.end());
            QCOMPARE(got.size(), expected.size());
            for (std::size_t b = 0; b < got.size(); ++b)
                for (int k = 0; k < 4; ++k) QVERIFY(std::abs(got[b][k] - expected[b][k]) < 1e-12);
        }

        // COCO with a filter: only accepted samples, only the person's entities.
        finished.clear();
        const QString coco = mDir.filePath(QStringLiteral("out.coco.json"));
        store::ExportFilter filter;
        filter.review = store::ReviewState::Accepted;
        filter.sources = {store::EntitySource::Human};
        QVERIFY(stores->startExport(coco, store::ExportFormat::Coco, filter));
        QVERIFY(finished.wait(kJobTimeoutMs));
        QVERIFY(finished.first().at(0).toBool());
        QFile file(coco);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
        const qint64 expected = countWhere(120, [](int i) { return hasHuman(i) && generatedReview(i) == store::ReviewState::Accepted; });
        QVERIFY(expected > 0);
        QCOMPARE(root.value(QStringLiteral("images")).toArray().size(), expected);
        QCOMPARE(root.value(QStringLiteral("annotations")).toArray().size(), expected);   // one box each
        QVERIFY(window.errors.isEmpty());

        // A file that cannot be written is an error naming it.
        finished.clear();
        const QString unwritable = mDir.filePath(QStringLiteral("no/such/folder/out.jsonl"));
        QVERIFY(stores->startExport(unwritable, store::ExportFormat::Odvg, {}));
        QVERIFY(finished.wait(kJobTimeoutMs));
        QCOMPARE(finished.first().at(0).toBool(), false);
        QCOMPARE(window.errors.size(), 1);
        QVERIFY2(window.errors[0].message.contains(QStringLiteral("out.jsonl")), qPrintable(window.errors[0].message));
    }

    void modelAnnotationsKeepPeoplesWork() {
        auto db = openStore(mDir.filePath(QStringLiteral("model.sqlite")));
        const QString image = mDir.filePath(QStringLiteral("square.png"));
        QVERIFY(copyFile(fixtureImage("checker_224x224.png"), image));
        ModelAnnotation annotation{image, QStringLiteral("<grounding>An image of"), QStringLiteral("tiny"),
                                   fakeResult("a red square on a table", 0.8)};
        const std::int64_t id = saveModelAnnotation(*db, annotation);
        std::optional<store::Sample> sample = store::getSample(*db, id);
        QVERIFY(sample);
        QCOMPARE(sample->key, modelSampleKey(image, annotation.prompt));
        QCOMPARE(sample->caption, std::string("a red square on a table"));
        QVERIFY(sample->image && sample->image->width == 224);
        // One entity per box, each with its confidence; the bad span is left out.
        QCOMPARE(sample->entities.size(), std::size_t(2));
        QCOMPARE(*sample->entities[0].confidence, 0.8);
        QCOMPARE(*sample->entities[1].confidence, 0.4);
        for (const store::EntityRecord& e : sample->entities) {
            QCOMPARE(e.source, store::EntitySource::Model);
            QCOMPARE(e.modelCheckpoint, std::string("tiny"));
            QCOMPARE(e.phrase, std::string("a red square"));
        }
        // The same prediction again changes nothing; a new one of an untouched sample replaces it.
        const std::int64_t revision = sample->revision;
        QCOMPARE(saveModelAnnotation(*db, annotation), id);
        QCOMPARE(store::getSample(*db, id)->revision, revision);
        annotation.result = fakeResult("a red square in the sky", 0.6);
        QCOMPARE(saveModelAnnotation(*db, annotation), id);
        QCOMPARE(store::getSample(*db, id)->caption, std::string("a red square in the sky"));
        QCOMPARE(*store::getSample(*db, id)->entities[0].confidence, 0.6);
        QCOMPARE(store::countSamples(*db, {}), qint64(1));

        // Once a person accepted it, a different result is refused, not stored over it.
        store::setReviewState(*db, {id}, store::ReviewState::Accepted, "tester");
        annotation.result = fakeResult("a red square under water", 0.5);
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, saveModelAnnotation(*db, annotation));
        QCOMPARE(store::getSample(*db, id)->caption, std::string("a red square in the sky"));
        // Another prompt is another sample.
        annotation.prompt = QStringLiteral("<grounding>Describe this image in detail:");
        QVERIFY(saveModelAnnotation(*db, annotation) != id);
        QCOMPARE(store::countSamples(*db, {}), qint64(2));
        // An unreadable image is an error naming it.
        QVERIFY(writeFile(mDir.filePath(QStringLiteral("bad.png")), "not an image"));
        annotation.imagePath = mDir.filePath(QStringLiteral("bad.png"));
        try {
            saveModelAnnotation(*db, annotation);
            QFAIL("an unreadable image was stored");
        } catch (const kosmos::Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("bad.png")), e.what());
        }
    }

    void resultsGoToTheStore() {
        QTemporaryDir folder;
        QVERIFY(copyFile(fixtureImage("gradient_640x480.png"), folder.filePath(QStringLiteral("a.png"))));
        QVERIFY(copyFile(fixtureImage("stripes_300x500.png"), folder.filePath(QStringLiteral("b.png"))));
        const QString storeFile = mDir.filePath(QStringLiteral("runs.sqlite"));
        TestWindow window;
        window.setStore(openStore(storeFile));
        QVERIFY(!window.stores()->saveResultAction->isEnabled());
        QVERIFY(window.openImage(folder.filePath(QStringLiteral("a.png"))));
        QVERIFY(loadFixture(window));
        window.promptPanel()->setTask(PromptTask::PhraseGrounding);
        window.promptPanel()->setTaskText(QStringLiteral("a red square"));
        window.promptPanel()->settings()->setConstrainedGrounding(true);
        window.promptPanel()->settings()->setMaxNewTokens(12);
        const QString prompt = window.promptPanel()->prompt();

        // One image: the result is saved when asked.
        QSignalSpy finished(&window, &MainWindow::runFinished);
        QVERIFY(window.runPrompt());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QVERIFY(window.document()->hasResult());
        QVERIFY(window.stores()->saveResultAction->isEnabled());
        const kosmos::GenerationResult shown = window.document()->result();
        const qint64 id = window.saveResultToStore();
        QVERIFY(id > 0);
        std::optional<store::Sample> single = store::getSample(*window.store(), id);
        QVERIFY(single);
        QCOMPARE(single->caption, shown.caption);
        std::size_t boxes = 0;
        for (const kosmos::GroundedEntity& e : shown.entities) boxes += e.boxes.size();
        QVERIFY(boxes > 0);
        QCOMPARE(single->entities.size(), boxes);
        QCOMPARE(single->entities[0].modelCheckpoint, std::string("kosmos2-tiny"));
        QCOMPARE(*single->entities[0].confidence, shown.entities[0].boxes[0].confidence);
        QTRY_COMPARE(window.browser()->model()->totalCount(), qint64(1));

        // The folder: every image's result becomes a model annotation, written by the run's worker.
        finished.clear();
        QVERIFY(window.runOnFolder());
        QVERIFY(finished.wait(kRunTimeoutMs));
        QVERIFY2(window.errors.isEmpty(), window.errors.isEmpty() ? "" : qPrintable(window.errors.first().message));
        QCOMPARE(window.browser()->model()->totalCount(), qint64(2));   // a.png's sample was updated, b.png's added
        for (const char* name : {"a.png", "b.png"}) {
            const QString path = folder.filePath(QLatin1String(name));
            const std::optional<store::Sample> sample = store::getSampleByKey(*window.store(), modelSampleKey(path, prompt));
            QVERIFY2(sample, name);
            QString error;
            const std::optional<QJsonObject> json = readJsonFile(sidecarJsonPath(path), &error);
            QVERIFY2(json, qPrintable(error));
            const std::optional<ResultFromJson> result = resultFromJson(*json, &error);
            QVERIFY2(result, qPrintable(error));
            QCOMPARE(sample->caption, result->result.caption);
            std::size_t expectedBoxes = 0;
            for (const kosmos::GroundedEntity& e : result->result.entities) expectedBoxes += e.boxes.size();
            QCOMPARE(sample->entities.size(), expectedBoxes);
            for (const store::EntityRecord& e : sample->entities) {
                QCOMPARE(e.source, store::EntitySource::Model);
                QVERIFY(e.confidence && *e.confidence > 0 && *e.confidence <= 1);
                QCOMPARE(e.modelPrompt, prompt.toStdString());
            }
            QVERIFY(sample->image && QFileInfo(QString::fromStdString(sample->image->path)) == QFileInfo(path));
            // The history says the model wrote it.
            const std::vector<store::ChangeRecord> history = store::sampleHistory(*window.store(), sample->id);
            QVERIFY(!history.empty());
            QCOMPARE(history.back().actor, std::string("model:kosmos2-tiny"));
        }
        QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("runs.sqlite")),
                 qPrintable(window.statusBar()->currentMessage()));
    }

    void activatingASampleOpensItForEditing() {
        auto db = openStore(mDir.filePath(QStringLiteral("open.sqlite")));
        fillStore(*db, 30);
        TestWindow window;
        window.setStore(db);
        const qint64 id = window.browser()->model()->sampleIdAt(5);
        QVERIFY(id > 0);
        QVERIFY(window.browser()->activateRow(5));
        QVERIFY(window.annotationSession()->isOpen());
        QCOMPARE(window.annotationSession()->document()->sampleId(), id);
        QVERIFY2(window.errors.isEmpty(), window.errors.isEmpty() ? "" : qPrintable(window.errors.first().message));
    }

    void firstStartOffersTheSamples() {
        const QString samples = sampleImagesFolder();
        QVERIFY2(!samples.isEmpty(), "datasets/samples/images is missing");
        TestWindow window;
        window.setStore(openStore(mDir.filePath(QStringLiteral("empty.sqlite"))));
        QVERIFY(showOnScreen(window));
        auto* offer = window.browser()->findChild<QPushButton*>(QStringLiteral("openSampleImagesButton"));
        QVERIFY(offer);
        QVERIFY(offer->isVisible());
        // File ▸ Open Sample Images opens the pictures.
        QSignalSpy opened(&window, &MainWindow::imageOpened);
        window.stores()->openSampleImagesAction->trigger();
        QCOMPARE(opened.count(), 1);
        QCOMPARE(window.thumbnails()->paths(), imageFilesInFolder(samples));
        QVERIFY(window.thumbnails()->paths().size() >= 10);
        QVERIFY(window.document()->hasImage());
        // The empty store's offer fills it with the pictures' annotations; then it makes way for the list.
        QCOMPARE(offer->text(), QStringLiteral("Import the Sample Annotations"));
        offer->click();
        QTRY_COMPARE_WITH_TIMEOUT(window.browser()->model()->totalCount(), 12, 60000);
        QTRY_VERIFY(!offer->isVisible());
        QVERIFY(window.stores()->openSampleImagesAction->isVisible());
        QVERIFY2(window.errors.isEmpty(), window.errors.isEmpty() ? "" : qPrintable(window.errors.first().message));
    }
};

QTEST_MAIN(TestStoreWorkbench)
#include "test_store_workbench.moc"
