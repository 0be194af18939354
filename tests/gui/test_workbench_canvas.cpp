// The workbench without a model: opening images (menu API, command-line path, drop, paste, folders),
// zoom and pan of the canvas, broken files, prompt templates and the region tool.
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QSlider>
#include <QStatusBar>
#include <QGraphicsPixmapItem>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QScreen>
#include <QWheelEvent>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <algorithm>
#include <cmath>

#include "core/media/image_io.h"
#include "../unit/stderr_capture.h"
#include "gui_test_support.h"
#include "ui/browser/thumbnailcache.h"
#include "ui/canvas/imagecanvas.h"
#include "ui/document/resultdocument.h"
#include "ui/apppaths.h"
#include "ui/imagefiles.h"
#include "ui/inference/modelcontroller.h"
#include "ui/panels/resultspanel.h"
#include "ui/recentmenu.h"
#include "ui/settingskeys.h"
#include "ui/startupoptions.h"
#include "ui/startupsequence.h"
#include "ui/inference/prompttemplates.h"
#include "ui/panels/promptpanel.h"
#include "ui/panels/thumbnailstrip.h"
#include "ui/workbenchactions.h"

using namespace kosmos::ui;
using namespace kosmos::ui::test;

class TestWorkbenchCanvas : public QObject {
    Q_OBJECT

private:
    QTemporaryDir mSettingsDir;
    QTemporaryDir mWork;

    static QRectF imageOnScreen(ImageCanvas* canvas) {
        return canvas->mapFromScene(canvas->imageRect()).boundingRect();
    }

private slots:
    void initTestCase() {
        QVERIFY(mSettingsDir.isValid());
        QVERIFY(mWork.isValid());
        isolateSettings(mSettingsDir);
        QVERIFY(QFileInfo::exists(fixtureImage("gradient_640x480.png")));
    }

    void opensImageAndFitsIt() {
        TestWindow window;
        QList<RecordedError>& errors = window.errors;
        QVERIFY(showOnScreen(window));

        QSignalSpy opened(&window, &MainWindow::imageOpened);
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        QCOMPARE(opened.count(), 1);
        QVERIFY(errors.isEmpty());

        ImageCanvas* canvas = window.canvas();
        QCOMPARE(window.document()->image().size(), QSize(640, 480));
        QCOMPARE(canvas->imageItem()->pixmap().size(), QSize(640, 480));
        QCOMPARE(canvas->scene()->sceneRect(), QRectF(0, 0, 640, 480));
        // The pixels shown are the file's pixels.
        const QImage shown = canvas->imageItem()->pixmap().toImage().convertToFormat(QImage::Format_RGB888);
        const QImage file = QImage(fixtureImage("gradient_640x480.png")).convertToFormat(QImage::Format_RGB888);
        QCOMPARE(shown.pixel(17, 401), file.pixel(17, 401));
        QCOMPARE(shown.pixel(633, 5), file.pixel(633, 5));

        // Fit: the whole image is inside the viewport and fills it along one axis.
        QTRY_VERIFY(canvas->isFitMode());
        const QRectF onScreen = imageOnScreen(canvas);
        const QRect viewport = canvas->viewport()->rect();
        QVERIFY2(QRectF(viewport).adjusted(-1, -1, 1, 1).contains(onScreen), "image exceeds the viewport when fitted");
        QVERIFY(std::abs(onScreen.width() - viewport.width()) <= 6 || std::abs(onScreen.height() - viewport.height()) <= 6);
        QVERIFY(window.windowTitle().contains(QStringLiteral("gradient_640x480.png")));
    }

