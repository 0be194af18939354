// Editing a stored sample: each command's undo and redo, a drag and consecutive nudges as one undo
// step, caption edits moving or flagging spans, the canvas tools driven by mouse and keyboard, the
// caption selection as the phrase new boxes and links go to, review actions, and model assistance
// (suggestions from a result, re-grounding a phrase with the tiny fixture model).
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QListWidget>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include "annotation_test_support.h"
#include "ui/canvas/imagecanvas.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/annotationresult.h"
#include "ui/document/captionedit.h"
#include "ui/document/commands/addboxcommand.h"
#include "ui/document/commands/changeboxescommand.h"
#include "ui/document/commands/editcaptioncommand.h"
#include "ui/document/commands/linkboxcommand.h"
#include "ui/document/commands/removeboxescommand.h"
#include "ui/document/commands/removeentitiescommand.h"
#include "ui/document/commands/replaceboxescommand.h"
#include "ui/document/commands/replacestatecommand.h"
#include "ui/document/commands/setreviewcommand.h"
#include "ui/document/commands/suggestioncommands.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"
#include "ui/inference/generationrunner.h"
#include "ui/inference/modelcontroller.h"
#include "ui/panels/entitytableview.h"
#include "ui/panels/captionview.h"
#include "ui/panels/generationsettingswidget.h"
#include "ui/panels/promptpanel.h"
#include "ui/panels/resultspanel.h"
#include "ui/review/annotationpanel.h"
#include "ui/review/annotationsession.h"
#include "ui/review/editactions.h"
#include "ui/review/modelassist.h"
#include "ui/review/suggestionlist.h"
#include "ui/store/annotationsaver.h"

using namespace kosmos::ui;
using namespace kosmos::ui::test;

namespace {

constexpr int kLoadTimeoutMs = 120000;
constexpr int kRunTimeoutMs = 240000;

// The records of the document's entities, for comparing whole states.
std::vector<st::EntityRecord> records(const AnnotationDocument& document) {
    std::vector<st::EntityRecord> out;
    for (const EditEntity& e : document.entities()) out.push_back(e.record);
    return out;
}

bool sameRecords(const std::vector<st::EntityRecord>& a, const std::vector<st::EntityRecord>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const st::EntityRecord& x = a[i];
        const st::EntityRecord& y = b[i];
        if (x.spanStart != y.spanStart || x.spanEnd != y.spanEnd || x.phrase != y.phrase || x.boxes != y.boxes ||
            x.source != y.source || x.confidence != y.confidence || x.author != y.author)
            return false;
    }
    return true;
}

st::Sample storedShapes() {
    st::Sample s = shapesSample("k");
    s.id = 7;
    s.revision = 3;
    return s;
}

void sendMouse(QWidget* viewport, QEvent::Type type, const QPointF& pos, Qt::MouseButtons buttons,
               Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    const Qt::MouseButton button = type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton;
    QMouseEvent event(type, pos, viewport->mapToGlobal(pos), button, buttons, modifiers);
    QApplication::sendEvent(viewport, &event);
}

// A left-button drag in `steps` moves.
void drag(QWidget* viewport, QPointF from, QPointF to, int steps = 6, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    sendMouse(viewport, QEvent::MouseButtonPress, from, Qt::LeftButton, modifiers);
    for (int i = 1; i <= steps; ++i)
        sendMouse(viewport, QEvent::MouseMove, from + (to - from) * (double(i) / steps), Qt::LeftButton, modifiers);
    sendMouse(viewport, QEvent::MouseButtonRelease, to, Qt::NoButton, modifiers);
}

} // namespace

class TestAnnotationEditing : public QObject {
    Q_OBJECT

private:
    QTemporaryDir mSettingsDir;
    QTemporaryDir mWork;
    int mStoreSerial = 0;

    // A window editing sample 1 of a fresh store of `count` samples.
    std::shared_ptr<st::AnnotationStore> openWindowOnStore(TestWindow& window, int count = 3) {
        const QString path = mWork.filePath(QStringLiteral("edit-%1.kosmosdb").arg(++mStoreSerial));
        std::shared_ptr<st::AnnotationStore> store = makeStore(path, count);
        if (!showOnScreen(window)) return nullptr;
        window.setStore(store);
        if (!window.openSample(1)) return nullptr;
        return store;
    }

    static QPointF onScreen(ImageCanvas* canvas, const kosmos::Box& box, QPointF unitPoint) {
        const QRectF r = canvas->sceneRectOf(box);
        return canvas->mapFromScene(QPointF(r.left() + r.width() * unitPoint.x(), r.top() + r.height() * unitPoint.y()));
    }

private slots:
    void initTestCase() {
        QVERIFY(mSettingsDir.isValid());
        QVERIFY(mWork.isValid());
        isolateSettings(mSettingsDir);
    }

    // ------------------------------------------------------------------------------------- caption edits

    void captionEditMovesSpans_data() {
        QTest::addColumn<QString>("before");
        QTest::addColumn<QString>("after");
        QTest::addColumn<int>("start");
        QTest::addColumn<int>("end");
        QTest::addColumn<int>("newStart");
        QTest::addColumn<int>("newEnd");
        QTest::addColumn<bool>("cut");
        // Span "dog" [6, 9) of "a big dog runs".
        const QString text = QStringLiteral("a big dog runs");
        QTest::newRow("insert before") << text << QStringLiteral("see a big dog runs") << 6 << 9 << 10 << 13 << false;
        QTest::newRow("insert at start") << text << QStringLiteral("a big hotdog runs") << 6 << 9 << 9 << 12 << false;
        QTest::newRow("insert after") << text << QStringLiteral("a big dog quickly runs") << 6 << 9 << 6 << 9 << false;
        QTest::newRow("typo inside") << text << QStringLiteral("a big dgo runs") << 6 << 9 << 6 << 9 << false;
        QTest::newRow("grows inside") << text << QStringLiteral("a big drog runs") << 6 << 9 << 6 << 10 << false;
        QTest::newRow("delete before") << text << QStringLiteral("a dog runs") << 6 << 9 << 2 << 5 << false;
        QTest::newRow("cut through start") << text << QStringLiteral("a biog runs") << 6 << 9 << 4 << 6 << true;
        QTest::newRow("cut through end") << text << QStringLiteral("a big doruns") << 6 << 9 << 6 << 8 << true;
        QTest::newRow("phrase replaced") << text << QStringLiteral("a big cat runs") << 6 << 9 << 6 << 9 << true;
        QTest::newRow("phrase deleted") << text << QStringLiteral("a big  runs") << 6 << 9 << 6 << 6 << true;
        QTest::newRow("unicode before") << QStringLiteral("a dog") << QStringLiteral("ein 🐕 a dog") << 2 << 5 << 8 << 11 << false;
    }

