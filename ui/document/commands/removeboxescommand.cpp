#include "ui/document/commands/removeboxescommand.h"

#include <QCoreApplication>

#include <algorithm>

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

RemoveBoxesCommand::RemoveBoxesCommand(AnnotationDocument* document, const QList<BoxRef>& boxes, QUndoCommand* parent)
    : EntityListCommand(document,
                        boxes.size() > 1 ? QCoreApplication::translate("Commands", "Delete Boxes")
                                         : QCoreApplication::translate("Commands", "Delete Box"),
                        parent) {
    QList<BoxRef> withTwins = boxes;
    for (const BoxRef& ref : boxes) withTwins += document->twinBoxes(ref);
    std::vector<EditEntity> edited = document->entities();
    for (EditEntity& entity : edited) {
        std::vector<int> doomed;
        for (const BoxRef& ref : withTwins)
            if (ref.uid == entity.uid && ref.box >= 0 && ref.box < static_cast<int>(entity.record.boxes.size()))
                doomed.push_back(ref.box);
        if (doomed.empty()) continue;
        std::sort(doomed.begin(), doomed.end());
        doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
        for (auto it = doomed.rbegin(); it != doomed.rend(); ++it)
            entity.record.boxes.erase(entity.record.boxes.begin() + *it);
        if (!entity.record.boxes.empty()) document->markEdited(entity.record);
    }
    edited.erase(std::remove_if(edited.begin(), edited.end(), [](const EditEntity& e) { return e.record.boxes.empty(); }),
                 edited.end());
    setEdited(std::move(edited));
}

} // namespace kosmos::ui
