#pragma once
// Removes whole entities (a phrase with all its boxes).
#include "ui/document/commands/entitylistcommand.h"

namespace kosmos::ui {

class RemoveEntitiesCommand : public EntityListCommand {
public:
    RemoveEntitiesCommand(AnnotationDocument* document, const QList<quint64>& entities, QUndoCommand* parent = nullptr);
};

} // namespace kosmos::ui