    void captionEditMovesSpans() {
        QFETCH(QString, before);
        QFETCH(QString, after);
        QFETCH(int, start);
        QFETCH(int, end);
        const CaptionEdit edit = diffCaptions(before.toStdU32String(), after.toStdU32String());
        const SpanUpdate update = updateSpan(start, end, edit);
        QTEST(update.start, "newStart");
        QTEST(update.end, "newEnd");
        QTEST(update.cut, "cut");
    }

    void editCaptionCommandFollowsAndFlags() {
        AnnotationDocument document;
        document.open(storedShapes());
        const auto original = records(document);
        QUndoStack* stack = document.undoStack();

        // "a" -> "one": the first phrase grows with the edit inside it, the second shifts.
        stack->push(new EditCaptionCommand(&document, "one red circle next to a blue square"));
        QCOMPARE(document.entities()[0].record.phrase, std::string("one red circle"));
        QCOMPARE(document.entities()[0].record.spanEnd, 14);
        QVERIFY(!document.entities()[0].spanCut);
        QCOMPARE(document.entities()[1].record.spanStart, 23);
        QCOMPARE(document.entities()[1].record.phrase, std::string("a blue square"));
        stack->undo();
        QCOMPARE(document.caption(), std::string("a red circle next to a blue square"));
        QVERIFY(sameRecords(records(document), original));

        // Deleting "circle " cuts through the first phrase's end: what is left is kept and flagged.
        auto* cut = new EditCaptionCommand(&document, "a red next to a blue square");
        QCOMPARE(cut->cutSpans(), 1);
        stack->push(cut);
        QVERIFY(document.entities()[0].spanCut);
        QCOMPARE(document.entities()[0].record.phrase, std::string("a red "));
        QVERIFY(!document.entities()[1].spanCut);
        QCOMPARE(document.entities()[1].record.phrase, std::string("a blue square"));
        QCOMPARE(document.toSample().caption, std::string("a red next to a blue square"));
        QVERIFY(st::validateSample(document.toSample()).empty());
        stack->undo();
        QVERIFY(!document.entities()[0].spanCut);
        QVERIFY(sameRecords(records(document), original));
        stack->redo();
        QVERIFY(document.entities()[0].spanCut);

        // Removing a whole phrase unlinks it: its box stays, but it is not stored until linked again.
        stack->push(new EditCaptionCommand(&document, "a red next to"));
        QVERIFY(!document.entities()[1].linked());
        QCOMPARE(document.toSample().entities.size(), std::size_t(1));
        QCOMPARE(document.incompleteEntityCount(), 1);
        stack->undo();
        stack->undo();
        QVERIFY(sameRecords(records(document), original));
    }

    // ------------------------------------------------------------------------------------- box commands

    void changeBoxesUndoRedo() {
        AnnotationDocument document;
        document.setAuthor("tester");
        document.open(storedShapes());
        const quint64 uid = document.entities()[0].uid;
        const kosmos::Box moved{0.2, 0.3, 0.5, 0.6};
        document.undoStack()->push(new ChangeBoxesCommand(&document, {{{uid, 0}, moved}}, ChangeBoxesCommand::Kind::Move, 1));
        QVERIFY(nearBox(document.entities()[0].record.boxes[0], moved));
        // A person's correction: source human, no model score.
        QCOMPARE(document.entities()[0].record.source, st::EntitySource::Human);
        QCOMPARE(document.entities()[0].record.author, std::string("tester"));
        QVERIFY(!document.entities()[0].record.confidence);
        document.undoStack()->undo();
        QVERIFY(nearBox(document.entities()[0].record.boxes[0], {0.1, 0.2, 0.4, 0.5}));
        QCOMPARE(document.entities()[0].record.source, st::EntitySource::Imported);
        QCOMPARE(*document.entities()[0].record.confidence, 0.9);
        document.undoStack()->redo();
        QVERIFY(nearBox(document.entities()[0].record.boxes[0], moved));
    }

    void dragStepsMergeIntoOneUndoStep() {
        AnnotationDocument document;
        document.open(storedShapes());
        QUndoStack* stack = document.undoStack();
        const quint64 uid = document.entities()[0].uid;
        const kosmos::Box start = document.entities()[0].record.boxes[0];
        for (int i = 1; i <= 5; ++i) {
            const double d = 0.01 * i;
            stack->push(new ChangeBoxesCommand(&document, {{{uid, 0}, {start[0] + d, start[1], start[2] + d, start[3]}}},
                                               ChangeBoxesCommand::Kind::Move, 1));
        }
        QCOMPARE(stack->count(), 1);
        QVERIFY(near(document.entities()[0].record.boxes[0][0], start[0] + 0.05));
        // A second drag is a second step.
        stack->push(new ChangeBoxesCommand(&document, {{{uid, 0}, {0.0, 0.0, 0.3, 0.3}}}, ChangeBoxesCommand::Kind::Move, 2));
        QCOMPARE(stack->count(), 2);
        stack->undo();
        QVERIFY(near(document.entities()[0].record.boxes[0][0], start[0] + 0.05));
        stack->undo();
        QVERIFY(nearBox(document.entities()[0].record.boxes[0], start));
        QCOMPARE(stack->count(), 2);

        // A drag that ends where it began leaves no step behind (the entity is a person's already).
        AnnotationDocument human;
        st::Sample s = storedShapes();
        s.entities[0].source = st::EntitySource::Human;
        s.entities[0].confidence.reset();
        human.open(s);
        const quint64 h = human.entities()[0].uid;
        const kosmos::Box b = human.entities()[0].record.boxes[0];
        human.undoStack()->push(new ChangeBoxesCommand(&human, {{{h, 0}, {b[0] + 0.1, b[1], b[2] + 0.1, b[3]}}},
                                                       ChangeBoxesCommand::Kind::Move, 5));
        human.undoStack()->push(new ChangeBoxesCommand(&human, {{{h, 0}, b}}, ChangeBoxesCommand::Kind::Move, 5));
        QCOMPARE(human.undoStack()->count(), 0);
        QVERIFY(nearBox(human.entities()[0].record.boxes[0], b));
    }

