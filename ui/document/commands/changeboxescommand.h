#pragma once
// Moves or resizes boxes: a mouse drag (every step of one drag merges into one undo step), or
// arrow-key nudges (consecutive nudges of the same boxes merge). A merge that ends where it started
// is dropped from the history. The changed entities become a person's (source Human).
#include <QUndoCommand>

#include <utility>
#include <vector>

#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class AnnotationDocument;

class ChangeBoxesCommand : public QUndoCommand {
public:
    enum class Kind { Move, Resize, Nudge };

    // `dragSerial` tells one drag from the next (ignored for nudges). Boxes of entities that do not
    // exist are ignored.
    ChangeBoxesCommand(AnnotationDocument* document, const std::vector<std::pair<BoxRef, kosmos::Box>>& newBoxes,
                       Kind kind, int dragSerial = 0, QUndoCommand* parent = nullptr);

    void undo() override { swap(); }
    void redo() override { swap(); }
    int id() const override;
    bool mergeWith(const QUndoCommand* other) override;

private:
    void swap();

    AnnotationDocument* mDocument;
    QList<BoxRef> mRefs;
    std::vector<EditEntity> mEntities;   // the changed entities' versions not in the document
    Kind mKind;
    int mDragSerial;
};

} // namespace kosmos::ui
