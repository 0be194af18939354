// How a result is shown, independent of the model: boxes over the image, the caption with coloured
// phrases and the entity list share one selection and one hover state; the confidence filter, the
// heat map overlay, the exports and the JSON round trip.
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QGraphicsPixmapItem>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "gui_test_support.h"
#include "model/grounding.h"
#include "ui/canvas/boxlabelitem.h"
#include "ui/canvas/entityboxitem.h"
#include "ui/canvas/heatmapimage.h"
#include "ui/canvas/imagecanvas.h"
#include "ui/document/entitycolors.h"
#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"
#include "ui/document/resultjson.h"
#include "ui/panels/captionview.h"
#include "ui/panels/entitytableview.h"
#include "ui/panels/resultspanel.h"
#include "ui/workbenchactions.h"

using namespace kosmos::ui;
using namespace kosmos::ui::test;

namespace {

// A peaked distribution over the 32x32 grid at (x, y).
std::vector<float> peakAt(int x, int y) {
    std::vector<float> grid(1024, 0.0001f);
    grid[static_cast<std::size_t>(y * 32 + x)] = 0.9f;
    return grid;
}

// Three boxes of two entities; "a green ball" (entity 1) has two boxes, one of them unsure.
kosmos::GenerationResult sampleResult() {
    kosmos::GenerationResult result;
    result.caption = "a red square next to a green ball";
    result.text = "<grounding> <phrase>a red square</phrase><object><patch_index_0264><patch_index_0751></object>...";
    result.generatedIds = {5, 6, 7};
    result.stoppedBy = "eos";
    result.timingsMs["total"] = 12.5;
    kosmos::GroundedEntity square{"a red square", {0, 12}, {}};
    kosmos::BoxDetail b0;
    b0.box = {0.25, 0.25, 0.5, 0.75};
    b0.ulIndex = 264;
    b0.lrIndex = 751;
    b0.confidence = 0.8;
    b0.ulHeatmap = peakAt(8, 8);
    b0.lrHeatmap = peakAt(15, 23);
    square.boxes.push_back(b0);
    kosmos::GroundedEntity ball{"a green ball", {21, 33}, {}};
    kosmos::BoxDetail b1;
    b1.box = {0.6, 0.1, 0.9, 0.4};
    b1.confidence = 0.6;
    kosmos::BoxDetail b2;
    b2.box = {0.05, 0.8, 0.2, 0.95};
    b2.confidence = 0.02;
    ball.boxes = {b1, b2};
    result.entities = {square, ball};
    return result;
}

// A result whose caption holds each phrase once, with one box (x0, y0, x1, y1, normalised) per phrase.
using PhraseBox = std::pair<const char*, std::array<double, 4>>;
kosmos::GenerationResult resultWithBoxes(const std::string& caption, const std::vector<PhraseBox>& boxes) {
    kosmos::GenerationResult result;
    result.caption = caption;
    result.text = caption;
    for (const auto& [phrase, box] : boxes) {
        const int begin = static_cast<int>(caption.find(phrase));
        kosmos::GroundedEntity entity{phrase, {begin, begin + static_cast<int>(std::strlen(phrase))}, {}};
        kosmos::BoxDetail detail;
        detail.box = box;
        detail.confidence = 0.9;
        entity.boxes.push_back(detail);
        result.entities.push_back(entity);
    }
    return result;
}

} // namespace

class TestWorkbenchResults : public QObject {
    Q_OBJECT

private:
    QTemporaryDir mSettingsDir;
    QTemporaryDir mWork;

    static EntityBoxItem* itemForRow(ImageCanvas* canvas, int sourceRow) {
        const QList<EntityBoxItem*> items = canvas->boxItems();
        for (EntityBoxItem* item : items)
            if (item->sourceRow() == sourceRow) return item;
        return nullptr;
    }

private slots:
    void initTestCase() {
        QVERIFY(mSettingsDir.isValid());
        isolateSettings(mSettingsDir);
    }