    void consecutiveNudgesMerge() {
        AnnotationDocument document;
        document.open(storedShapes());
        QUndoStack* stack = document.undoStack();
        const quint64 uid = document.entities()[1].uid;
        kosmos::Box box = document.entities()[1].record.boxes[0];
        for (int i = 0; i < 4; ++i) {
            box[0] += 0.001;
            box[2] += 0.001;
            stack->push(new ChangeBoxesCommand(&document, {{{uid, 0}, box}}, ChangeBoxesCommand::Kind::Nudge));
        }
        QCOMPARE(stack->count(), 1);
        QCOMPARE(stack->text(0), QStringLiteral("Nudge Box"));
        // Another edit in between starts a new nudge step.
        stack->push(new SetReviewCommand(&document, st::ReviewState::Corrected));
        box[1] += 0.002;
        stack->push(new ChangeBoxesCommand(&document, {{{uid, 0}, box}}, ChangeBoxesCommand::Kind::Nudge));
        QCOMPARE(stack->count(), 3);
        // Nudging another box is another step too.
        const quint64 other = document.entities()[0].uid;
        stack->push(new ChangeBoxesCommand(&document, {{{other, 0}, {0.1, 0.2, 0.41, 0.5}}}, ChangeBoxesCommand::Kind::Nudge));
        QCOMPARE(stack->count(), 4);
        stack->setIndex(0);
        QVERIFY(nearBox(document.entities()[1].record.boxes[0], {0.5, 0.5, 0.9, 0.9}));
        QCOMPARE(document.review(), st::ReviewState::Unreviewed);
    }

    void addBoxCommands() {
        AnnotationDocument document;
        document.open(storedShapes());
        const auto original = records(document);
        QUndoStack* stack = document.undoStack();

        // For a span of the caption: a new entity, a person's, with the caption's text as phrase.
        auto* add = new AddBoxCommand(&document, {0.0, 0.0, 0.1, 0.1}, 2, 5);
        QCOMPARE(add->text(), QStringLiteral("Add Entity"));
        stack->push(add);
        QCOMPARE(document.entities().size(), std::size_t(3));
        QCOMPARE(document.entities()[2].record.phrase, std::string("red"));
        QCOMPARE(document.entities()[2].record.source, st::EntitySource::Human);
        // For the same span again: the phrase owns two boxes.
        stack->push(new AddBoxCommand(&document, {0.2, 0.2, 0.3, 0.3}, 2, 5));
        QCOMPARE(document.entities().size(), std::size_t(3));
        QCOMPARE(document.entities()[2].record.boxes.size(), std::size_t(2));
        // To a chosen entity.
        stack->push(new AddBoxCommand(&document, {0.6, 0.1, 0.7, 0.2}, 0, 0, document.entities()[1].uid));
        QCOMPARE(document.entities()[1].record.boxes.size(), std::size_t(2));
        // Without a span: kept here, not stored until linked.
        stack->push(new AddBoxCommand(&document, {0.3, 0.3, 0.35, 0.4}, 0, 0));
        QCOMPARE(document.entities().size(), std::size_t(4));
        QVERIFY(!document.entities()[3].linked());
        QCOMPARE(document.toSample().entities.size(), std::size_t(3));
        QVERIFY(st::validateSample(document.toSample()).empty());
        QCOMPARE(stack->count(), 4);
        stack->setIndex(0);
        QVERIFY(sameRecords(records(document), original));
        stack->setIndex(4);
        QCOMPARE(document.entities().size(), std::size_t(4));
        QCOMPARE(document.entities()[2].record.boxes.size(), std::size_t(2));
    }

    void removeBoxesAndEntities() {
        AnnotationDocument document;
        document.open(storedShapes());
        QUndoStack* stack = document.undoStack();
        const quint64 first = document.entities()[0].uid;
        stack->push(new AddBoxCommand(&document, {0.0, 0.0, 0.1, 0.1}, 0, 0, first));
        const auto withTwo = records(document);

        // One of two boxes: the entity stays.
        stack->push(new RemoveBoxesCommand(&document, {{first, 0}}));
        QCOMPARE(document.entities().size(), std::size_t(2));
        QCOMPARE(document.entities()[0].record.boxes.size(), std::size_t(1));
        QVERIFY(nearBox(document.entities()[0].record.boxes[0], {0.0, 0.0, 0.1, 0.1}));
        // The last box takes the entity with it.
        stack->push(new RemoveBoxesCommand(&document, {{first, 0}}));
        QCOMPARE(document.entities().size(), std::size_t(1));
        QVERIFY(!document.entity(first));
        stack->undo();
        stack->undo();
        QVERIFY(sameRecords(records(document), withTwo));
        QCOMPARE(document.entities()[0].uid, first);   // the same entity, for selections and later commands

        // Removing whole entities.
        const quint64 second = document.entities()[1].uid;
        stack->push(new RemoveEntitiesCommand(&document, {first, second}));
        QVERIFY(document.entities().empty());
        QVERIFY(document.toSample().entities.empty());
        stack->undo();
        QVERIFY(sameRecords(records(document), withTwo));
    }

