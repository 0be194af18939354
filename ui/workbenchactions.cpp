#include "ui/workbenchactions.h"

#include <QAction>
#include <QIcon>
#include <QKeySequence>
#include <QStyle>
#include <QWidget>

namespace kosmos::ui {
namespace {

QAction* makeAction(QWidget* window, const QString& text, const QList<QKeySequence>& keys, const QIcon& icon = {}) {
    auto* action = new QAction(icon, text, window);
    action->setShortcuts(keys);
    action->setShortcutContext(Qt::WindowShortcut);
    if (!keys.isEmpty())
        action->setToolTip(QStringLiteral("%1 (%2)").arg(QString(text).remove(QLatin1Char('&')).remove(QStringLiteral("…")),
                                                         keys.first().toString(QKeySequence::NativeText)));
    window->addAction(action);
    return action;
}

QIcon themed(const char* name, QStyle* style, QStyle::StandardPixmap fallback) {
    return QIcon::fromTheme(QString::fromLatin1(name), style->standardIcon(fallback));
}

} // namespace

WorkbenchActions::WorkbenchActions(QWidget* window) : QObject(window) {
    QStyle* style = window->style();
    openImage = makeAction(window, tr("&Open Image…"), {QKeySequence::Open},
                           themed("document-open", style, QStyle::SP_DialogOpenButton));
    openFolder = makeAction(window, tr("Open &Folder…"), {QKeySequence(tr("Ctrl+Shift+O"))},
                            themed("folder-open", style, QStyle::SP_DirOpenIcon));
    paste = makeAction(window, tr("&Paste Image"), {QKeySequence::Paste});
    exportImage = makeAction(window, tr("&Export Annotated Image…"), {QKeySequence(tr("Ctrl+E"))},
                             themed("document-save-as", style, QStyle::SP_DialogSaveButton));
    exportJson = makeAction(window, tr("Export Result as &JSON…"), {QKeySequence(tr("Ctrl+Shift+E"))});
    quit = makeAction(window, tr("&Quit"), {QKeySequence::Quit});
    quit->setMenuRole(QAction::QuitRole);

    openModel = makeAction(window, tr("Open &Model Folder…"), {QKeySequence(tr("Ctrl+M"))},
                           themed("drive-harddisk", style, QStyle::SP_DriveHDIcon));

    zoomIn = makeAction(window, tr("Zoom &In"), {QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))});
    zoomOut = makeAction(window, tr("Zoom &Out"), {QKeySequence::ZoomOut});
    zoomFit = makeAction(window, tr("&Fit to Window"), {QKeySequence(tr("Ctrl+0")), QKeySequence(tr("F"))});
    zoomActual = makeAction(window, tr("&Actual Size"), {QKeySequence(tr("Ctrl+1"))});
    previousImage = makeAction(window, tr("&Previous Image"), {QKeySequence(Qt::Key_PageUp)},
                               themed("go-previous", style, QStyle::SP_ArrowBack));
    nextImage = makeAction(window, tr("&Next Image"), {QKeySequence(Qt::Key_PageDown)},
                           themed("go-next", style, QStyle::SP_ArrowForward));
    showHeatmap = makeAction(window, tr("Corner &Heat Map"), {QKeySequence(tr("H"))});
    showHeatmap->setCheckable(true);
    showHeatmap->setStatusTip(tr("Overlay the selected box's upper-left and lower-right token probabilities"));
    fullScreen = makeAction(window, tr("F&ull Screen"), {QKeySequence::FullScreen, QKeySequence(tr("F11"))});
    fullScreen->setCheckable(true);

    run = makeAction(window, tr("&Run"), {QKeySequence(tr("Ctrl+Return")), QKeySequence(tr("Ctrl+Enter"))},
                     themed("media-playback-start", style, QStyle::SP_MediaPlay));
    cancel = makeAction(window, tr("&Cancel"), {QKeySequence(Qt::Key_Escape)},
                        themed("process-stop", style, QStyle::SP_MediaStop));
    runFolder = makeAction(window, tr("Run on &Folder"), {QKeySequence(tr("Ctrl+Shift+Return"))},
                           themed("media-seek-forward", style, QStyle::SP_MediaSeekForward));
    runFolder->setStatusTip(tr("Run the prompt on every image of the open folder and save each result as "
                               "<image>.kosmos2.json beside it"));

    shortcuts = makeAction(window, tr("&Keyboard Shortcuts"), {QKeySequence::HelpContents});
    about = makeAction(window, tr("&About Kosmos-2 Workbench"), {});
    about->setMenuRole(QAction::AboutRole);
}

} // namespace kosmos::ui
