#pragma once
// Replaces an entity's boxes with the model's answer to a phrase prompt (re-grounding a phrase):
// one wrong box of a phrase with several, or all of them. The entity takes the model as its source.
#include "ui/document/commands/entitylistcommand.h"

namespace kosmos::ui {

class ReplaceBoxesCommand : public EntityListCommand {
public:
    struct ModelAnswer {
        std::vector<kosmos::Box> boxes;      // best first
        std::optional<double> confidence;
        std::string checkpoint;
        std::string prompt;
    };

    // `box` < 0 replaces every box of the entity by the answer's boxes, otherwise box `box` by the
    // answer's first box.
    ReplaceBoxesCommand(AnnotationDocument* document, quint64 entity, int box, const ModelAnswer& answer,
                        QUndoCommand* parent = nullptr);
};

} // namespace kosmos::ui
