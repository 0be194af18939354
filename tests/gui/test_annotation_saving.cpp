// Saving edits to the annotation store: every change reaches the store by itself shortly after it is
// made, reads back the same (and comes out of an export), is recorded in the change history under the
// editor's name; a sample changed by another writer while it is open is never silently overwritten;
// and a writer killed with SIGKILL in the middle of editing leaves a sound store holding every edit
// it had reported saved.
//
// Run with `--edit-child STORE SAMPLE` the program is that writer: it edits the sample without pause
// and prints "ack <boxes>" after each save.
#include <QApplication>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/types.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

#include "annotation_test_support.h"
#include "core/change_log.h"
#include "core/store_export.h"
#include "core/store_stats.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/resultdocument.h"
#include "ui/document/commands/addboxcommand.h"
#include "ui/document/commands/changeboxescommand.h"
#include "ui/document/commands/editcaptioncommand.h"
#include "ui/document/commands/setreviewcommand.h"
#include "ui/review/annotationsession.h"
#include "ui/store/annotationsaver.h"

using namespace kosmos::ui;
using namespace kosmos::ui::test;

namespace {

constexpr int kAcksBeforeKill = 25;
constexpr int kChildTimeoutMs = 60000;

// The box the writer adds in its i-th edit (i from 1).
kosmos::Box childBox(int i) { return {0.0001 * i, 0.0002 * i, 0.5 + 0.0001 * i, 0.6}; }

// The writer process: edits without pause, reports each save.
int runEditChild(int argc, char** argv) {
    if (argc < 4) return 2;
    QCoreApplication app(argc, argv);
    auto store = std::make_shared<st::AnnotationStore>(argv[2]);
    const std::optional<st::Sample> sample = st::getSample(*store, std::atoll(argv[3]));
    if (!sample) return 3;
    AnnotationDocument document;
    document.setAuthor("child");
    document.open(*sample);
    AnnotationSaver saver(&document);
    saver.setActor(QStringLiteral("human:child"));
    saver.setDelayMs(0);
    saver.setStore(store);
    int edits = 0;
    const auto edit = [&] {
        ++edits;
        const quint64 uid = document.entities()[0].uid;
        document.undoStack()->push(new AddBoxCommand(&document, childBox(edits), 0, 0, uid));
    };
    QObject::connect(&saver, &AnnotationSaver::saved, &app, [&](qint64, qint64, quint64 serial) {
        if (serial != document.changeSerial()) return;   // an older state; the newer one follows
        std::printf("ack %d\n", static_cast<int>(document.entities()[0].record.boxes.size()));
        std::fflush(stdout);
        QTimer::singleShot(0, &app, edit);
    });
    QObject::connect(&saver, &AnnotationSaver::saveFailed, &app, [&](const QString& message) {
        std::fprintf(stderr, "save failed: %s\n", qPrintable(message));
        app.exit(4);
    });
    QTimer::singleShot(0, &app, edit);
    return app.exec();
}

std::vector<st::ChangeRecord> historyOf(const QString& path, qint64 id) {
    st::AnnotationStore reader(path.toStdString());
    return st::sampleHistory(reader, id, 1000);
}

} // namespace

class TestAnnotationSaving : public QObject {
    Q_OBJECT

private:
    QTemporaryDir mSettingsDir;
    QTemporaryDir mWork;
    int mSerial = 0;

    QString newStorePath() { return mWork.filePath(QStringLiteral("save-%1.kosmosdb").arg(++mSerial)); }

    // An editor of sample 1 of a new store of two samples.
    struct Editor {
        QString path;
        std::shared_ptr<st::AnnotationStore> store;
        std::unique_ptr<AnnotationDocument> document;
        std::unique_ptr<AnnotationSaver> saver;
    };
    Editor openEditor(int delayMs = 50) {
        Editor e;
        e.path = newStorePath();
        e.store = makeStore(e.path, 2);
        e.document = std::make_unique<AnnotationDocument>();
        e.document->setAuthor("tester");
        e.document->open(*st::getSample(*e.store, 1));
        e.saver = std::make_unique<AnnotationSaver>(e.document.get());
        e.saver->setActor(QStringLiteral("human:tester"));
        e.saver->setDelayMs(delayMs);
        e.saver->setPollIntervalMs(0);
        e.saver->setStore(e.store);
        return e;
    }

