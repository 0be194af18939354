#include "ui/canvas/imagecanvas.h"

#include <QDragEnterEvent>
#include <QGraphicsPixmapItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QMimeData>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ui/canvas/boxhandles.h"
#include "ui/canvas/boxlabelitem.h"
#include "ui/canvas/entityboxitem.h"
#include "ui/canvas/heatmapimage.h"
#include "ui/canvas/selecttool.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/commands/changeboxescommand.h"
#include "ui/document/commands/removeboxescommand.h"
#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"
#include "ui/imagefiles.h"

namespace kosmos::ui {
namespace {
constexpr double kZoomStep = 1.25;
constexpr int kHeatmapBins = 32;
}

ImageCanvas::ImageCanvas(ResultDocument* document, QWidget* parent)
    : QGraphicsView(parent),
      mDocument(document),
      mImageItem(new QGraphicsPixmapItem),
      mHeatmapItem(new QGraphicsPixmapItem),
      mQueryItem(new QGraphicsRectItem),
      mQueryLabel(new BoxLabelItem(tr("region"), QColor(Qt::white), mQueryItem)),
      mSelectTool(new SelectTool),
      mTool(mSelectTool) {
    setScene(new QGraphicsScene(this));
    setObjectName(QStringLiteral("imageCanvas"));
    setBackgroundBrush(QColor(46, 47, 50));
    setFrameShape(QFrame::NoFrame);
    setViewportUpdateMode(FullViewportUpdate);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setMouseTracking(true);
    setAcceptDrops(true);
    viewport()->setAcceptDrops(true);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);

    mImageItem->setTransformationMode(Qt::SmoothTransformation);
    mImageItem->setZValue(0);
    mHeatmapItem->setTransformationMode(Qt::FastTransformation);   // one crisp square per patch cell
    mHeatmapItem->setZValue(1);
    mHeatmapItem->setVisible(false);
    QPen queryPen(Qt::white, 2, Qt::DashLine);
    queryPen.setCosmetic(true);
    mQueryItem->setPen(queryPen);
    mQueryItem->setZValue(50);
    mQueryItem->setVisible(false);
    scene()->addItem(mImageItem);
    scene()->addItem(mHeatmapItem);
    scene()->addItem(mQueryItem);
    restoreCursor();

    connect(mDocument, &ResultDocument::imageChanged, this, &ImageCanvas::onImageChanged);
    connect(mDocument, &ResultDocument::queryBoxChanged, this, &ImageCanvas::updateQueryBox);
    EntityFilterModel* visible = mDocument->visibleEntities();
    connect(visible, &QAbstractItemModel::modelReset, this, &ImageCanvas::rebuildBoxes);
    connect(visible, &QAbstractItemModel::rowsInserted, this, &ImageCanvas::rebuildBoxes);
    connect(visible, &QAbstractItemModel::rowsRemoved, this, &ImageCanvas::rebuildBoxes);
    connect(visible, &QAbstractItemModel::layoutChanged, this, &ImageCanvas::rebuildBoxes);
    connect(mDocument->selection(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateEmphasis();
        updateHeatmap();
    });
    connect(mDocument->selection(), &QItemSelectionModel::currentChanged, this, &ImageCanvas::updateHeatmap);
    connect(mDocument->entities(), &EntityListModel::hoveredEntityChanged, this, &ImageCanvas::updateEmphasis);
    onImageChanged();
}

ImageCanvas::~ImageCanvas() {
    if (mTool) mTool->deactivate(this);
    delete mSelectTool;
}

double ImageCanvas::zoom() const { return transform().m11() * devicePixelRatioF(); }

void ImageCanvas::setTool(CanvasTool* tool) {
    if (!tool) tool = mSelectTool;
    if (tool == mTool) return;
    mTool->deactivate(this);
    mTool = tool;
    mTool->activate(this);
    restoreCursor();
}

void ImageCanvas::restoreCursor() { viewport()->setCursor(mTool->cursor()); }

