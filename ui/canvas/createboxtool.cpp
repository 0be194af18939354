#include "ui/canvas/createboxtool.h"

#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QMouseEvent>
#include <QPen>

#include "ui/canvas/imagecanvas.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/commands/addboxcommand.h"
#include "ui/document/resultdocument.h"

namespace kosmos::ui {

void CreateBoxTool::deactivate(ImageCanvas* canvas) {
    (void)canvas;
    removePreview();
}

void CreateBoxTool::removePreview() {
    delete mPreview;   // QGraphicsItem's destructor takes it out of the scene
    mPreview = nullptr;
}

bool CreateBoxTool::mousePress(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    if (event->button() != Qt::LeftButton || !canvas->document()->hasImage()) return false;
    removePreview();
    mStart = canvas->clampToImage(scenePos);
    mPreview = canvas->scene()->addRect(QRectF(mStart, mStart));
    QPen pen(Qt::white, 2, Qt::DashLine);
    pen.setCosmetic(true);
    mPreview->setPen(pen);
    mPreview->setZValue(100);
    return true;
}

bool CreateBoxTool::mouseMove(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    (void)event;
    if (!mPreview) return false;
    mPreview->setRect(QRectF(mStart, canvas->clampToImage(scenePos)).normalized());
    return true;
}

bool CreateBoxTool::mouseRelease(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    if (!mPreview || event->button() != Qt::LeftButton) return false;
    const QRectF rect = QRectF(mStart, canvas->clampToImage(scenePos)).normalized();
    removePreview();
    // A click without a drag is not a region.
    if (rect.width() < 2 || rect.height() < 2) return true;
    if (canvas->editingAnnotation())
        addBox(canvas, rect, event->modifiers());
    else
        canvas->document()->setQueryBox(canvas->toNormalized(rect));
    return true;
}

void CreateBoxTool::addBox(ImageCanvas* canvas, const QRectF& rect, Qt::KeyboardModifiers modifiers) {
    AnnotationDocument* annotation = canvas->editingAnnotation();
    quint64 toEntity = 0;
    if (modifiers & Qt::ShiftModifier) {
        const QList<BoxRef> selected = canvas->selectedBoxes();
        if (!selected.isEmpty()) toEntity = selected.front().uid;
    }
    const auto [start, end] = annotation->captionSelection();
    annotation->undoStack()->push(new AddBoxCommand(annotation, canvas->boxOf(rect), start, end, toEntity));
}

} // namespace kosmos::ui
