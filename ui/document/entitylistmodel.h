#pragma once
// The grounded entities of one result as a table: one row per box (an entity with two boxes has two
// rows). The canvas, the caption and the entity list all read it; it also holds which entity the
// pointer is over, so hovering any of them highlights the others.
#include <QAbstractTableModel>
#include <QList>
#include <QSize>

#include "model/engine/engine.h"

namespace kosmos::ui {

// What a stored annotation adds to a result entity (ResultDocument::setAnnotatedResult).
struct EntityAnnotation {
    bool suggestion = false;    // the model's, waiting for a person to accept or reject it
    bool spanCut = false;       // a caption edit cut through its phrase
    bool linked = true;         // has a span in the caption
    bool hasConfidence = true;  // false: the confidence column shows a dash
    bool refExp = false;        // GRIT's ref_exps rather than noun_chunks
    QString source;             // "imported", "model", "human"
};

class EntityListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { PhraseColumn, BoxColumn, ConfidenceColumn, ColumnCount };
    enum Role {
        EntityIndexRole = Qt::UserRole + 1,   // int: index into result().entities
        BoxIndexRole,                         // int: index into that entity's boxes
        NormalizedBoxRole,                    // QRectF in [0,1]
        ConfidenceRole,                       // double
        ColorRole,                            // QColor of the entity
        PhraseRole,                           // QString
        LabelRole,                            // QString: what the canvas writes beside the box
        SuggestionRole,                       // bool: a model suggestion not accepted yet
        SpanCutRole,                          // bool: the phrase needs a look after a caption edit
    };

    explicit EntityListModel(QObject* parent = nullptr);

    void setResult(const kosmos::GenerationResult& result, const QSize& imageSize);
    // A stored annotation shown as a result: one EntityAnnotation per entity of `result`.
    void setAnnotatedResult(const kosmos::GenerationResult& result, const QSize& imageSize,
                            const QList<EntityAnnotation>& annotations);
    bool isAnnotation() const { return mAnnotationMode; }
    const EntityAnnotation* annotation(int entity) const;
    void clear();
    bool hasResult() const { return mHasResult; }
    const kosmos::GenerationResult& result() const { return mResult; }

    int entityOfRow(int row) const;
    const kosmos::BoxDetail* boxDetail(int row) const;
    QList<int> rowsOfEntity(int entity) const;

    // The colour of an entity is that of the first entity with its phrase span (GRIT lists an object as a
    // noun chunk and again as a referring expression): entityColor(colorIndex(entity)).
    int colorIndex(int entity) const { return entity >= 0 && entity < mColorIndex.size() ? mColorIndex[entity] : entity; }

    int hoveredEntity() const { return mHoveredEntity; }
    void setHoveredEntity(int entity);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void hoveredEntityChanged(int entity);

private:
    struct Row {
        int entity = 0;
        int box = 0;
    };
    QString boxText(const kosmos::Box& box) const;
    QString label(int entity) const;
    void reset(const kosmos::GenerationResult& result, const QSize& imageSize,
               const QList<EntityAnnotation>& annotations, bool annotationMode);

    kosmos::GenerationResult mResult;
    QSize mImageSize;
    QList<Row> mRows;
    QList<int> mColorIndex;
    bool mHasResult = false;
    QList<EntityAnnotation> mAnnotations;
    bool mAnnotationMode = false;
    int mHoveredEntity = -1;
};

// "83.1 %", or scientific notation for the tiny values random weights give.
QString formatConfidence(double confidence);

} // namespace kosmos::ui