    // GRIT lists an object twice, as a noun chunk and as a referring expression with the same span and box:
    // moving, deleting or removing one changes both in one undo step, they share a colour, and the table
    // says which is the referring expression.
    void nounChunkAndReferringExpressionTwinsMoveTogether() {
        st::Sample sample = storedShapes();
        st::EntityRecord twin = sample.entities[0];
        twin.kind = st::EntityKind::RefExp;
        sample.entities.push_back(twin);
        AnnotationDocument document;
        document.open(sample);
        QUndoStack* stack = document.undoStack();
        const quint64 noun = document.entities()[0].uid, other = document.entities()[1].uid,
                      refExp = document.entities()[2].uid;
        QCOMPARE(document.twinEntities(noun), QList<quint64>{refExp});
        QVERIFY(document.twinEntities(other).isEmpty());

        const kosmos::Box moved{0.2, 0.3, 0.5, 0.6};
        stack->push(new ChangeBoxesCommand(&document, {{{noun, 0}, moved}}, ChangeBoxesCommand::Kind::Move, 1));
        QVERIFY(nearBox(document.entity(refExp)->record.boxes[0], moved));
        QCOMPARE(stack->count(), 1);
        stack->undo();
        QVERIFY(nearBox(document.entity(refExp)->record.boxes[0], {0.1, 0.2, 0.4, 0.5}));
        stack->redo();

        stack->push(new RemoveBoxesCommand(&document, {{refExp, 0}}));
        QVERIFY(!document.entity(noun) && !document.entity(refExp));
        QVERIFY(document.entity(other));
        stack->undo();
        stack->push(new RemoveEntitiesCommand(&document, {noun}));
        QCOMPARE(document.entities().size(), std::size_t(1));
        stack->undo();
        QCOMPARE(document.entities().size(), std::size_t(3));

        // A box linked to their phrase joins both, and they stay twins; one undo step takes it back out of both.
        stack->push(new AddBoxCommand(&document, {0.6, 0.6, 0.7, 0.7}, 0, 0));
        const quint64 loose = document.entities().back().uid;
        const st::EntityRecord nounRecord = document.entity(noun)->record;
        // Either twin's box linked to their own phrase changes nothing.
        auto* self = new LinkBoxCommand(&document, {refExp, 0}, nounRecord.spanStart, nounRecord.spanEnd);
        QVERIFY(!self->isEffective());
        delete self;
        stack->push(new LinkBoxCommand(&document, {loose, 0}, nounRecord.spanStart, nounRecord.spanEnd));
        QVERIFY(!document.entity(loose));
        QCOMPARE(document.entity(noun)->record.boxes.size(), std::size_t(2));
        QCOMPARE(document.entity(refExp)->record.boxes.size(), std::size_t(2));
        QCOMPARE(document.twinEntities(noun), QList<quint64>{refExp});
        // Their second box linked to another phrase leaves both for one new entity.
        stack->push(new LinkBoxCommand(&document, {refExp, 1}, 6, 12));
        QCOMPARE(document.entity(noun)->record.boxes.size(), std::size_t(1));
        QCOMPARE(document.entity(refExp)->record.boxes.size(), std::size_t(1));
        QCOMPARE(document.entities().back().record.phrase, std::string("circle"));
        stack->undo();
        stack->undo();
        QCOMPARE(document.entity(noun)->record.boxes.size(), std::size_t(1));
        QCOMPARE(document.entity(refExp)->record.boxes.size(), std::size_t(1));
        stack->undo();
        QCOMPARE(document.entities().size(), std::size_t(3));

        EntityListModel model;
        const AnnotationResult shown = annotationResult(document);
        model.setAnnotatedResult(shown.result, QSize(640, 480), shown.annotations);
        QCOMPARE(model.colorIndex(2), 0);
        QCOMPARE(model.colorIndex(1), 1);
        QCOMPARE(model.data(model.index(2, EntityListModel::PhraseColumn), EntityListModel::ColorRole),
                 model.data(model.index(0, EntityListModel::PhraseColumn), EntityListModel::ColorRole));
        QVERIFY(model.data(model.index(2, EntityListModel::PhraseColumn)).toString().endsWith(QStringLiteral("ref. exp.")));
        QVERIFY(!model.data(model.index(0, EntityListModel::PhraseColumn)).toString().contains(QStringLiteral("ref. exp.")));

        // Once they differ (a box of one moved on its own account), they are no longer twins.
        st::Sample apart = sample;
        apart.entities[2].boxes[0] = {0.0, 0.0, 0.2, 0.2};
        document.open(apart);
        QVERIFY(document.twinEntities(document.entities()[0].uid).isEmpty());
    }

