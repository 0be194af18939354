#include "ui/canvas/selecttool.h"

#include <QApplication>
#include <QMouseEvent>

#include "ui/canvas/entityboxitem.h"
#include "ui/canvas/imagecanvas.h"
#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"

#include <QItemSelectionModel>

namespace kosmos::ui {

bool SelectTool::mousePress(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    (void)scenePos;
    if (event->button() != Qt::LeftButton) return false;
    mPressed = true;
    mDragged = false;
    mPressPos = event->position().toPoint();
    canvas->beginPan(mPressPos);
    return true;
}

bool SelectTool::mouseMove(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    (void)scenePos;
    if (!mPressed) return false;
    const QPoint pos = event->position().toPoint();
    if (!mDragged && (pos - mPressPos).manhattanLength() >= QApplication::startDragDistance()) mDragged = true;
    if (mDragged) canvas->updatePan(pos);
    return true;
}

bool SelectTool::mouseRelease(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    if (!mPressed || event->button() != Qt::LeftButton) return false;
    mPressed = false;
    canvas->endPan();
    if (mDragged) return true;
    ResultDocument* document = canvas->document();
    if (EntityBoxItem* item = canvas->boxItemAt(scenePos)) {
        if (event->modifiers() & Qt::ControlModifier) {
            const QModelIndex index = document->visibleEntities()->mapFromSource(
                document->entities()->index(item->sourceRow(), 0));
            document->selection()->select(index, QItemSelectionModel::Toggle | QItemSelectionModel::Rows);
        } else {
            document->selectSourceRow(item->sourceRow());
        }
    } else {
        document->clearSelection();
    }
    return true;
}

} // namespace kosmos::ui