    // The model writes its prediction for sample 1 through a connection of its own.
    static void modelWrites(const QString& path) {
        st::AnnotationStore model(path.toStdString());
        st::EntityRecord tree = entityRecord(0, 1, "a", {0.7, 0.1, 0.8, 0.3}, st::EntitySource::Model, 0.55);
        st::putModelPrediction(model, 1, "ckpt2", "<grounding>An image of", {tree});
    }

private slots:
    void initTestCase() {
        QVERIFY(mSettingsDir.isValid());
        QVERIFY(mWork.isValid());
        isolateSettings(mSettingsDir);
    }

    void editsReachTheStoreByThemselves() {
        Editor e = openEditor();
        AnnotationDocument& document = *e.document;
        QSignalSpy saved(e.saver.get(), &AnnotationSaver::saved);
        const qint64 revision = e.saver->storedRevision();
        const quint64 circle = document.entities()[0].uid;
        document.undoStack()->push(new ChangeBoxesCommand(&document, {{{circle, 0}, {0.12, 0.22, 0.42, 0.52}}},
                                                          ChangeBoxesCommand::Kind::Move, 1));
        document.undoStack()->push(new AddBoxCommand(&document, {0.6, 0.05, 0.7, 0.15}, 6, 12));
        document.undoStack()->push(new EditCaptionCommand(&document, "a red circle next to a small blue square"));
        // No flush, no Save: the saver writes on its own within moments.
        QTRY_VERIFY_WITH_TIMEOUT(!saved.isEmpty() && !e.saver->hasUnsavedChanges(), 5000);
        QCOMPARE(e.saver->state(), AnnotationSaver::State::Saved);
        QVERIFY(e.saver->storedRevision() > revision);

        // Another connection reads exactly what the editor holds.
        st::AnnotationStore reader(e.path.toStdString());
        const st::Sample stored = *st::getSample(reader, 1);
        const st::Sample mine = document.toSample();
        QCOMPARE(stored.caption, std::string("a red circle next to a small blue square"));
        QCOMPARE(stored.caption, mine.caption);
        QCOMPARE(stored.entities.size(), std::size_t(3));
        for (std::size_t i = 0; i < mine.entities.size(); ++i) {
            QCOMPARE(stored.entities[i].spanStart, mine.entities[i].spanStart);
            QCOMPARE(stored.entities[i].spanEnd, mine.entities[i].spanEnd);
            QCOMPARE(stored.entities[i].phrase, mine.entities[i].phrase);
            QCOMPARE(stored.entities[i].source, mine.entities[i].source);
            QVERIFY(stored.entities[i].boxes == mine.entities[i].boxes);
        }
        QCOMPARE(stored.entities[1].phrase, std::string("a small blue square"));
        QCOMPARE(stored.entities[2].phrase, std::string("circle"));
        QCOMPARE(stored.entities[2].author, std::string("tester"));
        QCOMPARE(stored.revision, e.saver->storedRevision());

        // The history says who: the person, with the previous version kept.
        const std::vector<st::ChangeRecord> history = st::sampleHistory(reader, 1);
        QVERIFY(history.size() >= 2);
        QCOMPARE(history.front().actor, std::string("human:tester"));
        QCOMPARE(history.front().action, std::string(st::action::kUpdate));
        QCOMPARE(history.back().actor, std::string("import"));
        QVERIFY(QString::fromStdString(history.front().detail).contains(QStringLiteral("a red circle next to a")));

        // A review-only change is recorded as a review.
        document.undoStack()->push(new SetReviewCommand(&document, st::ReviewState::Corrected));
        QVERIFY(e.saver->flush());
        const std::vector<st::ChangeRecord> after = st::sampleHistory(reader, 1);
        QCOMPARE(after.front().action, std::string(st::action::kReview));
        QVERIFY(QString::fromStdString(after.front().detail).contains(QStringLiteral("corrected")));
        QCOMPARE(st::getSample(reader, 1)->review, st::ReviewState::Corrected);

        // The corrections are in an export.
        const QString exported = mWork.filePath(QStringLiteral("export-%1.jsonl").arg(mSerial));
        st::exportStore(reader, st::ExportFormat::Grit, exported.toStdString(), {});
        QFile file(exported);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        const QJsonObject first = QJsonDocument::fromJson(lines.first()).object();
        QCOMPARE(first.value(QStringLiteral("key")).toString(), QStringLiteral("sample-0"));
        QCOMPARE(first.value(QStringLiteral("caption")).toString(), QStringLiteral("a red circle next to a small blue square"));
        bool movedBoxExported = false;
        const QJsonArray chunks = first.value(QStringLiteral("noun_chunks")).toArray();
        for (const QJsonValue& chunk : chunks) {
            const QJsonArray c = chunk.toArray();
            if (c.size() >= 6 && near(c[2].toDouble(), 0.12) && near(c[3].toDouble(), 0.22) && near(c[4].toDouble(), 0.42))
                movedBoxExported = true;
        }
        QVERIFY(movedBoxExported);

        // Undo back to the start is saved too; reopening reads the same state.
        document.undoStack()->setIndex(0);
        QVERIFY(e.saver->flush());
        AnnotationDocument reopened;
        reopened.open(*st::getSample(reader, 1));
        QCOMPARE(reopened.caption(), std::string("a red circle next to a blue square"));
        QCOMPARE(reopened.entities().size(), std::size_t(2));
        QVERIFY(reopened.entities()[0].record.boxes == shapesSample("x").entities[0].boxes);
        QCOMPARE(reopened.entities()[0].record.source, st::EntitySource::Imported);
        QCOMPARE(reopened.review(), st::ReviewState::Unreviewed);
    }