    // Boxes that share a corner (a noun chunk and a larger box from its corner, a suggestion over a box):
    // their labels find places where they do not cover each other, as long as the boxes on screen leave room
    // (at 50 % the small box here is smaller than its label, and the label covering least is taken).
    void labelsDoNotCoverEachOther() {
        TestWindow window;
        QVERIFY(showOnScreen(window));
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        const kosmos::GenerationResult result =
            resultWithBoxes("a wide box and a tall box and a small box", {{"a wide box", {0.25, 0.25, 0.75, 0.5}},
                                                                          {"a tall box", {0.25, 0.25, 0.4, 0.9}},
                                                                          {"a small box", {0.26, 0.26, 0.3, 0.3}}});
        window.document()->setResult(result, QStringLiteral("<grounding>An image of"));
        ImageCanvas* canvas = window.canvas();
        QCOMPARE(canvas->boxItems().size(), 3);
        for (double zoom : {1.0, 2.0, 4.0}) {
            canvas->setZoom(zoom);
            QList<QRectF> labels;
            for (EntityBoxItem* item : canvas->boxItems())
                labels << item->labelRectInView(item->labelPlace(), canvas->viewportTransform());
            for (int a = 0; a < labels.size(); ++a)
                for (int b = a + 1; b < labels.size(); ++b)
                    QVERIFY2(!labels[a].intersects(labels[b]),
                             qPrintable(QStringLiteral("labels %1 and %2 overlap at zoom %3").arg(a).arg(b).arg(zoom)));
            // The label is drawn where its place says.
            for (EntityBoxItem* item : canvas->boxItems()) {
                BoxLabelItem* label = item->labelItem();
                const QRectF drawn = label->deviceTransform(canvas->viewportTransform()).mapRect(label->boundingRect());
                const QRectF placed = item->labelRectInView(item->labelPlace(), canvas->viewportTransform());
                QVERIFY(qAbs(drawn.left() - placed.left()) < 1 && qAbs(drawn.top() - placed.top()) < 1);
            }
        }
    }

    // A box 5 px below the image's top: at 400 % its label has room above it on screen, but the exported image
    // (1:1) has not, so there the label sits inside the box, whole; the screen keeps its own place.
    void exportedLabelsStayOnTheImage() {
        TestWindow window;
        QVERIFY(showOnScreen(window));
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        const kosmos::GenerationResult result =
            resultWithBoxes("a box at the top", {{"a box at the top", {0.25, 5.0 / 480, 0.75, 0.5}}});
        window.document()->setResult(result, QStringLiteral("<grounding>An image of"));
        ImageCanvas* canvas = window.canvas();
        canvas->setZoom(4.0);
        QCOMPARE(canvas->boxItems().size(), 1);
        QCOMPARE(canvas->boxItems().first()->labelPlace(), LabelPlace::AboveTop);

        const QString png = mWork.filePath(QStringLiteral("top-label.png"));
        QVERIFY(window.exportAnnotatedImage(png));
        const QImage annotated(png);
        const QImage original(fixtureImage("gradient_640x480.png"));
        // Inside the box, under its top edge, the label covers the image (cut off above the image, it would not);
        // the view's place is back.
        int covered = 0;
        for (int x = 170; x < 220; ++x)
            covered += annotated.pixelColor(x, 15).rgb() != original.pixelColor(x, 15).rgb();
        QVERIFY2(covered == 50, qPrintable(QString::number(covered)));
        QVERIFY(annotated.pixelColor(400, 300).rgb() == original.pixelColor(400, 300).rgb());
        QCOMPARE(canvas->boxItems().first()->labelPlace(), LabelPlace::AboveTop);
    }