    void linkBoxToSelectedText() {
        AnnotationDocument document;
        document.open(storedShapes());
        QUndoStack* stack = document.undoStack();
        stack->push(new AddBoxCommand(&document, {0.3, 0.3, 0.35, 0.4}, 0, 0));
        const quint64 loose = document.entities()[2].uid;
        QCOMPARE(document.incompleteEntityCount(), 1);

        // A box without a phrase gets one: "circle" [6, 12).
        auto* link = new LinkBoxCommand(&document, {loose, 0}, 6, 12);
        QVERIFY(link->isEffective());
        stack->push(link);
        QCOMPARE(document.entity(loose)->record.phrase, std::string("circle"));
        QCOMPARE(document.incompleteEntityCount(), 0);
        QCOMPARE(document.toSample().entities.size(), std::size_t(3));

        // Linking it to the span an entity has joins that entity (a phrase with two boxes).
        stack->push(new LinkBoxCommand(&document, {loose, 0}, 21, 34));
        QCOMPARE(document.entities().size(), std::size_t(2));
        QCOMPARE(document.entities()[1].record.boxes.size(), std::size_t(2));
        QVERIFY(nearBox(document.entities()[1].record.boxes[1], {0.3, 0.3, 0.35, 0.4}));

        // One box of a two-box phrase to another span: it leaves the phrase for a new entity.
        const quint64 square = document.entities()[1].uid;
        stack->push(new LinkBoxCommand(&document, {square, 1}, 23, 27));
        QCOMPARE(document.entities().size(), std::size_t(3));
        QCOMPARE(document.entity(square)->record.boxes.size(), std::size_t(1));
        QCOMPARE(document.entities()[2].record.phrase, std::string("blue"));

        QCOMPARE(stack->count(), 4);
        stack->undo();
        QCOMPARE(document.entity(square)->record.boxes.size(), std::size_t(2));
        stack->undo();
        QCOMPARE(document.entity(loose)->record.phrase, std::string("circle"));
        stack->undo();
        QVERIFY(!document.entity(loose)->linked());
        // A link to where it already is does nothing.
        auto* same = new LinkBoxCommand(&document, {square, 0}, 21, 34);
        QVERIFY(!same->isEffective());
        delete same;
    }

    // The suggestion list says which model made the suggestions on screen (they stay when another is loaded).
    void suggestionListNamesTheirModel() {
        AnnotationDocument document;
        document.open(storedShapes());
        QWidget window;
        EditActions actions(&window, document.undoStack());
        SuggestionList list(&document, &actions);
        QCOMPARE(list.list()->count(), 1);   // the hint to ask the model
        st::EntityRecord a = entityRecord(6, 12, "circle", {0.1, 0.1, 0.2, 0.2}, st::EntitySource::Model, 0.7);
        a.modelCheckpoint = "/models/demo-model";
        st::EntityRecord b = entityRecord(28, 34, "square", {0.6, 0.6, 0.8, 0.8}, st::EntitySource::Model, 0.3);
        b.modelCheckpoint = "/models/tuned";
        document.setSuggestions({a, b});
        QCOMPARE(list.list()->count(), 3);
        QCOMPARE(list.list()->item(0)->text(), QStringLiteral("Suggested by demo-model, tuned:"));
        QCOMPARE(list.list()->item(0)->flags(), Qt::NoItemFlags);
        QVERIFY(list.list()->item(1)->text().startsWith(QStringLiteral("circle")));
        list.list()->selectAll();
        QCOMPARE(list.chosen().size(), 2);
    }

    void reviewSuggestionsReplaceUndoRedo() {
        AnnotationDocument document;
        document.open(storedShapes());
        QUndoStack* stack = document.undoStack();
        const auto original = records(document);

        stack->push(new SetReviewCommand(&document, st::ReviewState::Accepted));
        QCOMPARE(document.toSample().review, st::ReviewState::Accepted);
        stack->undo();
        QCOMPARE(document.review(), st::ReviewState::Unreviewed);
        stack->redo();
        QCOMPARE(document.review(), st::ReviewState::Accepted);

        // Suggestions: accepting one makes it an entity, rejecting drops it; undo puts them back in place.
        st::EntityRecord a = entityRecord(6, 12, "circle", {0.1, 0.1, 0.2, 0.2}, st::EntitySource::Model, 0.7);
        st::EntityRecord b = entityRecord(28, 34, "square", {0.6, 0.6, 0.8, 0.8}, st::EntitySource::Model, 0.3);
        document.setSuggestions({a, b});
        const quint64 sa = document.suggestions()[0].uid;
        const quint64 sb = document.suggestions()[1].uid;
        stack->push(new AcceptSuggestionsCommand(&document, {sb}));
        QCOMPARE(document.entities().size(), std::size_t(3));
        QCOMPARE(document.entities()[2].record.phrase, std::string("square"));
        QCOMPARE(document.entities()[2].record.source, st::EntitySource::Model);
        QCOMPARE(document.suggestions().size(), std::size_t(1));
        stack->push(new RejectSuggestionsCommand(&document, {sa}));
        QVERIFY(document.suggestions().empty());
        stack->undo();
        stack->undo();
        QCOMPARE(document.suggestions().size(), std::size_t(2));
        QCOMPARE(document.suggestions()[0].uid, sa);
        QCOMPARE(document.suggestions()[1].uid, sb);
        QVERIFY(sameRecords(records(document), original));
        stack->redo();
        QCOMPARE(document.entities().size(), std::size_t(3));

        // Re-grounding replaces one box with the model's.
        const quint64 circle = document.entities()[0].uid;
        ReplaceBoxesCommand::ModelAnswer answer{{{0.15, 0.25, 0.45, 0.55}}, 0.66, "ckpt", "<grounding><phrase> a red circle</phrase>"};
        stack->push(new ReplaceBoxesCommand(&document, circle, -1, answer));
        QVERIFY(nearBox(document.entity(circle)->record.boxes[0], {0.15, 0.25, 0.45, 0.55}));
        QCOMPARE(document.entity(circle)->record.source, st::EntitySource::Model);
        QCOMPARE(document.entity(circle)->record.modelCheckpoint, std::string("ckpt"));
        stack->undo();
        QVERIFY(nearBox(document.entity(circle)->record.boxes[0], {0.1, 0.2, 0.4, 0.5}));

        // Taking over a stored version; undo brings ours back.
        st::Sample theirs = storedShapes();
        theirs.caption = "two squares";
        theirs.entities = {entityRecord(4, 11, "squares", {0.0, 0.0, 0.5, 0.5})};
        const auto ours = records(document);
        stack->push(new ReplaceStateCommand(&document, theirs, QStringLiteral("Changes by model")));
        QCOMPARE(document.caption(), std::string("two squares"));
        QCOMPARE(document.entities().size(), std::size_t(1));
        stack->undo();
        QCOMPARE(document.caption(), std::string("a red circle next to a blue square"));
        QVERIFY(sameRecords(records(document), ours));
    }