void ImageCanvas::setHeatmapVisible(bool visible) {
    mHeatmapVisible = visible;
    updateHeatmap();
}

QRectF ImageCanvas::imageRect() const { return QRectF(QPointF(0, 0), QSizeF(mDocument->image().size())); }

QPointF ImageCanvas::clampToImage(const QPointF& scenePos) const {
    const QRectF r = imageRect();
    return QPointF(std::clamp(scenePos.x(), r.left(), r.right()), std::clamp(scenePos.y(), r.top(), r.bottom()));
}

QRectF ImageCanvas::toNormalized(const QRectF& sceneRect) const {
    const QRectF r = imageRect();
    if (r.isEmpty()) return {};
    return QRectF(sceneRect.x() / r.width(), sceneRect.y() / r.height(), sceneRect.width() / r.width(),
                  sceneRect.height() / r.height());
}

QRectF ImageCanvas::fromNormalized(const QRectF& normalized) const {
    const QRectF r = imageRect();
    return QRectF(normalized.x() * r.width(), normalized.y() * r.height(), normalized.width() * r.width(),
                  normalized.height() * r.height());
}

EntityBoxItem* ImageCanvas::boxItemAt(const QPointF& scenePos) const {
    // View-based lookup so that zoom-independent labels are hit where they are drawn.
    const QList<QGraphicsItem*> hits = items(mapFromScene(scenePos));
    EntityBoxItem* best = nullptr;
    double bestArea = 0;
    for (QGraphicsItem* hit : hits) {
        QGraphicsItem* candidate = hit;
        if (dynamic_cast<BoxLabelItem*>(hit)) return dynamic_cast<EntityBoxItem*>(hit->parentItem());
        auto* box = dynamic_cast<EntityBoxItem*>(candidate);
        if (!box || !box->isVisible()) continue;
        const double area = box->rect().width() * box->rect().height();
        if (!best || area < bestArea) {
            best = box;
            bestArea = area;
        }
    }
    return best;
}

void ImageCanvas::onImageChanged() {
    const QImage& image = mDocument->image();
    mImageItem->setPixmap(image.isNull() ? QPixmap() : QPixmap::fromImage(image));
    scene()->setSceneRect(imageRect());
    rebuildBoxes();
    updateQueryBox();
    zoomToFit();
    viewport()->update();
}

void ImageCanvas::rebuildBoxes() {
    qDeleteAll(mBoxItems);
    mBoxItems.clear();
    EntityFilterModel* visible = mDocument->visibleEntities();
    for (int row = 0; row < visible->rowCount(); ++row) {
        const QModelIndex index = visible->index(row, 0);
        const int sourceRow = visible->mapToSource(index).row();
        const QRectF box = fromNormalized(index.data(EntityListModel::NormalizedBoxRole).toRectF());
        auto* item = new EntityBoxItem(box, index.data(EntityListModel::ColorRole).value<QColor>(),
                                       index.data(EntityListModel::LabelRole).toString(), sourceRow,
                                       index.data(EntityListModel::EntityIndexRole).toInt());
        item->setBoxIndex(index.data(EntityListModel::BoxIndexRole).toInt());
        item->setSuggestion(index.data(EntityListModel::SuggestionRole).toBool());
        item->setZValue(2);
        scene()->addItem(item);
        mBoxItems.append(item);
    }
    placeLabels();
    updateEmphasis();
    updateHeatmap();
}

void ImageCanvas::placeLabels() { placeLabels(viewportTransform()); }

