#pragma once
// Adds a drawn box: to an existing entity (a phrase may own several boxes), or as a new entity for a
// span of the caption (added to the entity that already has exactly that span), or as an entity
// without a span yet (linked later by selecting caption text).
#include "ui/document/commands/entitylistcommand.h"

namespace kosmos::ui {

class AddBoxCommand : public EntityListCommand {
public:
    // To the entity `toEntity` when it exists; otherwise for span [spanStart, spanEnd) (none when equal).
    AddBoxCommand(AnnotationDocument* document, const kosmos::Box& box, int spanStart, int spanEnd,
                  quint64 toEntity = 0, QUndoCommand* parent = nullptr);

    BoxRef added() const { return mAdded; }

private:
    BoxRef mAdded;
};

} // namespace kosmos::ui