    void windowRoundTrip() {
        TestWindow window;
        const QString path = newStorePath();
        std::shared_ptr<st::AnnotationStore> store = makeStore(path, 2);
        window.setStore(store);
        QVERIFY(window.openSample(1));
        AnnotationSession* session = window.annotationSession();
        AnnotationDocument* document = session->document();
        const quint64 square = document->entities()[1].uid;
        document->undoStack()->push(new ChangeBoxesCommand(document, {{{square, 0}, {0.55, 0.5, 0.95, 0.95}}},
                                                           ChangeBoxesCommand::Kind::Move, 1));
        document->undoStack()->push(new SetReviewCommand(document, st::ReviewState::Corrected));
        // Going to another sample saves this one; coming back shows what was saved.
        QVERIFY(window.openSample(2));
        QCOMPARE(document->sampleId(), qint64(2));
        QCOMPARE(document->undoStack()->count(), 0);
        QVERIFY(window.openSample(1));
        QVERIFY(nearBox(document->entities()[1].record.boxes[0], {0.55, 0.5, 0.95, 0.95}));
        QCOMPARE(document->review(), st::ReviewState::Corrected);
        QCOMPARE(document->entities()[1].record.source, st::EntitySource::Human);
        // Opening a plain image ends the editing, saved.
        document->undoStack()->push(new SetReviewCommand(document, st::ReviewState::Accepted));
        QVERIFY(window.openImage(fixtureImage("checker_224x224.png")));
        QVERIFY(!session->isOpen());
        QVERIFY(!window.document()->isAnnotation());
        QCOMPARE(st::getSample(*store, 1)->review, st::ReviewState::Accepted);
        QVERIFY(window.errors.isEmpty());
    }

    void closingTheWindowSavesTheLastEdit() {
        const QString path = newStorePath();
        std::shared_ptr<st::AnnotationStore> store = makeStore(path, 1);
        {
            TestWindow window;
            window.setStore(store);
            QVERIFY(window.openSample(1));
            AnnotationDocument* document = window.annotationSession()->document();
            window.annotationSession()->saver()->setDelayMs(60000);
            document->undoStack()->push(new SetReviewCommand(document, st::ReviewState::Rejected));
            QCOMPARE(st::getSample(*store, 1)->review, st::ReviewState::Unreviewed);   // not yet written
        }
        QCOMPARE(st::getSample(*store, 1)->review, st::ReviewState::Rejected);
        {
            TestWindow window;
            window.setStore(store);
            QVERIFY(window.openSample(1));
            AnnotationDocument* document = window.annotationSession()->document();
            window.annotationSession()->saver()->setDelayMs(60000);
            document->undoStack()->push(new SetReviewCommand(document, st::ReviewState::Accepted));
            window.close();
            QCOMPARE(st::getSample(*store, 1)->review, st::ReviewState::Accepted);
        }
    }

