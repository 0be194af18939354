#pragma once
// Every action of the main window, with its shortcut; the window wires them up.
#include <QObject>

class QAction;
class QWidget;

namespace kosmos::ui {

class WorkbenchActions : public QObject {
    Q_OBJECT
public:
    explicit WorkbenchActions(QWidget* window);

    // File
    QAction* openImage;
    QAction* openFolder;
    QAction* paste;
    QAction* exportImage;
    QAction* exportJson;
    QAction* quit;
    // Model
    QAction* openModel;
    // View
    QAction* zoomIn;
    QAction* zoomOut;
    QAction* zoomFit;
    QAction* zoomActual;
    QAction* previousImage;
    QAction* nextImage;
    QAction* showHeatmap;
    QAction* fullScreen;
    // Run
    QAction* run;
    QAction* cancel;
    QAction* runFolder;
    // Help
    QAction* shortcuts;
    QAction* about;
};

} // namespace kosmos::ui