    void suggestionsFromModelResult() {
        kosmos::GenerationResult result;
        result.caption = "a red circle and a tree";
        kosmos::GroundedEntity circle{"a red circle", {0, 12}, {}};
        kosmos::BoxDetail d1;
        d1.box = {0.1, 0.1, 0.3, 0.3};
        d1.confidence = 0.8;
        kosmos::BoxDetail d2;
        d2.box = {0.5, 0.1, 0.7, 0.3};
        d2.confidence = 0.6;
        circle.boxes = {d1, d2};
        kosmos::GroundedEntity tree{"a tree", {17, 23}, {d1}};
        result.entities = {circle, tree};

        const std::string caption = "Here: A Red Circle next to a blue square";
        const auto suggestions = ModelAssist::suggestionsFrom(result, caption, "ckpt", "<grounding>An image of");
        QCOMPARE(suggestions.size(), std::size_t(2));
        // Placed at the phrase in the sample's caption (case aside), scored by its weakest box.
        QCOMPARE(suggestions[0].spanStart, 6);
        QCOMPARE(suggestions[0].spanEnd, 18);
        QCOMPARE(suggestions[0].phrase, std::string("A Red Circle"));
        QCOMPARE(suggestions[0].boxes.size(), std::size_t(2));
        QCOMPARE(*suggestions[0].confidence, 0.6);
        QCOMPARE(suggestions[0].source, st::EntitySource::Model);
        QCOMPARE(suggestions[0].modelCheckpoint, std::string("ckpt"));
        // Not in the caption: no span (linked by hand if accepted).
        QCOMPARE(suggestions[1].spanEnd, suggestions[1].spanStart);
        // A sample without a caption takes the model's spans.
        const auto bare = ModelAssist::suggestionsFrom(result, "", "ckpt", "p");
        QCOMPARE(bare[1].spanStart, 17);
        QCOMPARE(bare[1].spanEnd, 23);
    }

    void acceptingWithoutCaptionTakesTheModelCaption() {
        AnnotationDocument document;
        st::Sample empty = storedShapes();
        empty.caption.clear();
        empty.entities.clear();
        document.open(empty);
        GenerationRunner runner;
        ModelController models;
        ModelAssist assist(&document, &runner, &models);
        kosmos::GenerationResult result;
        result.caption = "a red circle";
        kosmos::BoxDetail d;
        d.box = {0.1, 0.1, 0.3, 0.3};
        d.confidence = 0.5;
        result.entities = {kosmos::GroundedEntity{"a red circle", {0, 12}, {d}}};
        document.setSuggestions(ModelAssist::suggestionsFrom(result, "", "ckpt", "p"), result.caption);
        assist.acceptAll();
        QCOMPARE(document.caption(), std::string("a red circle"));
        QCOMPARE(document.entities().size(), std::size_t(1));
        QVERIFY(document.entities()[0].complete());
        QVERIFY(st::validateSample(document.toSample()).empty());
        QCOMPARE(document.undoStack()->count(), 1);   // one step: caption and entities
        document.undoStack()->undo();
        QVERIFY(document.caption().empty());
        QCOMPARE(document.suggestions().size(), std::size_t(1));
    }

    // ------------------------------------------------------------------------------------- in the window

    // Every dock shown while editing fits a 1366 × 768 laptop screen, and opening a sample gives the annotation
    // tab room for its tools (the panel itself scrolls when the column is shorter).
    void windowFitsASmallScreenWhileEditing() {
        TestWindow window;
        QVERIFY(openWindowOnStore(window));
        QVERIFY(window.minimumSizeHint().height() <= 740);
        QVERIFY(window.minimumSizeHint().width() <= 1280);
        QDockWidget* dock = window.annotationSession()->annotationDock();
        QVERIFY(dock->isVisible());
        QVERIFY(!dock->visibleRegion().isEmpty());
        QTest::qWait(50);   // the dock layout settles
        // The annotation panel shares its tab group with the prompt and the model, not a strip above them.
        QVERIFY2(dock->height() >= 300, qPrintable(QString::number(dock->height())));
        // And it is wide enough for its buttons (no sideways scrolling to reach Next Unreviewed).
        const int panelWidth = window.annotationSession()->panel()->minimumSizeHint().width();
        QVERIFY2(dock->width() >= panelWidth, qPrintable(QStringLiteral("%1 < %2").arg(dock->width()).arg(panelWidth)));
    }

    void canvasDragIsOneUndoStep() {
        TestWindow window;
        QVERIFY(openWindowOnStore(window));
        AnnotationSession* session = window.annotationSession();
        AnnotationDocument* document = session->document();
        QVERIFY(document->isOpen());
        QCOMPARE(document->sampleId(), qint64(1));
        ImageCanvas* canvas = window.canvas();
        QVERIFY(canvas->editingAnnotation());
        QCOMPARE(canvas->boxItems().size(), 2);
        QUndoStack* stack = document->undoStack();
        const kosmos::Box start = document->entities()[0].record.boxes[0];

        // Drag the box by its middle: six mouse moves, one undo step.
        const QPointF from = onScreen(canvas, start, {0.5, 0.5});
        const QPointF to = from + QPointF(40, 25);
        drag(canvas->viewport(), from, to);
        QCOMPARE(stack->count(), 1);
        QCOMPARE(stack->text(0), QStringLiteral("Move Box"));
        const kosmos::Box moved = document->entities()[0].record.boxes[0];
        const QRectF startRect = canvas->sceneRectOf(start);
        const QRectF movedRect = canvas->sceneRectOf(moved);
        const QPointF shift = movedRect.topLeft() - startRect.topLeft();
        const double scale = canvas->zoom() / canvas->devicePixelRatioF();
        QVERIFY2(std::abs(shift.x() - 40 / scale) < 1.5 / scale && std::abs(shift.y() - 25 / scale) < 1.5 / scale,
                 qPrintable(QStringLiteral("moved by %1, %2").arg(shift.x()).arg(shift.y())));
        QVERIFY(std::abs(movedRect.width() - startRect.width()) < 1e-6);
        QCOMPARE(session->selectedBoxes().size(), 1);   // the dragged box stays selected

        // Drag its bottom-right handle: a resize, another step; the top-left corner stays.
        const QPointF corner = onScreen(canvas, moved, {1.0, 1.0});
        drag(canvas->viewport(), corner, corner + QPointF(30, 20));
        QCOMPARE(stack->count(), 2);
        QCOMPARE(stack->text(1), QStringLiteral("Resize Box"));
        const kosmos::Box resized = document->entities()[0].record.boxes[0];
        QVERIFY(near(resized[0], moved[0]) && near(resized[1], moved[1]));
        QVERIFY(resized[2] > moved[2] && resized[3] > moved[3]);

        // Dragging the image pans and changes nothing.
        drag(canvas->viewport(), QPointF(5, 5), QPointF(60, 60));
        QCOMPARE(stack->count(), 2);

        stack->undo();
        QVERIFY(nearBox(document->entities()[0].record.boxes[0], moved));
        stack->undo();
        QVERIFY(nearBox(document->entities()[0].record.boxes[0], start));
        QCOMPARE(document->entities()[0].record.source, st::EntitySource::Imported);
    }