    void idleEditorTakesOverTheModelsChange() {
        Editor e = openEditor();
        e.saver->setPollIntervalMs(50);
        QSignalSpy external(e.saver.get(), &AnnotationSaver::externalChange);
        int asked = 0;
        e.saver->setConflictResolver([&](const AnnotationSaver::Conflict&) {
            ++asked;
            return AnnotationSaver::ConflictChoice::KeepMine;
        });
        modelWrites(e.path);
        // Another process's commit is noticed (data version) and, with nothing unsaved here, shown.
        QTRY_COMPARE_WITH_TIMEOUT(external.count(), 1, 5000);
        QCOMPARE(asked, 0);
        QCOMPARE(external.first().at(1).toString(), QStringLiteral("model:ckpt2"));
        QCOMPARE(external.first().at(2).value<AnnotationSaver::ConflictChoice>(), AnnotationSaver::ConflictChoice::TakeTheirs);
        QCOMPARE(e.document->entities().size(), std::size_t(3));
        QCOMPARE(e.document->entities()[2].record.modelCheckpoint, std::string("ckpt2"));
        QVERIFY(!e.saver->hasUnsavedChanges());
        const std::int64_t modelRevision = st::getSample(*e.store, 1)->revision;
        QCOMPARE(e.saver->storedRevision(), modelRevision);
        // One undo step brings ours back, and that is saved like any edit.
        QCOMPARE(e.document->undoStack()->count(), 1);
        e.document->undoStack()->undo();
        QVERIFY(e.saver->flush());
        QCOMPARE(st::getSample(*e.store, 1)->entities.size(), std::size_t(2));

        // A change through the editor's own store object (a browser setting the review state) is
        // announced in-process and taken over the same way.
        e.saver->setPollIntervalMs(0);
        st::setReviewState(*e.store, {1}, st::ReviewState::Rejected, "human:browser");
        QTRY_COMPARE_WITH_TIMEOUT(e.document->review(), st::ReviewState::Rejected, 5000);
        QCOMPARE(external.last().at(1).toString(), QStringLiteral("human:browser"));
        QCOMPARE(asked, 0);
    }

    void conflictKeepsBoth() {
        Editor e = openEditor(60000);   // nothing is written before flush()
        AnnotationDocument& document = *e.document;
        QList<AnnotationSaver::Conflict> conflicts;
        e.saver->setConflictResolver([&](const AnnotationSaver::Conflict& conflict) {
            conflicts.append(conflict);
            return AnnotationSaver::ConflictChoice::KeepBoth;
        });
        const quint64 circle = document.entities()[0].uid;
        document.undoStack()->push(new ChangeBoxesCommand(&document, {{{circle, 0}, {0.05, 0.05, 0.3, 0.3}}},
                                                          ChangeBoxesCommand::Kind::Move, 1));
        modelWrites(e.path);
        QVERIFY(e.saver->flush());
        // Asked once, with both versions; nothing was overwritten unasked.
        QCOMPARE(conflicts.size(), 1);
        QCOMPARE(conflicts.first().changedBy, QStringLiteral("model:ckpt2"));
        QCOMPARE(conflicts.first().theirs.entities.size(), std::size_t(3));
        QVERIFY(nearBox(conflicts.first().mine.entities[0].boxes[0], {0.05, 0.05, 0.3, 0.3}));
        const st::Sample stored = *st::getSample(*e.store, 1);
        QCOMPARE(stored.entities.size(), std::size_t(3));   // ours (the moved one), and the one the model added
        QVERIFY(nearBox(stored.entities[0].boxes[0], {0.05, 0.05, 0.3, 0.3}));
        bool modelKept = false;
        for (const st::EntityRecord& entity : stored.entities)
            if (entity.modelCheckpoint == "ckpt2") modelKept = true;
        QVERIFY(modelKept);
        const std::vector<st::ChangeRecord> history = historyOf(e.path, 1);
        QCOMPARE(history[0].actor, std::string("human:tester"));
        QCOMPARE(history[1].actor, std::string("model:ckpt2"));
    }