void ImageCanvas::placeLabels(const QTransform& toView) {
    const QRectF image = toView.mapRect(imageRect());
    std::vector<QRectF> placed;
    placed.reserve(static_cast<std::size_t>(mBoxItems.size()));
    for (qsizetype i = 0; i < mBoxItems.size(); ++i) {
        EntityBoxItem* item = mBoxItems[i];
        // A twin (the same phrase on the same box: a GRIT noun chunk and its referring expression) shares
        // the first one's label place, so the two labels show as one.
        const auto twin = std::find_if(mBoxItems.cbegin(), mBoxItems.cbegin() + i, [item](const EntityBoxItem* other) {
            return other->rect() == item->rect() && other->label() == item->label();
        });
        if (twin != mBoxItems.cbegin() + i) {
            item->setLabelPlace((*twin)->labelPlace(), (*twin)->labelShiftLeft());
            continue;
        }
        LabelPlace best = LabelPlace::BelowTop;
        qreal leastCovered = std::numeric_limits<qreal>::max();
        QRectF bestRect;
        // A label running past the image's right edge moves left, as far as the image's left edge.
        const auto shiftLeftOf = [&](const QRectF& rect) {
            return std::max<qreal>(0, std::min(rect.right() - image.right(), rect.left() - image.left()));
        };
        for (LabelPlace place : {LabelPlace::AboveTop, LabelPlace::BelowTop, LabelPlace::BelowBottom,
                                 LabelPlace::AboveBottom}) {
            QRectF rect = item->labelRectInView(place, toView);
            rect.translate(-shiftLeftOf(rect), 0);
            // Outside the box only where the label stays on the image.
            if ((place == LabelPlace::AboveTop && rect.top() < image.top() - 0.5) ||
                (place == LabelPlace::BelowBottom && rect.bottom() > image.bottom() + 0.5))
                continue;
            qreal covered = 0;
            for (const QRectF& other : placed) {
                const QRectF both = rect.intersected(other);
                covered += both.width() * both.height();
            }
            if (covered < leastCovered) {
                leastCovered = covered;
                best = place;
                bestRect = rect;
            }
            if (covered == 0) break;
        }
        if (bestRect.isNull()) {
            bestRect = item->labelRectInView(best, toView);
            bestRect.translate(-shiftLeftOf(bestRect), 0);
        }
        item->setLabelPlace(best, item->labelRectInView(best, toView).left() - bestRect.left());
        placed.push_back(bestRect);
    }
}

void ImageCanvas::updateEmphasis() {
    const QList<int> selectedRows = mDocument->selectedSourceRows();
    const int hovered = mDocument->entities()->hoveredEntity();
    for (EntityBoxItem* item : std::as_const(mBoxItems)) {
        EntityBoxItem::Emphasis emphasis = EntityBoxItem::Emphasis::Normal;
        if (selectedRows.contains(item->sourceRow()))
            emphasis = EntityBoxItem::Emphasis::Selected;
        else if (item->entity() == hovered)
            emphasis = EntityBoxItem::Emphasis::Hovered;
        else if (!selectedRows.isEmpty())
            emphasis = EntityBoxItem::Emphasis::Dimmed;
        item->setEmphasis(emphasis);
        item->setZValue(emphasis == EntityBoxItem::Emphasis::Hovered    ? 4
                        : emphasis == EntityBoxItem::Emphasis::Selected ? 3
                                                                        : 2);
    }
    viewport()->update();   // the resize handles follow the selection
}

void ImageCanvas::updateHeatmap() {
    const int row = mDocument->currentSourceRow();
    const kosmos::BoxDetail* detail = mDocument->entities()->boxDetail(row);
    QImage heat;
    if (mHeatmapVisible && detail) heat = cornerHeatmapImage(detail->ulHeatmap, detail->lrHeatmap, kHeatmapBins);
    if (heat.isNull()) {
        mHeatmapItem->setVisible(false);
        return;
    }
    const QRectF r = imageRect();
    mHeatmapItem->setPixmap(QPixmap::fromImage(heat));
    mHeatmapItem->setTransform(QTransform::fromScale(r.width() / heat.width(), r.height() / heat.height()));
    mHeatmapItem->setVisible(true);
}

void ImageCanvas::updateQueryBox() {
    const std::optional<QRectF> box = mDocument->queryBox();
    mQueryItem->setVisible(box.has_value() && mDocument->hasImage());
    if (box) {
        const QRectF rect = fromNormalized(*box);
        mQueryItem->setRect(rect);
        mQueryLabel->setPos(rect.topLeft());
    }
}