    // A box at the image's right edge: its label moves left to stay on the image, on screen at any zoom and in
    // the exported image; it is still drawn where the canvas placed it.
    void labelsAtTheRightEdgeStayOnTheImage() {
        TestWindow window;
        QVERIFY(showOnScreen(window));
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        const char* phrase = "a box with a rather long phrase at the right edge";
        const kosmos::GenerationResult result = resultWithBoxes(phrase, {{phrase, {0.9, 0.4, 0.99, 0.5}}});
        window.document()->setResult(result, QStringLiteral("<grounding>An image of"));
        ImageCanvas* canvas = window.canvas();
        QCOMPARE(canvas->boxItems().size(), 1);
        EntityBoxItem* item = canvas->boxItems().first();
        for (double zoom : {0.5, 1.0, 2.0}) {
            canvas->setZoom(zoom);
            const QRectF image = canvas->viewportTransform().mapRect(canvas->imageRect());
            BoxLabelItem* label = item->labelItem();
            const QRectF drawn = label->deviceTransform(canvas->viewportTransform()).mapRect(label->boundingRect());
            // Wider than the image on screen (at 50 %), it starts at the image's left edge.
            const bool fits = drawn.width() <= image.width();
            QVERIFY2(fits ? drawn.right() <= image.right() + 1 && drawn.left() >= image.left() - 1
                          : qAbs(drawn.left() - image.left()) < 1,
                     qPrintable(QStringLiteral("zoom %1: label %2..%3, image %4..%5")
                                    .arg(zoom).arg(drawn.left()).arg(drawn.right()).arg(image.left()).arg(image.right())));
            QVERIFY(drawn.left() < item->labelRectInView(item->labelPlace(), canvas->viewportTransform()).left());
        }
        const QString png = mWork.filePath(QStringLiteral("right-label.png"));
        QVERIFY(window.exportAnnotatedImage(png));
        const QImage annotated(png);
        const QImage original(fixtureImage("gradient_640x480.png"));
        // Left of the box, at the label's height, the label covers the image.
        const int y = static_cast<int>(0.4 * 480) - 8;
        int covered = 0;
        for (int x = 420; x < 560; ++x) covered += annotated.pixelColor(x, y).rgb() != original.pixelColor(x, y).rgb();
        QVERIFY2(covered > 100, qPrintable(QString::number(covered)));
    }