    void conflictKeepMineAndTakeTheirs() {
        {
            Editor e = openEditor(60000);
            e.saver->setConflictResolver([](const AnnotationSaver::Conflict&) { return AnnotationSaver::ConflictChoice::KeepMine; });
            e.document->undoStack()->push(new EditCaptionCommand(e.document.get(), "a red circle near a blue square"));
            modelWrites(e.path);
            QVERIFY(e.saver->flush());
            const st::Sample stored = *st::getSample(*e.store, 1);
            QCOMPARE(stored.caption, std::string("a red circle near a blue square"));
            QCOMPARE(stored.entities.size(), std::size_t(2));
            // Theirs is not lost: the history keeps it as the version ours replaced.
            const std::vector<st::ChangeRecord> history = historyOf(e.path, 1);
            QCOMPARE(history[0].actor, std::string("human:tester"));
            QVERIFY(QString::fromStdString(history[0].detail).contains(QStringLiteral("ckpt2")));
        }
        {
            Editor e = openEditor(60000);
            e.saver->setConflictResolver([](const AnnotationSaver::Conflict&) { return AnnotationSaver::ConflictChoice::TakeTheirs; });
            e.document->undoStack()->push(new EditCaptionCommand(e.document.get(), "a red circle near a blue square"));
            modelWrites(e.path);
            QVERIFY(e.saver->flush());
            const st::Sample stored = *st::getSample(*e.store, 1);
            QCOMPARE(stored.caption, std::string("a red circle next to a blue square"));
            QCOMPARE(stored.entities.size(), std::size_t(3));
            QCOMPARE(e.document->caption(), stored.caption);
            // Ours is one undo away, and saving it then is an ordinary edit.
            e.document->undoStack()->undo();
            QCOMPARE(e.document->caption(), std::string("a red circle near a blue square"));
            QVERIFY(e.saver->flush());
            QCOMPARE(st::getSample(*e.store, 1)->caption, std::string("a red circle near a blue square"));
        }
    }

    // Opened while another program writes the store, the editor cannot save; once that program closes the store,
    // the edits waiting in the editor are saved.
    void editsWaitForAnotherWriterToLetGo() {
        const QString path = newStorePath();
        makeStore(path, 2).reset();
        const QByteArray lockPath = QFile::encodeName(path) + ".lock";
        const int other = ::open(lockPath.constData(), O_RDWR | O_CREAT, 0644);
        QVERIFY(other >= 0);
        QCOMPARE(::flock(other, LOCK_EX | LOCK_NB), 0);
        const std::string holder = "other-program, pid 1\n";
        QCOMPARE(::ftruncate(other, 0), 0);
        QCOMPARE(::pwrite(other, holder.data(), holder.size(), 0), static_cast<ssize_t>(holder.size()));

        auto store = std::make_shared<st::AnnotationStore>(path.toStdString());
        QVERIFY(store->readOnly());
        QCOMPARE(store->whyReadOnly(), std::string("other-program, pid 1 has it open for writing"));
        AnnotationDocument document;
        document.open(*st::getSample(*store, 1));
        AnnotationSaver saver(&document);
        saver.setDelayMs(60000);
        saver.setPollIntervalMs(0);
        saver.setStore(store);
        document.undoStack()->push(new SetReviewCommand(&document, st::ReviewState::Accepted));
        QVERIFY(!saver.flush());
        QVERIFY2(saver.lastError().contains(QStringLiteral("other-program, pid 1 has it open for writing")),
                 qPrintable(saver.lastError()));

        ::close(other);   // the other program ends
        QVERIFY2(saver.flush(), qPrintable(saver.lastError()));
        st::AnnotationStore reader(path.toStdString());
        QCOMPARE(st::getSample(reader, 1)->review, st::ReviewState::Accepted);
    }

