#pragma once
// Links a box to a span of the caption chosen by selecting text: the box joins the entity that has
// exactly that span, or becomes (or stays, when it is its entity's only box) an entity for the span.
#include "ui/document/commands/entitylistcommand.h"

namespace kosmos::ui {

class LinkBoxCommand : public EntityListCommand {
public:
    LinkBoxCommand(AnnotationDocument* document, const BoxRef& box, int spanStart, int spanEnd,
                   QUndoCommand* parent = nullptr);

    BoxRef linked() const { return mLinked; }

private:
    BoxRef mLinked;
};

} // namespace kosmos::ui
