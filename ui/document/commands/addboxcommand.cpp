#include "ui/document/commands/addboxcommand.h"

#include <QCoreApplication>

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

AddBoxCommand::AddBoxCommand(AnnotationDocument* document, const kosmos::Box& box, int spanStart, int spanEnd,
                             quint64 toEntity, QUndoCommand* parent)
    : EntityListCommand(document, QCoreApplication::translate("Commands", "Add Box"), parent) {
    std::vector<EditEntity> edited = document->entities();
    const int length = document->captionLength();
    if (spanStart < 0 || spanEnd > length || spanEnd < spanStart) spanStart = spanEnd = 0;
    int target = document->indexOf(toEntity);
    if (target < 0 && spanEnd > spanStart) {
        if (const EditEntity* same = document->entityWithSpan(spanStart, spanEnd)) target = document->indexOf(same->uid);
    }
    if (target >= 0) {
        EditEntity& entity = edited[static_cast<std::size_t>(target)];
        document->markEdited(entity.record);
        entity.record.boxes.push_back(box);
        mAdded = {entity.uid, static_cast<int>(entity.record.boxes.size()) - 1};
    } else {
        setText(QCoreApplication::translate("Commands", "Add Entity"));
        edited.push_back(document->makeEntity(humanEntity(*document, spanStart, spanEnd, {box})));
        mAdded = {edited.back().uid, 0};
    }
    setSelectAfterRedo({mAdded});
    setEdited(std::move(edited));
}

} // namespace kosmos::ui