    void boxesCaptionAndListShareSelection() {
        TestWindow window;
        QVERIFY(showOnScreen(window));
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        ResultDocument* document = window.document();
        const kosmos::GenerationResult result = sampleResult();
        document->setResult(result, QStringLiteral("<grounding>An image of"));

        // One list row and one canvas box per box, in the entity's colour, at the pixel box.
        EntityTableView* table = window.resultsPanel()->entityTable();
        QCOMPARE(table->model()->rowCount(), 3);
        ImageCanvas* canvas = window.canvas();
        QCOMPARE(canvas->boxItems().size(), 3);
        EntityBoxItem* square = itemForRow(canvas, 0);
        QVERIFY(square);
        QCOMPARE(square->rect(), QRectF(QPointF(160, 120), QPointF(320, 360)));
        QCOMPARE(square->label(), QStringLiteral("a red square"));
        QCOMPARE(square->color(), entityColor(0));
        QCOMPARE(itemForRow(canvas, 2)->color(), entityColor(1));
        QVERIFY(entityColor(0) != entityColor(1));
        QCOMPARE(table->model()->index(0, EntityListModel::BoxColumn).data().toString(),
                 QStringLiteral("160, 120 – 320, 360"));

        // Labels ignore the zoom: the same size on screen at 25 % and 400 %.
        BoxLabelItem* label = square->labelItem();
        QVERIFY(label->flags() & QGraphicsItem::ItemIgnoresTransformations);
        canvas->setZoom(0.25);
        const QRectF small = label->deviceTransform(canvas->viewportTransform()).mapRect(label->boundingRect());
        canvas->setZoom(4.0);
        const QRectF large = label->deviceTransform(canvas->viewportTransform()).mapRect(label->boundingRect());
        QCOMPARE(small.size(), large.size());
        canvas->zoomToFit();

        // The caption colours both phrases.
        CaptionView* caption = window.resultsPanel()->captionView();
        QString html = caption->captionHtml();
        QVERIFY(html.contains(QStringLiteral("entity:0")));
        QVERIFY(html.contains(QStringLiteral("entity:1")));
        QVERIFY(html.contains(QStringLiteral(">a red square</a>")));
        // Below it the model's raw text may break lines before a tag, never inside one, and a copy of it is the
        // text as generated.
        QVERIFY(html.contains(QChar(0x200B) + QStringLiteral("&lt;object&gt;")));
        QVERIFY(html.contains(QStringLiteral("square") + QChar(0x200B) + QStringLiteral("&lt;/") + QChar(0x2060) +
                              QStringLiteral("phrase&gt;")));
        caption->selectAll();
        caption->copy();
        const QString copied = QGuiApplication::clipboard()->text();
        QVERIFY(!copied.contains(QChar(0x200B)) && !copied.contains(QChar(0x2060)));
        QVERIFY(copied.contains(QString::fromStdString(kosmos::postProcessNoCleanup(result.text))));

        // Selecting a list row selects the box and emphasises the phrase.
        table->selectRow(1);
        QCOMPARE(document->selectedSourceRows(), QList<int>{1});
        QCOMPARE(itemForRow(canvas, 1)->emphasis(), EntityBoxItem::Emphasis::Selected);
        QCOMPARE(itemForRow(canvas, 0)->emphasis(), EntityBoxItem::Emphasis::Dimmed);
        html = caption->captionHtml();
        QVERIFY(html.contains(QStringLiteral("font-weight:bold;'>a green ball</a>")));
        QVERIFY(!html.contains(QStringLiteral("font-weight:bold;'>a red square</a>")));

        // Clicking a box on the canvas selects its row in the list.
        const QPoint onSquare = canvas->mapFromScene(QPointF(240, 300));
        QTest::mouseClick(canvas->viewport(), Qt::LeftButton, Qt::NoModifier, onSquare);
        QCOMPARE(document->selectedSourceRows(), QList<int>{0});
        QVERIFY(table->selectionModel()->isRowSelected(0, {}));
        QCOMPARE(itemForRow(canvas, 0)->emphasis(), EntityBoxItem::Emphasis::Selected);
        // Clicking the image outside every box clears the selection.
        QTest::mouseClick(canvas->viewport(), Qt::LeftButton, Qt::NoModifier, canvas->mapFromScene(QPointF(620, 460)));
        QVERIFY(document->selectedSourceRows().isEmpty());

        // Clicking a phrase in the caption selects all boxes of that entity.
        emit caption->anchorClicked(QUrl(QStringLiteral("entity:1")));
        QList<int> rows = document->selectedSourceRows();
        std::sort(rows.begin(), rows.end());
        QCOMPARE(rows, (QList<int>{1, 2}));

        // Hover: pointing at a box hovers its entity everywhere.
        document->clearSelection();
        QTest::mouseMove(canvas->viewport(), onSquare);
        QCOMPARE(document->entities()->hoveredEntity(), 0);
        QCOMPARE(itemForRow(canvas, 0)->emphasis(), EntityBoxItem::Emphasis::Hovered);
        QVERIFY(table->model()->index(0, 0).data(Qt::BackgroundRole).isValid());
        QVERIFY(!table->model()->index(1, 0).data(Qt::BackgroundRole).isValid());
        QVERIFY(caption->captionHtml().contains(QStringLiteral("text-decoration:underline;'>a red square</a>")));
        // ... and pointing at a phrase hovers the boxes.
        emit caption->highlighted(QUrl(QStringLiteral("entity:1")));
        QCOMPARE(itemForRow(canvas, 1)->emphasis(), EntityBoxItem::Emphasis::Hovered);
        QCOMPARE(itemForRow(canvas, 2)->emphasis(), EntityBoxItem::Emphasis::Hovered);
        QCOMPARE(itemForRow(canvas, 0)->emphasis(), EntityBoxItem::Emphasis::Normal);
        emit caption->highlighted(QUrl());
        QCOMPARE(document->entities()->hoveredEntity(), -1);
    }