    void keyboardNudgeAndDelete() {
        TestWindow window;
        QVERIFY(openWindowOnStore(window));
        AnnotationSession* session = window.annotationSession();
        AnnotationDocument* document = session->document();
        ImageCanvas* canvas = window.canvas();
        QUndoStack* stack = document->undoStack();
        const quint64 square = document->entities()[1].uid;
        session->selectBoxes({{square, 0}});
        QCOMPARE(canvas->selectedBoxes().size(), 1);
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        canvas->setFocus();
        const QRectF before = canvas->sceneRectOf(document->entity(square)->record.boxes[0]);

        QTest::keyClick(canvas, Qt::Key_Right);
        QTest::keyClick(canvas, Qt::Key_Right);
        QTest::keyClick(canvas, Qt::Key_Up, Qt::ShiftModifier);
        QCOMPARE(stack->count(), 1);   // consecutive nudges of the same box: one step
        QCOMPARE(stack->text(0), QStringLiteral("Nudge Box"));
        const QRectF after = canvas->sceneRectOf(document->entity(square)->record.boxes[0]);
        QVERIFY(std::abs(after.left() - before.left() - 2) < 1e-6);
        QVERIFY(std::abs(after.top() - before.top() + 10) < 1e-6);
        QVERIFY(std::abs(after.width() - before.width()) < 1e-6);
        // The arrows edited the box instead of browsing images.
        QCOMPARE(document->sampleId(), qint64(1));

        // Alt+arrow resizes.
        QTest::keyClick(canvas, Qt::Key_Left, Qt::AltModifier);
        const QRectF smaller = canvas->sceneRectOf(document->entity(square)->record.boxes[0]);
        QVERIFY(std::abs(smaller.width() - after.width() + 1) < 1e-6);

        QTest::keyClick(canvas, Qt::Key_Delete);
        QVERIFY(!document->entity(square));
        QCOMPARE(canvas->boxItems().size(), 1);
        stack->undo();
        QVERIFY(document->entity(square));
        QCOMPARE(canvas->boxItems().size(), 2);
    }

    void drawBoxesForSelectedTextAndLink() {
        TestWindow window;
        QVERIFY(openWindowOnStore(window));
        AnnotationSession* session = window.annotationSession();
        AnnotationDocument* document = session->document();
        ImageCanvas* canvas = window.canvas();
        CaptionView* caption = window.resultsPanel()->captionView();
        EditActions* actions = session->actions();

        // Select "circle" in the caption, pick the draw tool, drag a rectangle: an entity for "circle".
        caption->selectCaptionSpan(6, 12);
        QCOMPARE(caption->textCursor().selectedText(), QStringLiteral("circle"));
        QCOMPARE(document->captionSelection(), std::make_pair(6, 12));
        actions->drawBoxTool->trigger();
        const QPointF origin = canvas->mapFromScene(QPointF(300, 60));
        drag(canvas->viewport(), origin, origin + QPointF(50, 40));
        QCOMPARE(document->entities().size(), std::size_t(3));
        const EditEntity& drawn = document->entities()[2];
        QCOMPARE(drawn.record.phrase, std::string("circle"));
        QCOMPARE(drawn.record.source, st::EntitySource::Human);
        QCOMPARE(session->selectedBoxes(), QList<BoxRef>({{drawn.uid, 0}}));
        QCOMPARE(window.document()->entities()->rowCount(), 3);
        // The caption's selection survived the redraw.
        QCOMPARE(caption->textCursor().selectedText(), QStringLiteral("circle"));

        // Without caption text selected, a box has no phrase yet; linking gives it one.
        caption->selectCaptionSpan(0, 0);
        const QPointF other = canvas->mapFromScene(QPointF(40, 300));
        drag(canvas->viewport(), other, other + QPointF(30, 30));
        QCOMPARE(document->incompleteEntityCount(), 1);
        const quint64 loose = document->entities()[3].uid;
        QCOMPARE(session->selectedBoxes(), QList<BoxRef>({{loose, 0}}));
        QVERIFY(window.resultsPanel()->entityTable()->model()->index(0, 0).isValid());
        caption->selectCaptionSpan(23, 27);   // "blue"
        actions->linkBox->trigger();
        QCOMPARE(document->incompleteEntityCount(), 0);
        QCOMPARE(document->entity(loose)->record.phrase, std::string("blue"));

        // Shift+drag adds a box to the selected entity.
        const QPointF third = canvas->mapFromScene(QPointF(500, 300));
        drag(canvas->viewport(), third, third + QPointF(30, 30), 4, Qt::ShiftModifier);
        QCOMPARE(document->entity(loose)->record.boxes.size(), std::size_t(2));

        // Remove Entity takes both boxes.
        session->selectBoxes({{loose, 1}});
        actions->removeEntities->trigger();
        QVERIFY(!document->entity(loose));
        actions->selectTool->trigger();

        // The annotation panel's caption field applies an edit through the undo stack.
        QLineEdit* edit = session->panel()->captionEdit();
        QCOMPARE(edit->text(), QStringLiteral("a red circle next to a blue square"));
        edit->setText(QStringLiteral("a red circle next to a big blue square"));
        QVERIFY(session->panel()->applyCaption());
        QCOMPARE(document->entities()[1].record.phrase, std::string("a big blue square"));
        QVERIFY(!document->entities()[1].spanCut);

        if (const QString shot = qEnvironmentVariable("KOSMOS_EDITING_SCREENSHOT"); !shot.isEmpty()) {
            session->selectBoxes({{document->entities()[0].uid, 0}});
            QTest::qWait(100);
            window.grab().save(shot);
        }
    }

