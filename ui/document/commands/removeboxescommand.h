#pragma once
// Deletes boxes; an entity left without a box is removed with its last one.
#include "ui/document/commands/entitylistcommand.h"

namespace kosmos::ui {

class RemoveBoxesCommand : public EntityListCommand {
public:
    RemoveBoxesCommand(AnnotationDocument* document, const QList<BoxRef>& boxes, QUndoCommand* parent = nullptr);
};

} // namespace kosmos::ui
