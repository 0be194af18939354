#include "ui/canvas/selecttool.h"

#include <QApplication>
#include <QItemSelectionModel>
#include <QMouseEvent>

#include "ui/canvas/entityboxitem.h"
#include "ui/canvas/imagecanvas.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/commands/changeboxescommand.h"
#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"

namespace kosmos::ui {

namespace {
void toggleRow(ResultDocument* document, int sourceRow) {
    const QModelIndex index = document->visibleEntities()->mapFromSource(document->entities()->index(sourceRow, 0));
    document->selection()->select(index, QItemSelectionModel::Toggle | QItemSelectionModel::Rows);
}
} // namespace

void SelectTool::deactivate(ImageCanvas* canvas) {
    mPressed = false;
    mDrag = Drag::None;
    canvas->endPan();
}

bool SelectTool::findHandle(ImageCanvas* canvas, const QPoint& viewPos, BoxRef* ref, BoxHandle* handle) const {
    AnnotationDocument* annotation = canvas->editingAnnotation();
    if (!annotation) return false;
    const QList<BoxRef> selected = canvas->selectedBoxes();
    for (const BoxRef& candidate : selected) {
        const std::optional<kosmos::Box> box = annotation->box(candidate);
        if (!box) continue;
        const QRectF onScreen = canvas->mapFromScene(canvas->sceneRectOf(*box)).boundingRect();
        const BoxHandle hit = handleAt(onScreen, viewPos, ImageCanvas::kHandleSize / 2 + 2);
        if (hit != BoxHandle::None && hit != BoxHandle::Move) {
            *ref = candidate;
            *handle = hit;
            return true;
        }
    }
    return false;
}

bool SelectTool::startBoxDrag(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    AnnotationDocument* annotation = canvas->editingAnnotation();
    if (!annotation) return false;
    ResultDocument* document = canvas->document();
    BoxRef ref;
    BoxHandle handle = BoxHandle::None;
    if (findHandle(canvas, event->position().toPoint(), &ref, &handle)) {
        mRefs = {ref};
        mHandle = handle;
    } else {
        EntityBoxItem* item = canvas->boxItemAt(scenePos);
        if (!item || item->isSuggestion()) return false;
        if (event->modifiers() & Qt::ControlModifier) return false;   // Ctrl+click toggles on release
        const BoxRef hit = canvas->boxRef(item);
        if (!canvas->selectedBoxes().contains(hit)) document->selectSourceRow(item->sourceRow());
        mRefs = canvas->selectedBoxes();
        mHandle = BoxHandle::Move;
    }
    mStartRects.clear();
    for (const BoxRef& r : std::as_const(mRefs)) mStartRects.append(canvas->sceneRectOf(annotation->box(r).value_or(kosmos::Box{})));
    mDrag = Drag::Boxes;
    mDragSerial = canvas->nextDragSerial();
    canvas->viewport()->setCursor(handleCursor(mHandle));
    return true;
}

bool SelectTool::mousePress(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    if (event->button() != Qt::LeftButton) return false;
    mPressed = true;
    mDragged = false;
    mPressPos = event->position().toPoint();
    mPressScene = scenePos;
    if (!startBoxDrag(canvas, event, scenePos)) {
        mDrag = Drag::Pan;
        canvas->beginPan(mPressPos);
    }
    return true;
}

void SelectTool::dragBoxes(ImageCanvas* canvas, const QPointF& scenePos) {
    AnnotationDocument* annotation = canvas->editingAnnotation();
    if (!annotation || mRefs.isEmpty()) return;
    const QRectF bounds = canvas->imageRect();
    const QPointF delta = scenePos - mPressScene;
    std::vector<std::pair<BoxRef, kosmos::Box>> boxes;
    if (mHandle == BoxHandle::Move) {
        const QPointF allowed = clampedDelta(mStartRects, delta, bounds);
        for (int i = 0; i < mRefs.size(); ++i) boxes.emplace_back(mRefs[i], canvas->boxOf(mStartRects[i].translated(allowed)));
    } else {
        boxes.emplace_back(mRefs.front(), canvas->boxOf(resizedRect(mStartRects.front(), mHandle, delta, bounds, 1.0)));
    }
    const auto kind = mHandle == BoxHandle::Move ? ChangeBoxesCommand::Kind::Move : ChangeBoxesCommand::Kind::Resize;
    annotation->undoStack()->push(new ChangeBoxesCommand(annotation, boxes, kind, mDragSerial));
}

bool SelectTool::mouseMove(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    const QPoint pos = event->position().toPoint();
    if (!mPressed) {
        updateHoverCursor(canvas, pos);
        return false;
    }
    if (!mDragged && (pos - mPressPos).manhattanLength() >= QApplication::startDragDistance()) mDragged = true;
    if (!mDragged) return true;
    if (mDrag == Drag::Pan) canvas->updatePan(pos);
    else if (mDrag == Drag::Boxes) dragBoxes(canvas, scenePos);
    return true;
}

bool SelectTool::mouseRelease(ImageCanvas* canvas, QMouseEvent* event, const QPointF& scenePos) {
    if (!mPressed || event->button() != Qt::LeftButton) return false;
    mPressed = false;
    const Drag drag = mDrag;
    mDrag = Drag::None;
    mRefs.clear();
    mStartRects.clear();
    if (drag == Drag::Pan) canvas->endPan();
    else canvas->viewport()->setCursor(cursor());
    if (mDragged) return true;
    if (drag == Drag::Boxes && mHandle != BoxHandle::Move) return true;   // a click on a handle
    ResultDocument* document = canvas->document();
    if (EntityBoxItem* item = canvas->boxItemAt(scenePos)) {
        if (event->modifiers() & Qt::ControlModifier) toggleRow(document, item->sourceRow());
        else document->selectSourceRow(item->sourceRow());
    } else {
        document->clearSelection();
    }
    return true;
}

void SelectTool::updateHoverCursor(ImageCanvas* canvas, const QPoint& viewPos) {
    if (!canvas->editingAnnotation()) return;
    BoxRef ref;
    BoxHandle handle = BoxHandle::None;
    if (!findHandle(canvas, viewPos, &ref, &handle)) {
        EntityBoxItem* item = canvas->boxItemAt(canvas->mapToScene(viewPos));
        handle = item && !item->isSuggestion() ? BoxHandle::Move : BoxHandle::None;
    }
    canvas->viewport()->setCursor(handle == BoxHandle::None ? cursor() : handleCursor(handle));
}

} // namespace kosmos::ui