    void reviewActionsAndNextUnreviewed() {
        TestWindow window;
        std::shared_ptr<st::AnnotationStore> store = openWindowOnStore(window, 4);
        QVERIFY(store);
        AnnotationSession* session = window.annotationSession();
        EditActions* actions = session->actions();
        QVERIFY(actions->accept->isEnabled());
        actions->accept->trigger();
        QCOMPARE(session->document()->review(), st::ReviewState::Accepted);
        // Sample 2 is reviewed elsewhere: "next unreviewed" skips it.
        st::setReviewState(*store, {2}, st::ReviewState::Rejected, "human:other");
        actions->nextUnreviewed->trigger();
        QCOMPARE(session->document()->sampleId(), qint64(3));
        // Leaving the sample saved its review state.
        QCOMPARE(st::getSample(*store, 1)->review, st::ReviewState::Accepted);
        actions->markCorrected->trigger();
        actions->nextUnreviewed->trigger();
        QCOMPARE(session->document()->sampleId(), qint64(4));
        actions->reject->trigger();
        actions->nextUnreviewed->trigger();   // none left: stays
        QCOMPARE(session->document()->sampleId(), qint64(4));
        QVERIFY(session->close());
        QCOMPARE(st::getSample(*store, 3)->review, st::ReviewState::Corrected);
        QCOMPARE(st::getSample(*store, 4)->review, st::ReviewState::Rejected);
        QVERIFY(!actions->accept->isEnabled());
    }

    void regroundWithTheModel() {
        TestWindow window;
        QVERIFY(openWindowOnStore(window));
        QSignalSpy ready(&window, &MainWindow::modelReady);
        QVERIFY(window.loadModel(fixtureDir()));
        QVERIFY(ready.wait(kLoadTimeoutMs));
        QVERIFY(ready.first().first().toBool());
        AnnotationSession* session = window.annotationSession();
        AnnotationDocument* document = session->document();
        // The random fixture model names a box right after the phrase only when constrained to.
        window.promptPanel()->settings()->setConstrainedGrounding(true);
        const quint64 circle = document->entities()[0].uid;
        session->selectBoxes({{circle, 0}});

        QSignalSpy jobs(window.runner(), &GenerationRunner::jobFinished);
        QSignalSpy busy(session->assist(), &ModelAssist::busyChanged);
        session->actions()->reground->trigger();
        QVERIFY(session->assist()->isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(!session->assist()->isBusy(), kRunTimeoutMs);
        QCOMPARE(jobs.count(), 1);
        const GenerationOutcome outcome = jobs.first().first().value<GenerationOutcome>();
        QVERIFY2(outcome.ok(), qPrintable(outcome.error));
        QCOMPARE(outcome.prompt, QStringLiteral("<grounding><phrase> a red circle</phrase>"));
        QVERIFY(!outcome.result.entities.empty() && !outcome.result.entities[0].boxes.empty());
        // The model's box replaced the old one, as one undo step.
        const st::EntityRecord& now = document->entity(circle)->record;
        QCOMPARE(now.boxes.size(), outcome.result.entities[0].boxes.size());
        QVERIFY(nearBox(now.boxes[0], outcome.result.entities[0].boxes[0].box));
        QCOMPARE(now.source, st::EntitySource::Model);
        QCOMPARE(now.modelPrompt, std::string("<grounding><phrase> a red circle</phrase>"));
        QCOMPARE(document->undoStack()->count(), 1);
        document->undoStack()->undo();
        QVERIFY(nearBox(document->entity(circle)->record.boxes[0], {0.1, 0.2, 0.4, 0.5}));

        // Asking the model with a phrase prompt: its entity comes back as a suggestion at that phrase.
        window.promptPanel()->setPrompt(QStringLiteral("<grounding><phrase> a blue square</phrase>"));
        QVERIFY(window.runPrompt());   // Run while a sample is open asks for suggestions
        QTRY_VERIFY_WITH_TIMEOUT(!session->assist()->isBusy(), kRunTimeoutMs);
        QVERIFY(!document->suggestions().empty());
        const EditEntity suggestion = document->suggestions()[0];
        QCOMPARE(suggestion.record.spanStart, 21);
        QCOMPARE(suggestion.record.spanEnd, 34);
        int suggestedBoxes = 0;
        for (const EditEntity& s : document->suggestions()) suggestedBoxes += static_cast<int>(s.record.boxes.size());
        QCOMPARE(window.document()->entities()->rowCount(), 2 + suggestedBoxes);   // shown with the entities
        const std::size_t count = document->suggestions().size();
        session->actions()->acceptAllSuggestions->trigger();
        QVERIFY(document->suggestions().empty());
        QCOMPARE(document->entities().size(), 2 + count);
        QCOMPARE(document->entities()[2].uid, suggestion.uid);
        QCOMPARE(document->entities()[2].record.source, st::EntitySource::Model);
    }
};

QTEST_MAIN(TestAnnotationEditing)
#include "test_annotation_editing.moc"