void ImageCanvas::zoomIn() { applyZoom(zoom() * kZoomStep, AnchorViewCenter); }

void ImageCanvas::zoomOut() { applyZoom(zoom() / kZoomStep, AnchorViewCenter); }

void ImageCanvas::zoomActualSize() { applyZoom(1.0, AnchorViewCenter); }

void ImageCanvas::setZoom(double zoom) { applyZoom(zoom, AnchorViewCenter); }

void ImageCanvas::zoomToFit() {
    mFitMode = true;
    const QRectF r = imageRect();
    if (r.isEmpty() || viewport()->width() <= 2 || viewport()->height() <= 2) {
        resetTransform();
    } else {
        fitInView(r, Qt::KeepAspectRatio);
    }
    setRenderHint(QPainter::SmoothPixmapTransform, zoom() < 3);
    placeLabels();
    emit zoomChanged(zoom());
}

void ImageCanvas::applyZoom(double target, ViewportAnchor anchor) {
    target = std::clamp(target, kMinZoom, kMaxZoom);
    const double scale = target / devicePixelRatioF();
    const ViewportAnchor previous = transformationAnchor();
    setTransformationAnchor(anchor);
    setTransform(QTransform::fromScale(scale, scale));
    setTransformationAnchor(previous);
    mFitMode = false;
    // Smoothing hides pixels; past 300 % the user is looking at pixels.
    setRenderHint(QPainter::SmoothPixmapTransform, target < 3);
    placeLabels();
    emit zoomChanged(zoom());
}

void ImageCanvas::beginPan(const QPoint& viewPos) {
    mPanning = true;
    mPanLast = viewPos;
    viewport()->setCursor(Qt::ClosedHandCursor);
}

void ImageCanvas::updatePan(const QPoint& viewPos) {
    if (!mPanning) return;
    const QPoint delta = viewPos - mPanLast;
    mPanLast = viewPos;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
    verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
}

void ImageCanvas::endPan() {
    mPanning = false;
    restoreCursor();
}

void ImageCanvas::wheelEvent(QWheelEvent* event) {
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    // One notch (120) = 2^(1/4): four notches double the zoom.
    applyZoom(zoom() * std::pow(2.0, delta / 480.0), AnchorUnderMouse);
    event->accept();
}

void ImageCanvas::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (mFitMode) zoomToFit();
}

