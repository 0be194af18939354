#pragma once
// The base of the edits that change which entities there are or which boxes and span they hold: the
// command keeps the other entity list (the edited one before redo, the previous one after) and
// undo and redo swap it with the document's. Subclasses build the edited list in their constructor
// and say which boxes to select after redo.
#include <QUndoCommand>

#include <vector>

#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class AnnotationDocument;

class EntityListCommand : public QUndoCommand {
public:
    void undo() override;
    void redo() override;
    // False when the edit changes nothing (the caller need not push it).
    bool isEffective() const { return mEffective; }

protected:
    EntityListCommand(AnnotationDocument* document, const QString& text, QUndoCommand* parent);
    // Sets the list that redo() installs; compares it with the document's to know whether it does anything.
    void setEdited(std::vector<EditEntity> edited);
    void setSelectAfterRedo(QList<BoxRef> refs) { mSelect = std::move(refs); }
    AnnotationDocument* document() const { return mDocument; }

private:
    void swap(bool redoing);

    AnnotationDocument* mDocument;
    std::vector<EditEntity> mEntities;
    QList<BoxRef> mSelect;
    bool mEffective = false;
};

// An entity made by a person for a span of the current caption (phrase filled in).
kosmos::store::EntityRecord humanEntity(const AnnotationDocument& document, int spanStart, int spanEnd,
                                        std::vector<kosmos::Box> boxes);

} // namespace kosmos::ui
