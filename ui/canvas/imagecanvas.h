#pragma once
// The central view: the document's image with the result's boxes, the query region and the selected
// box's corner heat map. Wheel / Ctrl +/- zoom about the pointer, drag (or middle-drag) pans, and the
// current CanvasTool decides what a left-drag does. Zoom is measured in device pixels, so 100 % shows
// one image pixel per screen pixel on HiDPI screens too.
#include <QGraphicsView>
#include <QList>
#include <QPoint>
#include <QStringList>

#include "model/grounding.h"
#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class AnnotationDocument;
class CanvasTool;
class EntityBoxItem;
class BoxLabelItem;
class ResultDocument;
class SelectTool;

class ImageCanvas : public QGraphicsView {
    Q_OBJECT
public:
    explicit ImageCanvas(ResultDocument* document, QWidget* parent = nullptr);
    ~ImageCanvas() override;

    ResultDocument* document() const { return mDocument; }

    // Editing a stored sample: with an open AnnotationDocument whose annotation the result document
    // shows, the tools move, resize and draw boxes, the arrow keys nudge the selected boxes (Shift:
    // 10 pixels, Alt: resize) and Delete deletes them.
    void setAnnotation(AnnotationDocument* annotation);
    AnnotationDocument* editingAnnotation() const;   // nullptr when not editing
    BoxRef boxRef(const EntityBoxItem* item) const;
    // The selected boxes (entities only, or suggestions too).
    QList<BoxRef> selectedBoxes(bool includeSuggestions = false) const;
    QRectF sceneRectOf(const kosmos::Box& box) const;
    kosmos::Box boxOf(const QRectF& sceneRect) const;   // clamped to [0,1]
    // New drag serial for ChangeBoxesCommand: steps of one drag merge, two drags do not.
    int nextDragSerial() { return ++mDragSerial; }
    static constexpr qreal kHandleSize = 7;   // view pixels

    double zoom() const;
    bool isFitMode() const { return mFitMode; }
    static constexpr double kMinZoom = 0.02;
    static constexpr double kMaxZoom = 32.0;

    // nullptr restores the select/pan tool. The canvas does not own tools.
    void setTool(CanvasTool* tool);
    CanvasTool* tool() const { return mTool; }

    void setHeatmapVisible(bool visible);
    bool isHeatmapVisible() const { return mHeatmapVisible; }

    QGraphicsPixmapItem* imageItem() const { return mImageItem; }
    QGraphicsPixmapItem* heatmapItem() const { return mHeatmapItem; }
    QGraphicsRectItem* queryBoxItem() const { return mQueryItem; }
    QList<EntityBoxItem*> boxItems() const { return mBoxItems; }
    // The innermost box under a scene point (labels count as their box), or nullptr.
    EntityBoxItem* boxItemAt(const QPointF& scenePos) const;

    QRectF imageRect() const;
    QPointF clampToImage(const QPointF& scenePos) const;
    QRectF toNormalized(const QRectF& sceneRect) const;
    QRectF fromNormalized(const QRectF& normalized) const;

    // The image at its own size with everything drawn over it (what "Export annotated image" saves).
    QImage renderAnnotated();

    // Used by tools: drag the view with the pointer.
    void beginPan(const QPoint& viewPos);
    void updatePan(const QPoint& viewPos);
    void endPan();

public slots:
    // Moves the selected boxes by (dx, dy) image pixels, or with `resize` their bottom-right corner.
    bool nudgeSelection(int dx, int dy, bool resize = false);
    bool deleteSelection();
    void zoomIn();
    void zoomOut();
    void zoomToFit();
    void zoomActualSize();
    void setZoom(double zoom);

signals:
    void zoomChanged(double zoom);
    void pathsDropped(const QStringList& paths);
    void imageDropped(const QImage& image);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void drawForeground(QPainter* painter, const QRectF& rect) override;
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void onImageChanged();
    void rebuildBoxes();
    // Labels keep their size on screen at any zoom, so whether two cover each other depends on it: each box's
    // label (in list order) takes the first place around its box that covers no label placed before it, or
    // the place that covers least.
    void placeLabels();
    void placeLabels(const QTransform& sceneToViewport);
    void updateEmphasis();
    void updateHeatmap();
    void updateQueryBox();
    void applyZoom(double zoom, ViewportAnchor anchor);
    void setHovered(const QPointF& scenePos);
    void restoreCursor();
    void drawHandles(QPainter* painter);

    ResultDocument* mDocument;
    QGraphicsPixmapItem* mImageItem;
    QGraphicsPixmapItem* mHeatmapItem;
    QGraphicsRectItem* mQueryItem;
    BoxLabelItem* mQueryLabel;
    QList<EntityBoxItem*> mBoxItems;
    SelectTool* mSelectTool;
    CanvasTool* mTool;
    bool mFitMode = true;
    bool mHeatmapVisible = false;
    bool mPanning = false;
    bool mMiddlePan = false;
    QPoint mPanLast;
    AnnotationDocument* mAnnotation = nullptr;
    int mDragSerial = 0;
};

} // namespace kosmos::ui
