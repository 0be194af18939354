#include "ui/document/commands/replaceboxescommand.h"

#include <QCoreApplication>

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

ReplaceBoxesCommand::ReplaceBoxesCommand(AnnotationDocument* document, quint64 entity, int box,
                                         const ModelAnswer& answer, QUndoCommand* parent)
    : EntityListCommand(document, QCoreApplication::translate("Commands", "Re-ground Phrase"), parent) {
    std::vector<EditEntity> edited = document->entities();
    const int index = document->indexOf(entity);
    if (index >= 0 && !answer.boxes.empty()) {
        EditEntity& target = edited[static_cast<std::size_t>(index)];
        std::vector<kosmos::Box>& boxes = target.record.boxes;
        QList<BoxRef> select;
        if (box >= 0 && box < static_cast<int>(boxes.size())) {
            boxes[static_cast<std::size_t>(box)] = answer.boxes.front();
            select.append({target.uid, box});
        } else {
            boxes = answer.boxes;
            for (int i = 0; i < static_cast<int>(boxes.size()); ++i) select.append({target.uid, i});
        }
        target.record.source = kosmos::store::EntitySource::Model;
        target.record.confidence = answer.confidence;
        target.record.modelCheckpoint = answer.checkpoint;
        target.record.modelPrompt = answer.prompt;
        target.record.author.clear();
        setSelectAfterRedo(select);
    }
    setEdited(std::move(edited));
}

} // namespace kosmos::ui
