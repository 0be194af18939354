#pragma once
// Edits the caption. Every span follows the edit (shifted, or grown and shrunk by an edit inside the
// phrase); a span the edit cuts through keeps what is left of it and is flagged for a look, and one
// whose phrase is gone loses its link (its boxes stay, to be linked again).
#include <QUndoCommand>

#include <string>
#include <vector>

#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class AnnotationDocument;

class EditCaptionCommand : public QUndoCommand {
public:
    // `caption` is UTF-8 text.
    EditCaptionCommand(AnnotationDocument* document, std::string caption, QUndoCommand* parent = nullptr);

    void undo() override { swap(); }
    void redo() override { swap(); }
    bool isEffective() const { return mEffective; }
    int cutSpans() const { return mCut; }   // spans flagged by this edit

private:
    void swap();

    AnnotationDocument* mDocument;
    std::string mCaption;
    std::vector<EditEntity> mEntities;
    bool mEffective = false;
    int mCut = 0;
};

} // namespace kosmos::ui
