#pragma once
// Replaces caption, review state and entities at once: taking over a version another writer (the
// model, another workbench) stored, or the merge of theirs and ours. Undo brings ours back. Boxes
// not yet linked to a phrase (not stored) are kept.
#include <QUndoCommand>

#include <string>
#include <vector>

#include "core/sample.h"
#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class AnnotationDocument;

class ReplaceStateCommand : public QUndoCommand {
public:
    ReplaceStateCommand(AnnotationDocument* document, const kosmos::store::Sample& state, const QString& text,
                        QUndoCommand* parent = nullptr);

    void undo() override { swap(); }
    void redo() override { swap(); }

private:
    void swap();

    AnnotationDocument* mDocument;
    std::string mCaption;
    kosmos::store::ReviewState mReview;
    std::vector<EditEntity> mEntities;
};

} // namespace kosmos::ui
