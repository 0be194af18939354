#pragma once
// What the workbench shows: one image, the result of the last prompt run on it, the text streaming in
// while a run is going, and the region drawn for a referring-expression prompt. Views listen to its
// signals and models; none of them talks to another view.
#include <QImage>
#include <QList>
#include <QObject>
#include <QRectF>
#include <QSet>
#include <QString>

#include <optional>

#include "model/engine/engine.h"

class QItemSelectionModel;

namespace kosmos::ui {

class EntityFilterModel;
class EntityListModel;
struct EntityAnnotation;

class ResultDocument : public QObject {
    Q_OBJECT
public:
    explicit ResultDocument(QObject* parent = nullptr);

    // A new image drops the result, the streaming text and the query region.
    void setImage(const QImage& image, const QString& path, const QString& title);
    const QImage& image() const { return mImage; }
    QString imagePath() const { return mImagePath; }   // empty for pasted images
    QString title() const { return mTitle; }
    bool hasImage() const { return !mImage.isNull(); }

    void setResult(const kosmos::GenerationResult& result, const QString& prompt);
    // A stored sample's annotation shown as the result: one EntityAnnotation per entity of `result`
    // (the canvas, caption and entity list then offer editing).
    void setAnnotatedResult(const kosmos::GenerationResult& result, const QList<EntityAnnotation>& annotations);
    bool isAnnotation() const;
    void clearResult();
    bool hasResult() const;
    const kosmos::GenerationResult& result() const;
    QString resultPrompt() const { return mResultPrompt; }

    // Streaming state of a run on this image.
    void setRunning(bool running);
    bool isRunning() const { return mRunning; }
    void setPartialText(const QString& text);
    QString partialText() const { return mPartialText; }

    // The region a referring-expression prompt asks about, normalised to [0,1].
    void setQueryBox(const std::optional<QRectF>& box);
    std::optional<QRectF> queryBox() const { return mQueryBox; }

    EntityListModel* entities() const { return mEntities; }
    EntityFilterModel* visibleEntities() const { return mVisible; }
    // The one selection model, on visibleEntities().
    QItemSelectionModel* selection() const { return mSelection; }

    // Selection helpers in source-row / entity terms.
    QList<int> selectedSourceRows() const;
    QSet<int> selectedEntities() const;
    int currentSourceRow() const;
    void selectSourceRow(int sourceRow);
    void selectEntity(int entity);
    void clearSelection();

signals:
    void imageChanged();
    void resultChanged();
    void runningChanged(bool running);
    void partialTextChanged(const QString& text);
    void queryBoxChanged();

private:
    QImage mImage;
    QString mImagePath;
    QString mTitle;
    QString mResultPrompt;
    QString mPartialText;
    bool mRunning = false;
    std::optional<QRectF> mQueryBox;
    EntityListModel* mEntities;
    EntityFilterModel* mVisible;
    QItemSelectionModel* mSelection;
};

} // namespace kosmos::ui