    void lowConfidenceFilter() {
        TestWindow window;
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        ResultDocument* document = window.document();
        document->setResult(sampleResult(), QStringLiteral("p"));
        ResultsPanel* panel = window.resultsPanel();
        QCOMPARE(window.canvas()->boxItems().size(), 3);

        panel->thresholdSlider()->setValue(50);
        QCOMPARE(window.canvas()->boxItems().size(), 3);   // threshold alone hides nothing
        panel->hideLowConfidenceBox()->setChecked(true);
        QCOMPARE(document->visibleEntities()->rowCount(), 2);
        QCOMPARE(window.canvas()->boxItems().size(), 2);
        panel->thresholdSlider()->setValue(70);
        QCOMPARE(window.canvas()->boxItems().size(), 1);
        QCOMPARE(window.canvas()->boxItems().first()->label(), QStringLiteral("a red square"));
        // The caption no longer marks the phrase whose boxes are all hidden.
        QVERIFY(!panel->captionView()->captionHtml().contains(QStringLiteral("entity:1")));
        panel->hideLowConfidenceBox()->setChecked(false);
        QCOMPARE(window.canvas()->boxItems().size(), 3);
    }

    void heatmapOverlay() {
        const QImage heat = cornerHeatmapImage(peakAt(3, 4), peakAt(20, 30));
        QCOMPARE(heat.size(), QSize(32, 32));
        QVERIFY(qAlpha(heat.pixel(3, 4)) >= 180);
        QVERIFY(qAlpha(heat.pixel(20, 30)) >= 180);
        QCOMPARE(qAlpha(heat.pixel(10, 10)), 0);
        // Each peak takes its corner's colour (the other grid's faint tail tints it slightly).
        const auto near = [](QRgb pixel, const QColor& color) {
            return std::abs(qRed(pixel) - color.red()) <= 8 && std::abs(qGreen(pixel) - color.green()) <= 8 &&
                   std::abs(qBlue(pixel) - color.blue()) <= 8;
        };
        QVERIFY(near(heat.pixel(3, 4), kUpperLeftHeatColor));
        QVERIFY(near(heat.pixel(20, 30), kLowerRightHeatColor));
        QVERIFY(cornerHeatmapImage(std::vector<float>(10, 1.0f), {}).isNull());
        QVERIFY(cornerHeatmapImage({}, {}).isNull());

        TestWindow window;
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        ResultDocument* document = window.document();
        document->setResult(sampleResult(), QStringLiteral("p"));
        ImageCanvas* canvas = window.canvas();
        window.workbenchActions()->showHeatmap->setChecked(true);
        QVERIFY(!canvas->heatmapItem()->isVisible());   // nothing selected
        document->selectSourceRow(0);
        QVERIFY(canvas->heatmapItem()->isVisible());
        QCOMPARE(canvas->heatmapItem()->sceneBoundingRect(), QRectF(0, 0, 640, 480));
        // The upper-left peak cell (8, 8) covers image pixels 160..180 x 120..135.
        const QImage shown = canvas->heatmapItem()->pixmap().toImage();
        QVERIFY(qAlpha(shown.pixel(8, 8)) >= 180);
        window.workbenchActions()->showHeatmap->setChecked(false);
        QVERIFY(!canvas->heatmapItem()->isVisible());
        window.workbenchActions()->showHeatmap->setChecked(true);
        document->selectSourceRow(1);   // a box without heat maps
        QVERIFY(!canvas->heatmapItem()->isVisible());
    }