    void zoomChangesTheTransform() {
        TestWindow window;
        QVERIFY(showOnScreen(window));
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        ImageCanvas* canvas = window.canvas();
        const double dpr = canvas->devicePixelRatioF();

        QSignalSpy zoomed(canvas, &ImageCanvas::zoomChanged);
        window.workbenchActions()->zoomActual->trigger();
        QCOMPARE(canvas->zoom(), 1.0);
        QCOMPARE(canvas->transform().m11(), 1.0 / dpr);
        QVERIFY(!canvas->isFitMode());

        window.workbenchActions()->zoomIn->trigger();
        QVERIFY(qFuzzyCompare(canvas->zoom(), 1.25));
        QVERIFY(qFuzzyCompare(canvas->transform().m11(), 1.25 / dpr));
        window.workbenchActions()->zoomOut->trigger();
        window.workbenchActions()->zoomOut->trigger();
        QVERIFY(qFuzzyCompare(canvas->zoom(), 1.0 / 1.25));
        QCOMPARE(zoomed.count(), 4);

        // One wheel notch zooms by 2^(1/4) about the pointer.
        const double before = canvas->zoom();
        const QPointF centre = QRectF(canvas->viewport()->rect()).center();
        QWheelEvent wheel(centre, canvas->viewport()->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(canvas->viewport(), &wheel);
        QVERIFY(std::abs(canvas->zoom() / before - std::pow(2.0, 0.25)) < 1e-9);

        // Zoom is bounded.
        for (int i = 0; i < 40; ++i) canvas->zoomIn();
        QCOMPARE(canvas->zoom(), ImageCanvas::kMaxZoom);

        // Keyboard: Ctrl+0 fits again, Ctrl+1 shows actual size.
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_0, Qt::ControlModifier);
        QVERIFY(canvas->isFitMode());
        QTest::keyClick(canvas, Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(canvas->zoom(), 1.0);
        QTest::keyClick(canvas, Qt::Key_Plus, Qt::ControlModifier);
        QVERIFY(qFuzzyCompare(canvas->zoom(), 1.25));

        // Panning by drag moves the scroll bars when zoomed in.
        canvas->setZoom(4.0);
        QScrollBar* h = canvas->horizontalScrollBar();
        QVERIFY(h->maximum() > 0);
        h->setValue(h->maximum() / 2);
        const int startValue = h->value();
        const QPoint from = canvas->viewport()->rect().center();
        QTest::mousePress(canvas->viewport(), Qt::LeftButton, Qt::NoModifier, from);
        QTest::mouseMove(canvas->viewport(), from + QPoint(30, 0));
        QTest::mouseMove(canvas->viewport(), from + QPoint(60, 0));
        QTest::mouseRelease(canvas->viewport(), Qt::LeftButton, Qt::NoModifier, from + QPoint(60, 0));
        QCOMPARE(h->value(), startValue - 60);
    }

    void dropAcceptsImagesOnly() {
        TestWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QWidget* viewport = window.canvas()->viewport();
        const QString copy = mWork.filePath(QStringLiteral("dropped stripes.png"));
        QVERIFY(copyFile(fixtureImage("stripes_300x500.png"), copy));
        const QString text = mWork.filePath(QStringLiteral("notes.txt"));
        {
            QFile f(text);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("not an image");
        }

        const auto dragEnterAccepted = [viewport](QMimeData* mime) {
            QDragEnterEvent enter(viewport->rect().center(), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
            QApplication::sendEvent(viewport, &enter);
            return enter.isAccepted();
        };
        QMimeData imageUrl;
        imageUrl.setUrls({QUrl::fromLocalFile(copy)});
        QVERIFY(dragEnterAccepted(&imageUrl));
        QMimeData textUrl;
        textUrl.setUrls({QUrl::fromLocalFile(text)});
        QVERIFY(!dragEnterAccepted(&textUrl));
        QMimeData remote;
        remote.setUrls({QUrl(QStringLiteral("https://example.com/cat.png"))});
        QVERIFY(!dragEnterAccepted(&remote));
        QMimeData plain;
        plain.setText(QStringLiteral("hello"));
        QVERIFY(!dragEnterAccepted(&plain));
        QMimeData folder;
        folder.setUrls({QUrl::fromLocalFile(mWork.path())});
        QVERIFY(dragEnterAccepted(&folder));

        QDropEvent drop(QPointF(viewport->rect().center()), Qt::CopyAction, &imageUrl, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(viewport, &drop);
        QVERIFY(drop.isAccepted());
        QCOMPARE(window.document()->imagePath(), QFileInfo(copy).absoluteFilePath());
        QCOMPARE(window.document()->image().size(), QSize(300, 500));
    }

    void pasteOpensClipboardImage() {
        TestWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QImage image(123, 45, QImage::Format_RGB32);
        image.fill(QColor(10, 200, 30));
        QApplication::clipboard()->setImage(image);
        if (QApplication::clipboard()->image().isNull()) QSKIP("this platform plugin has no clipboard");
        QVERIFY(window.pasteFromClipboard());
        QCOMPARE(window.document()->image().size(), QSize(123, 45));
        QVERIFY(window.document()->imagePath().isEmpty());
        QCOMPARE(QColor(window.document()->image().pixel(60, 20)), QColor(10, 200, 30));
    }

    void brokenImageReportsError() {
        TestWindow window;
        QList<RecordedError>& errors = window.errors;
        QVERIFY(window.openImage(fixtureImage("checker_224x224.png")));
        const QString broken = mWork.filePath(QStringLiteral("broken.png"));
        {
            QFile f(broken);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QFile good(fixtureImage("checker_224x224.png"));
            QVERIFY(good.open(QIODevice::ReadOnly));
            f.write(good.read(60));   // a PNG signature and a truncated header
        }
        QVERIFY(!window.openImage(broken));
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors[0].title, QStringLiteral("Cannot open image"));
        QVERIFY2(errors[0].message.contains(QStringLiteral("broken.png")), qPrintable(errors[0].message));
        // Where Qt's reader fails, the reason is the model's reader's: what is damaged, where.
        QVERIFY2(errors[0].message.contains(QStringLiteral("truncated or corrupt (PNG chunk 'IDAT' at byte 33")),
                 qPrintable(errors[0].message));
        const QString cutPpm = mWork.filePath(QStringLiteral("cut.ppm"));
        {
            QFile f(cutPpm);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("P6\n4 4\n255\n");
            f.write(QByteArray(47, 'x'));   // 48 bytes of samples declared
        }
        QVERIFY(!window.openImage(cutPpm));
        QCOMPARE(errors.size(), 2);
        QVERIFY2(errors[1].message.contains(QStringLiteral("truncated (PNM samples need 48 bytes from byte 11; "
                                                           "the file has 47)")),
                 qPrintable(errors[1].message));
        // A whole PNG with one byte of its image data changed.
        const QString flipped = mWork.filePath(QStringLiteral("flipped.png"));
        {
            QFile good(fixtureImage("checker_224x224.png"));
            QVERIFY(good.open(QIODevice::ReadOnly));
            QByteArray bytes = good.readAll();
            bytes[50] = static_cast<char>(bytes[50] ^ 0x10);
            QFile f(flipped);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        }
        // The damage is named before Qt's decoder meets it: nothing of libpng's own on stderr.
        std::string noise = kosmos::test::stderrDuring([&] { QVERIFY(!window.openImage(flipped)); });
        QVERIFY2(noise.empty(), noise.c_str());
        QCOMPARE(errors.size(), 3);
        QVERIFY2(errors[2].message.contains(QStringLiteral("corrupt (PNG chunk 'IDAT' at byte 33 does not match its "
                                                           "checksum)")),
                 qPrintable(errors[2].message));
        QString thumbnailError;
        QImage thumbnail;
        noise = kosmos::test::stderrDuring([&] { thumbnail = decodeThumbnail(flipped, QSize(64, 64), &thumbnailError); });
        QVERIFY(thumbnail.isNull());
        QVERIFY2(noise.empty(), noise.c_str());
        QCOMPARE(thumbnailError, QStringLiteral("corrupt (PNG chunk 'IDAT' at byte 33 does not match its checksum)"));
        // The image on screen is still the last good one.
        QCOMPARE(window.document()->image().size(), QSize(224, 224));

        QVERIFY(!window.openImage(mWork.filePath(QStringLiteral("missing.png"))));
        QCOMPARE(errors.size(), 4);
        QVERIFY(errors[3].message.contains(QStringLiteral("no such file")));
    }

    void folderBrowsing() {
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        // Natural order: img2 before img10.
        QVERIFY(copyFile(fixtureImage("gradient_640x480.png"), folder.filePath(QStringLiteral("img10.png"))));
        QVERIFY(copyFile(fixtureImage("stripes_300x500.png"), folder.filePath(QStringLiteral("img2.png"))));
        QVERIFY(copyFile(fixtureImage("checker_224x224.png"), folder.filePath(QStringLiteral("img1.png"))));
        {
            QFile f(folder.filePath(QStringLiteral("readme.txt")));
            QVERIFY(f.open(QIODevice::WriteOnly));
        }
        TestWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openFolder(folder.path()));
        ThumbnailStrip* strip = window.thumbnails();
        QCOMPARE(strip->count(), 3);
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img1.png"));
        QTRY_COMPARE(strip->loadedThumbnails(), 3);

        window.workbenchActions()->nextImage->trigger();
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img2.png"));
        QCOMPARE(window.document()->image().size(), QSize(300, 500));
        window.workbenchActions()->nextImage->trigger();
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img10.png"));
        window.workbenchActions()->nextImage->trigger();   // stays on the last
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img10.png"));
        window.workbenchActions()->previousImage->trigger();
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img2.png"));
        QCOMPARE(strip->currentPathIndex(), 1);

        // Clicking a thumbnail opens it.
        strip->setCurrentRow(0);
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img1.png"));

        // Keys: arrows on the canvas, Page Down / Page Up anywhere in the window.
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        window.canvas()->setFocus();
        QTest::keyClick(window.canvas(), Qt::Key_Right);
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img2.png"));
        QTest::keyClick(window.canvas(), Qt::Key_PageDown);
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img10.png"));
        QTest::keyClick(window.canvas(), Qt::Key_PageUp);
        QTest::keyClick(window.canvas(), Qt::Key_Left);
        QCOMPARE(QFileInfo(window.document()->imagePath()).fileName(), QStringLiteral("img1.png"));

        // Opening one image of a folder browses that folder.
        TestWindow second;
        QVERIFY(second.openPath(folder.filePath(QStringLiteral("img2.png"))));
        QCOMPARE(second.thumbnails()->count(), 3);
        QCOMPARE(second.thumbnails()->currentPathIndex(), 1);

        QList<RecordedError>& errors = second.errors;
        QTemporaryDir empty;
        QVERIFY(!second.openFolder(empty.path()));
        QCOMPARE(errors.size(), 1);

        // A folder whose first images cannot be opened shows the first one that can, and names the others.
        QVERIFY(QFile(folder.filePath(QStringLiteral("img0.png"))).open(QIODevice::WriteOnly));   // empty
        {
            QFile f(folder.filePath(QStringLiteral("img00.png")));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("not a picture at all");
        }
        TestWindow third;
        QVERIFY(third.openFolder(folder.path()));
        QVERIFY(third.errors.isEmpty());
        QCOMPARE(QFileInfo(third.document()->imagePath()).fileName(), QStringLiteral("img1.png"));
        const QString status = third.statusBar()->currentMessage();
        QVERIFY2(status.contains(QStringLiteral("Passed over 2 images")) &&
                     status.contains(QStringLiteral("img0.png: empty file")),
                 qPrintable(status));
    }

    // A file of the folder that cannot be read is marked in the strip (icon and tooltip) before it is clicked.
    void unreadableThumbnailIsMarked() {
        QTemporaryDir folder;
        QVERIFY(copyFile(fixtureImage("checker_224x224.png"), folder.filePath(QStringLiteral("a-good.png"))));
        {
            QFile f(folder.filePath(QStringLiteral("b-bad.png")));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("not a picture at all");
        }
        TestWindow window;
        window.show();
        QVERIFY(window.openFolder(folder.path()));
        ThumbnailStrip* strip = window.thumbnails();
        QCOMPARE(strip->count(), 2);
        QTRY_COMPARE(strip->loadedThumbnails(), 2);
        QVERIFY(!strip->item(0)->toolTip().contains(QStringLiteral("cannot be read")));
        QCOMPARE(strip->item(1)->toolTip(), folder.filePath(QStringLiteral("b-bad.png")) +
                                                 QStringLiteral("\ncannot be read: Unsupported image format"));
    }

    void sessionIsRestored() {
        const QString image = QFileInfo(fixtureImage("gradient_640x480.png")).absoluteFilePath();
        {
            MainWindow first(MainWindowOptions{true});
            QList<RecordedError> errors;
            recordErrors(first, &errors);
            first.show();
            if (demoModelFolder().isEmpty()) {
                // First start without the bundled demo model: a hint, no dialog.
                QVERIFY(first.statusBar()->currentMessage().contains(QStringLiteral("demo model was not found")));
                QVERIFY(!first.modelController()->isLoading());
            } else {
                QVERIFY(first.modelController()->isLoading());
            }
            QVERIFY(first.openImage(image));
            first.promptPanel()->setTask(PromptTask::GroundedVqa);
            first.promptPanel()->setTaskText(QStringLiteral("What colour is the square?"));
            first.resultsPanel()->setFilter(true, 0.35);
            first.workbenchActions()->showHeatmap->setChecked(true);
            first.resize(4000, 3000);   // wider than any screen here
            first.close();
            QVERIFY(errors.isEmpty());
        }
        MainWindow second(MainWindowOptions{true});
        // The saved size comes back within the screen (or the window's own minimum, where that is larger).
        const QRect available = second.screen()->availableGeometry();
        QVERIFY2(second.width() <= std::max(available.width(), second.minimumSizeHint().width()),
                 qPrintable(QString::number(second.width())));
        QVERIFY(second.height() <= std::max(available.height(), second.minimumSizeHint().height()));
        QCOMPARE(second.promptPanel()->task(), PromptTask::GroundedVqa);
        QCOMPARE(second.promptPanel()->prompt(), QStringLiteral("<grounding> Question: What colour is the square? Answer:"));
        QVERIFY(second.resultsPanel()->hideLowConfidenceBox()->isChecked());
        QCOMPARE(second.resultsPanel()->thresholdSlider()->value(), 35);
        QVERIFY(second.workbenchActions()->showHeatmap->isChecked());
        RecentMenu* recent = second.findChild<RecentMenu*>(QStringLiteral("recentImages"));
        QVERIFY(recent);
        QVERIFY(recent->paths().contains(image));
        QCOMPARE(QSettings().organizationName(), QCoreApplication::organizationName());
    }

    void promptTemplates() {
        QCOMPARE(buildPrompt(PromptTask::BriefCaption, {}), QStringLiteral("<grounding>An image of"));
        QCOMPARE(buildPrompt(PromptTask::DetailedCaption, {}), QStringLiteral("<grounding>Describe this image in detail:"));
        QCOMPARE(buildPrompt(PromptTask::PhraseGrounding, QStringLiteral(" a snowman ")),
                 QStringLiteral("<grounding><phrase> a snowman</phrase>"));
        QVERIFY(buildPrompt(PromptTask::PhraseGrounding, QStringLiteral("  ")).isEmpty());
        QCOMPARE(buildPrompt(PromptTask::GroundedVqa, QStringLiteral("What is special about this image?")),
                 QStringLiteral("<grounding> Question: What is special about this image? Answer:"));
        QVERIFY(buildPrompt(PromptTask::ReferringExpression, {}).isEmpty());
        // The box <-> patch-index example of the reference documentation: 44 / 863.
        const kosmos::Box box{0.390625, 0.046875, 0.984375, 0.828125};
        QCOMPARE(buildPrompt(PromptTask::ReferringExpression, {}, box),
                 QStringLiteral("<grounding><phrase> It</phrase><object><patch_index_0044><patch_index_0863></object> is"));
        QCOMPARE(buildPrompt(PromptTask::Custom, QStringLiteral(" <grounding>Hi ")), QStringLiteral("<grounding>Hi"));
    }

    void regionToolBuildsReferringPrompt() {
        TestWindow window;
        QVERIFY(showOnScreen(window));
        QVERIFY(window.openImage(fixtureImage("gradient_640x480.png")));
        ImageCanvas* canvas = window.canvas();
        PromptPanel* prompt = window.promptPanel();
        CanvasTool* selectTool = canvas->tool();
        prompt->setTask(PromptTask::ReferringExpression);
        QVERIFY(canvas->tool() != selectTool);
        QVERIFY(prompt->prompt().isEmpty());

        // Drag over the image from scene (64, 48) to (320, 240): a quarter of each side.
        const QPoint a = canvas->mapFromScene(QPointF(64, 48));
        const QPoint b = canvas->mapFromScene(QPointF(320, 240));
        QTest::mousePress(canvas->viewport(), Qt::LeftButton, Qt::NoModifier, a);
        QTest::mouseMove(canvas->viewport(), (a + b) / 2);
        QTest::mouseMove(canvas->viewport(), b);
        QTest::mouseRelease(canvas->viewport(), Qt::LeftButton, Qt::NoModifier, b);
        const std::optional<QRectF> box = window.document()->queryBox();
        QVERIFY(box.has_value());
        const double tolerance = 2.0 / canvas->zoom() / 640.0 + 1e-9;   // a pixel or two on screen
        QVERIFY(std::abs(box->left() - 0.1) < tolerance * 2);
        QVERIFY(std::abs(box->top() - 0.1) < tolerance * 2);
        QVERIFY(std::abs(box->right() - 0.5) < tolerance * 2);
        QVERIFY(std::abs(box->bottom() - 0.5) < tolerance * 2);
        QVERIFY(canvas->queryBoxItem()->isVisible());
        const kosmos::Box asBox{box->left(), box->top(), box->right(), box->bottom()};
        QCOMPARE(prompt->prompt(), buildPrompt(PromptTask::ReferringExpression, {}, asBox));
        QVERIFY(prompt->prompt().startsWith(QStringLiteral("<grounding><phrase> It</phrase><object><patch_index_")));

        // Back to captioning: the select tool returns, the prompt follows the template.
        prompt->setTask(PromptTask::BriefCaption);
        QCOMPARE(canvas->tool(), selectTool);
        QCOMPARE(prompt->prompt(), QStringLiteral("<grounding>An image of"));
        // Typing over a template makes it a custom prompt.
        auto* edit = prompt->findChild<QPlainTextEdit*>(QStringLiteral("promptEdit"));
        QVERIFY(edit);
        edit->setPlainText(QStringLiteral("<grounding>A painting of"));
        QCOMPARE(prompt->task(), PromptTask::Custom);
        QCOMPARE(prompt->prompt(), QStringLiteral("<grounding>A painting of"));

        // Without a model Run is disabled, and Ctrl+Return neither runs nor edits the prompt.
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(!window.workbenchActions()->run->isEnabled());
        edit->setFocus();
        QSignalSpy started(window.runner(), &GenerationRunner::started);
        QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
        QCOMPARE(started.count(), 0);
        QCOMPARE(edit->toPlainText(), QStringLiteral("<grounding>A painting of"));
    }

    // What Qt cannot read comes from the command line's reader with its pixels, rows and channels intact.
    void modelReaderKeepsPixels() {
        const QString ppm = mWork.filePath(QStringLiteral("odd.ppm"));
        {
            QFile f(ppm);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("P6\n3 2\n255\n");
            for (int i = 0; i < 18; ++i) f.putChar(static_cast<char>(i * 13));
        }
        const ReadImageResult rgb = readImageWithModelReader(ppm, QString(), 1000);
        QVERIFY2(rgb.error.isEmpty(), qPrintable(rgb.error));
        QCOMPARE(rgb.image.size(), QSize(3, 2));
        QCOMPARE(QColor(rgb.image.pixel(2, 1)), QColor(15 * 13, 16 * 13, 17 * 13));
        kosmos::ImageU8 rgba;
        rgba.width = 3;
        rgba.height = 1;
        rgba.channels = 4;
        rgba.pixels = {10, 20, 30, 255, 40, 50, 60, 128, 70, 80, 90, 0};
        const QString png = mWork.filePath(QStringLiteral("alpha.png"));
        kosmos::saveImagePng(png.toStdString(), rgba);
        const ReadImageResult withAlpha = readImageWithModelReader(png, QString(), 1000);
        QCOMPARE(withAlpha.image.pixelColor(1, 0), QColor(40, 50, 60, 128));
        QCOMPARE(withAlpha.image.pixelColor(2, 0).alpha(), 0);
        const ReadImageResult tooMany = readImageWithModelReader(ppm, QString(), 5);
        QVERIFY2(tooMany.error.contains(QStringLiteral("too large (3 x 2 > 5 pixels)")), qPrintable(tooMany.error));
        const QString gif = mWork.filePath(QStringLiteral("cut.gif"));
        {
            QFile f(gif);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("GIF89a\x03\x00");
        }
        QCOMPARE(readImageWithModelReader(gif, QStringLiteral("Qt's reason"), 1000).error,
                 QStringLiteral("Qt's reason"));
    }

    void imageConversionDropsAlpha() {
        QImage argb(3, 2, QImage::Format_ARGB32);
        argb.fill(qRgba(200, 100, 50, 0));   // fully transparent: PIL keeps the colour
        argb.setPixel(1, 1, qRgba(1, 2, 3, 128));
        const kosmos::ImageU8 rgb = toImageU8(argb);
        QCOMPARE(rgb.width, 3);
        QCOMPARE(rgb.height, 2);
        QCOMPARE(rgb.channels, 3);
        QCOMPARE(int(rgb.pixels.size()), 18);
        QCOMPARE(int(rgb.pixels[0]), 200);
        QCOMPARE(int(rgb.pixels[1]), 100);
        QCOMPARE(int(rgb.pixels[2]), 50);
        QCOMPARE(int(rgb.pixels[(1 * 3 + 1) * 3 + 2]), 3);
        QImage grey(2, 2, QImage::Format_Grayscale8);
        grey.fill(77);
        const kosmos::ImageU8 fromGrey = toImageU8(grey);
        QCOMPARE(int(fromGrey.pixels[3]), 77);
        QCOMPARE(int(fromGrey.pixels[4]), 77);
    }

    // --model names a model: it is the one loaded, not the session's last one (a model already loading would
    // make the named one be refused), and a folder that is no model is reported.
    void namedModelIsLoadedInsteadOfTheSessions() {
        QSettings().setValue(settingskeys::kModelFolder, fixtureDir());
        QTemporaryDir notAModel;
        {
            MainWindow window(MainWindowOptions{true, false});
            QList<RecordedError> errors;
            recordErrors(window, &errors);
            QVERIFY(!window.modelController()->isLoading());
            StartupOptions options;
            options.model = notAModel.path();
            StartupSequence startup(&window, options);
            QSignalSpy ready(&window, &MainWindow::modelReady);
            startup.start();
            QVERIFY(ready.wait(60000));
            QCOMPARE(ready.first().first().toBool(), false);
            QCOMPARE(errors.size(), 1);
            QVERIFY2(errors.first().message.contains(QDir::toNativeSeparators(notAModel.path())),
                     qPrintable(errors.first().message));
        }
        // Without a session, the demo model (where there is one) rather than nothing.
        MainWindow bare(MainWindowOptions{false, true});
        QCOMPARE(bare.modelController()->isLoading(), !demoModelFolder().isEmpty());
        QSettings().remove(settingskeys::kModelFolder);
    }

    // --screenshot is for scripts: its exit status says whether everything it was asked to do was done.
    void screenshotRunExitsOneWhereAnythingFailed() {
        QTemporaryDir dir;
        const auto exitStatus = [&](StartupOptions options) {
            options.screenshot = dir.filePath(QStringLiteral("shot.png"));
            options.run = true;
            options.maxNewTokens = 8;
            QFile::remove(options.screenshot);
            MainWindow window(MainWindowOptions{false, false});
            StartupSequence startup(&window, options);
            startup.start();
            const int status = QApplication::exec();
            return QFileInfo::exists(options.screenshot) ? status : -1;
        };
        StartupOptions ok;
        ok.model = fixtureDir();
        ok.paths = {fixtureImage("checker_224x224.png")};
        QCOMPARE(exitStatus(ok), 0);
        StartupOptions missingImage = ok;
        missingImage.paths = {dir.filePath(QStringLiteral("missing.png"))};
        QCOMPARE(exitStatus(missingImage), 1);
        StartupOptions noRow = ok;
        noRow.selectEntity = 999;
        QCOMPARE(exitStatus(noRow), 1);
    }
};

QTEST_MAIN(TestWorkbenchCanvas)
#include "test_workbench_canvas.moc"