    void deletedSampleIsReportedNotLost() {
        Editor e = openEditor(60000);
        QSignalSpy failed(e.saver.get(), &AnnotationSaver::saveFailed);
        e.document->undoStack()->push(new SetReviewCommand(e.document.get(), st::ReviewState::Accepted));
        {
            st::AnnotationStore other(e.path.toStdString());
            st::deleteSample(other, 1, "human:other");
        }
        QVERIFY(!e.saver->flush());
        QVERIFY(!failed.isEmpty());
        QCOMPARE(e.saver->state(), AnnotationSaver::State::Failed);
        QVERIFY(e.saver->hasUnsavedChanges());   // still in the editor
        QCOMPARE(e.document->review(), st::ReviewState::Accepted);
    }

    void writerKilledMidEditLeavesEveryAcknowledgedEdit() {
        const QString path = newStorePath();
        makeStore(path, 2);
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::SeparateChannels);
        child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--edit-child"), path, QStringLiteral("1")});
        QVERIFY(child.waitForStarted());
        int acked = 0;
        int acks = 0;
        QByteArray pending;
        QElapsedTimer timer;
        timer.start();
        while (acks < kAcksBeforeKill && timer.elapsed() < kChildTimeoutMs && child.state() == QProcess::Running) {
            child.waitForReadyRead(200);
            pending += child.readAllStandardOutput();
            qsizetype newline;
            while ((newline = pending.indexOf('\n')) >= 0) {
                const QByteArray line = pending.left(newline).trimmed();
                pending.remove(0, newline + 1);
                if (!line.startsWith("ack ")) continue;
                acked = std::max(acked, line.mid(4).toInt());
                ++acks;
            }
        }
        QVERIFY2(acks >= kAcksBeforeKill, child.readAllStandardError().constData());
        QVERIFY(child.state() == QProcess::Running);
        ::kill(static_cast<pid_t>(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        qInfo("killed after %d acknowledged saves (%d boxes)", acks, acked);

        // The store is sound and holds every edit acknowledged before the kill, in order.
        st::AnnotationStore store(path.toStdString());
        const st::CheckReport report = st::checkStore(store);
        QVERIFY2(report.integrity.empty(), report.integrity.empty() ? "" : report.integrity.front().c_str());
        QVERIFY(report.ok());
        const st::Sample sample = *st::getSample(store, 1);
        const std::vector<kosmos::Box>& boxes = sample.entities[0].boxes;
        qInfo("%d boxes stored", static_cast<int>(boxes.size()));
        QVERIFY2(static_cast<int>(boxes.size()) >= acked,
                 qPrintable(QStringLiteral("%1 boxes stored, %2 acknowledged").arg(boxes.size()).arg(acked)));
        QVERIFY(nearBox(boxes[0], shapesSample("x").entities[0].boxes[0]));
        for (std::size_t i = 1; i < boxes.size(); ++i) QVERIFY(nearBox(boxes[i], childBox(static_cast<int>(i))));
        const std::vector<st::ChangeRecord> history = st::sampleHistory(store, 1, 100000);
        const auto byChild = std::count_if(history.begin(), history.end(),
                                           [](const st::ChangeRecord& c) { return c.actor == "human:child"; });
        QVERIFY(byChild >= acks);
        QCOMPARE(st::getSample(store, 2)->entities.size(), std::size_t(2));   // the other sample untouched

        // Editing goes on after the crash.
        AnnotationDocument document;
        document.open(sample);
        AnnotationSaver saver(&document);
        saver.setStore(std::make_shared<st::AnnotationStore>(path.toStdString()));
        document.undoStack()->push(new SetReviewCommand(&document, st::ReviewState::Corrected));
        QVERIFY(saver.flush());
        QCOMPARE(st::getSample(store, 1)->review, st::ReviewState::Corrected);
    }
};

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "--edit-child") == 0) return runEditChild(argc, argv);
    QApplication app(argc, argv);
    TestAnnotationSaving test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "test_annotation_saving.moc"