    void exportsImageAndJson() {
        QVERIFY(mWork.isValid());
        TestWindow window;
        QVERIFY(showOnScreen(window));
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        QVERIFY(!window.workbenchActions()->exportJson->isEnabled());
        const kosmos::GenerationResult result = sampleResult();
        window.document()->setResult(result, QStringLiteral("<grounding>An image of"));
        QVERIFY(window.workbenchActions()->exportJson->isEnabled());

        const QString png = mWork.filePath(QStringLiteral("annotated.png"));
        QVERIFY(window.exportAnnotatedImage(png));
        const QImage annotated(png);
        QCOMPARE(annotated.size(), QSize(640, 480));
        const QImage original(fixtureImage("gradient_640x480.png"));
        // On the square's left edge (x = 160) the entity colour is drawn; far from every box the image is untouched.
        const QColor edge = annotated.pixelColor(160, 240);
        QVERIFY2(std::abs(edge.red() - entityColor(0).red()) < 40 && std::abs(edge.green() - entityColor(0).green()) < 40,
                 qPrintable(edge.name()));
        QCOMPARE(annotated.pixelColor(400, 300).rgb(), original.pixelColor(400, 300).rgb());

        const QString json = mWork.filePath(QStringLiteral("result.json"));
        QVERIFY(window.exportResultJson(json));
        QString error;
        const std::optional<QJsonObject> object = readJsonFile(json, &error);
        QVERIFY2(object.has_value(), qPrintable(error));
        QCOMPARE(object->value(QStringLiteral("prompt")).toString(), QStringLiteral("<grounding>An image of"));
        QCOMPARE(object->value(QStringLiteral("image")).toString(), QFileInfo(fixtureImage("gradient_640x480.png")).absoluteFilePath());
        const std::optional<ResultFromJson> back = resultFromJson(*object, &error);
        QVERIFY2(back.has_value(), qPrintable(error));
        QCOMPARE(back->result.caption, result.caption);
        QCOMPARE(back->result.text, result.text);
        QCOMPARE(back->result.generatedIds, result.generatedIds);
        QCOMPARE(back->result.entities.size(), result.entities.size());
        for (std::size_t e = 0; e < result.entities.size(); ++e) {
            QCOMPARE(back->result.entities[e].phrase, result.entities[e].phrase);
            QCOMPARE(back->result.entities[e].span, result.entities[e].span);
            QCOMPARE(back->result.entities[e].boxes.size(), result.entities[e].boxes.size());
            for (std::size_t b = 0; b < result.entities[e].boxes.size(); ++b) {
                QCOMPARE(back->result.entities[e].boxes[b].box, result.entities[e].boxes[b].box);
                QCOMPARE(back->result.entities[e].boxes[b].confidence, result.entities[e].boxes[b].confidence);
            }
        }

        // Malformed JSON is an error, not a crash.
        QJsonObject bad = *object;
        bad[QStringLiteral("entities")] = QJsonArray{QJsonObject{{QStringLiteral("phrase"), QStringLiteral("x")},
                                                                 {QStringLiteral("span"), QJsonArray{1}}}};
        QVERIFY(!resultFromJson(bad, &error).has_value());
        QVERIFY(error.contains(QStringLiteral("span")));
        QFile garbage(mWork.filePath(QStringLiteral("garbage.json")));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write("{\"caption\": [1, 2");
        garbage.close();
        QVERIFY(!readJsonFile(garbage.fileName(), &error).has_value());
        QVERIFY(error.contains(QStringLiteral("garbage.json")));
    }

    void storedSidecarResultIsShown() {
        QTemporaryDir folder;
        const QString image = folder.filePath(QStringLiteral("shot.png"));
        QVERIFY(copyFile(fixtureImage("checker_224x224.png"), image));
        const kosmos::GenerationResult result = sampleResult();
        QVERIFY(writeJsonFile(sidecarJsonPath(image), resultToJson(result, image, QStringLiteral("q"), QSize(224, 224))).isEmpty());
        TestWindow window;
        QVERIFY(window.openImage(image));
        QVERIFY(window.document()->hasResult());
        QCOMPARE(window.document()->result().caption, result.caption);
        QCOMPARE(window.canvas()->boxItems().size(), 3);
        QCOMPARE(window.document()->resultPrompt(), QStringLiteral("q"));

        // A hand-edited file with boxes far outside the image: drawn clipped to the image, no crash.
        kosmos::GenerationResult wild = result;
        wild.entities[0].boxes[0].box = {-5.0, 0.25, 1e300, 0.5};
        wild.entities[1].span = {-7, 1 << 30};
        QVERIFY(writeJsonFile(sidecarJsonPath(image), resultToJson(wild, image, QStringLiteral("q"), QSize(224, 224))).isEmpty());
        TestWindow other;
        QVERIFY(other.openImage(image));
        QCOMPARE(other.canvas()->boxItems().size(), 3);
        for (EntityBoxItem* item : other.canvas()->boxItems())
            QVERIFY(QRectF(0, 0, 224, 224).contains(item->rect()));
        QVERIFY(other.resultsPanel()->captionView()->captionHtml().contains(QStringLiteral("entity:0")));
    }
};

QTEST_MAIN(TestWorkbenchResults)
#include "test_workbench_results.moc"