void ImageCanvas::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::MiddleButton) {
        mMiddlePan = true;
        beginPan(event->position().toPoint());
        event->accept();
        return;
    }
    if (mTool->mousePress(this, event, mapToScene(event->position().toPoint()))) {
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* event) {
    const QPointF scenePos = mapToScene(event->position().toPoint());
    if (mMiddlePan) {
        updatePan(event->position().toPoint());
        event->accept();
        return;
    }
    const bool used = mTool->mouseMove(this, event, scenePos);
    if (!mPanning) setHovered(scenePos);
    if (used) {
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() == Qt::MiddleButton && mMiddlePan) {
        mMiddlePan = false;
        endPan();
        event->accept();
        return;
    }
    if (mTool->mouseRelease(this, event, mapToScene(event->position().toPoint()))) {
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void ImageCanvas::setHovered(const QPointF& scenePos) {
    EntityBoxItem* item = boxItemAt(scenePos);
    mDocument->entities()->setHoveredEntity(item ? item->entity() : -1);
}

void ImageCanvas::leaveEvent(QEvent* event) {
    mDocument->entities()->setHoveredEntity(-1);
    QGraphicsView::leaveEvent(event);
}

void ImageCanvas::dragEnterEvent(QDragEnterEvent* event) {
    const QMimeData* mime = event->mimeData();
    if (!openablePathsFromMimeData(mime).isEmpty() || (mime && mime->hasImage()))
        event->acceptProposedAction();
    else
        event->ignore();
}

void ImageCanvas::dragMoveEvent(QDragMoveEvent* event) {
    const QMimeData* mime = event->mimeData();
    if (!openablePathsFromMimeData(mime).isEmpty() || (mime && mime->hasImage()))
        event->acceptProposedAction();
    else
        event->ignore();
}

void ImageCanvas::dropEvent(QDropEvent* event) {
    const QMimeData* mime = event->mimeData();
    const QStringList paths = openablePathsFromMimeData(mime);
    if (!paths.isEmpty()) {
        event->acceptProposedAction();
        emit pathsDropped(paths);
        return;
    }
    if (mime && mime->hasImage()) {
        const QImage image = qvariant_cast<QImage>(mime->imageData());
        if (!image.isNull()) {
            event->acceptProposedAction();
            emit imageDropped(image);
            return;
        }
    }
    event->ignore();
}

void ImageCanvas::drawForeground(QPainter* painter, const QRectF& rect) {
    QGraphicsView::drawForeground(painter, rect);
    if (mDocument->hasImage()) {
        drawHandles(painter);
        return;
    }
    painter->save();
    painter->resetTransform();
    painter->setPen(QColor(200, 200, 200));
    QFont font = painter->font();
    font.setPointSizeF(font.pointSizeF() * 1.3);
    painter->setFont(font);
    painter->drawText(viewport()->rect(), Qt::AlignCenter,
                      tr("Open an image (Ctrl+O), paste one (Ctrl+V)\nor drop an image or a folder here"));
    painter->restore();
}

// ---------------------------------------------------------------------------------------------- editing

void ImageCanvas::setAnnotation(AnnotationDocument* annotation) { mAnnotation = annotation; }

AnnotationDocument* ImageCanvas::editingAnnotation() const {
    return mAnnotation && mAnnotation->isOpen() && mDocument->isAnnotation() ? mAnnotation : nullptr;
}

BoxRef ImageCanvas::boxRef(const EntityBoxItem* item) const {
    if (!item || !mAnnotation) return {};
    return {mAnnotation->uidAtResultIndex(item->entity()), item->boxIndex()};
}

QList<BoxRef> ImageCanvas::selectedBoxes(bool includeSuggestions) const {
    QList<BoxRef> refs;
    if (!editingAnnotation()) return refs;
    const QList<int> rows = mDocument->selectedSourceRows();
    const EntityListModel* entities = mDocument->entities();
    for (int row : rows) {
        const QModelIndex index = entities->index(row, 0);
        const quint64 uid = mAnnotation->uidAtResultIndex(index.data(EntityListModel::EntityIndexRole).toInt());
        if (uid == 0 || (!includeSuggestions && mAnnotation->isSuggestion(uid))) continue;
        refs.append({uid, index.data(EntityListModel::BoxIndexRole).toInt()});
    }
    return refs;
}

QRectF ImageCanvas::sceneRectOf(const kosmos::Box& box) const {
    return fromNormalized(QRectF(QPointF(box[0], box[1]), QPointF(box[2], box[3])));
}

kosmos::Box ImageCanvas::boxOf(const QRectF& sceneRect) const {
    const QRectF n = toNormalized(sceneRect.normalized());
    const auto unit = [](double v) { return std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : 0.0; };
    return {unit(n.left()), unit(n.top()), unit(n.right()), unit(n.bottom())};
}

bool ImageCanvas::nudgeSelection(int dx, int dy, bool resize) {
    AnnotationDocument* annotation = editingAnnotation();
    const QList<BoxRef> refs = selectedBoxes();
    if (!annotation || refs.isEmpty()) return false;
    QList<QRectF> rects;
    for (const BoxRef& ref : refs) rects.append(sceneRectOf(annotation->box(ref).value_or(kosmos::Box{})));
    const QRectF bounds = imageRect();
    const QPointF delta = resize ? QPointF(dx, dy) : clampedDelta(rects, QPointF(dx, dy), bounds);
    std::vector<std::pair<BoxRef, kosmos::Box>> changed;
    for (int i = 0; i < refs.size(); ++i) {
        const QRectF moved = resize ? resizedRect(rects[i], BoxHandle::BottomRight, delta, bounds, 1.0)
                                    : rects[i].translated(delta);
        changed.emplace_back(refs[i], boxOf(moved));
    }
    annotation->undoStack()->push(new ChangeBoxesCommand(annotation, changed, ChangeBoxesCommand::Kind::Nudge));
    return true;
}

bool ImageCanvas::deleteSelection() {
    AnnotationDocument* annotation = editingAnnotation();
    const QList<BoxRef> refs = selectedBoxes();
    if (!annotation || refs.isEmpty()) return false;
    auto* command = new RemoveBoxesCommand(annotation, refs);
    if (!command->isEffective()) {
        delete command;
        return false;
    }
    annotation->undoStack()->push(command);
    return true;
}

namespace {
// The arrow keys and Delete edit boxes while some are selected; otherwise they keep their shortcuts.
bool isEditKey(int key) {
    return key == Qt::Key_Left || key == Qt::Key_Right || key == Qt::Key_Up || key == Qt::Key_Down ||
           key == Qt::Key_Delete || key == Qt::Key_Backspace;
}
} // namespace

bool ImageCanvas::event(QEvent* event) {
    if (event->type() == QEvent::ShortcutOverride) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (isEditKey(key->key()) && !(key->modifiers() & Qt::ControlModifier) && !selectedBoxes().isEmpty()) {
            event->accept();
            return true;
        }
    }
    return QGraphicsView::event(event);
}

void ImageCanvas::keyPressEvent(QKeyEvent* event) {
    if (editingAnnotation() && !(event->modifiers() & Qt::ControlModifier)) {
        const int step = (event->modifiers() & Qt::ShiftModifier) ? 10 : 1;
        const bool resize = event->modifiers() & Qt::AltModifier;
        bool used = false;
        switch (event->key()) {
        case Qt::Key_Left: used = nudgeSelection(-step, 0, resize); break;
        case Qt::Key_Right: used = nudgeSelection(step, 0, resize); break;
        case Qt::Key_Up: used = nudgeSelection(0, -step, resize); break;
        case Qt::Key_Down: used = nudgeSelection(0, step, resize); break;
        case Qt::Key_Delete:
        case Qt::Key_Backspace: used = deleteSelection(); break;
        default: break;
        }
        if (used) {
            event->accept();
            return;
        }
    }
    QGraphicsView::keyPressEvent(event);
}

void ImageCanvas::drawHandles(QPainter* painter) {
    AnnotationDocument* annotation = editingAnnotation();
    if (!annotation) return;
    const QList<BoxRef> refs = selectedBoxes();
    if (refs.isEmpty()) return;
    painter->save();
    painter->resetTransform();
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->setPen(QPen(Qt::black, 1));
    painter->setBrush(Qt::white);
    const qreal half = kHandleSize / 2;
    for (const BoxRef& ref : refs) {
        const std::optional<kosmos::Box> box = annotation->box(ref);
        if (!box) continue;
        const QRectF onScreen = mapFromScene(sceneRectOf(*box)).boundingRect();
        const QList<QPointF> centres = handleCentres(onScreen);
        for (const QPointF& c : centres) painter->drawRect(QRectF(c.x() - half, c.y() - half, kHandleSize, kHandleSize));
    }
    painter->restore();
}

QImage ImageCanvas::renderAnnotated() {
    const QRectF r = imageRect();
    if (r.isEmpty()) return {};
    QImage out(mDocument->image().size(), QImage::Format_ARGB32_Premultiplied);
    out.fill(Qt::transparent);
    QPainter painter(&out);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    // Labels placed for the image at 1:1, as it is drawn here (on screen they may sit where the zoom left room).
    placeLabels(QTransform::fromTranslate(-r.left(), -r.top()));
    scene()->render(&painter, QRectF(out.rect()), r, Qt::IgnoreAspectRatio);
    painter.end();
    placeLabels();
    return out;
}

} // namespace kosmos::ui
