#pragma once
// Sets the sample's review state (accepted, rejected, corrected, or back to unreviewed).
#include <QUndoCommand>

#include "core/sample.h"

namespace kosmos::ui {

class AnnotationDocument;

class SetReviewCommand : public QUndoCommand {
public:
    SetReviewCommand(AnnotationDocument* document, kosmos::store::ReviewState state, QUndoCommand* parent = nullptr);

    void undo() override { swap(); }
    void redo() override { swap(); }

private:
    void swap();

    AnnotationDocument* mDocument;
    kosmos::store::ReviewState mState;
};

// "Accepted", "Rejected", "Corrected", "Unreviewed".
QString reviewStateName(kosmos::store::ReviewState state);

} // namespace kosmos::ui
