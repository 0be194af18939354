#include "ui/document/commands/linkboxcommand.h"

#include <QCoreApplication>

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

LinkBoxCommand::LinkBoxCommand(AnnotationDocument* document, const BoxRef& box, int spanStart, int spanEnd,
                               QUndoCommand* parent)
    : EntityListCommand(document, QCoreApplication::translate("Commands", "Link Box to Phrase"), parent), mLinked(box) {
    std::vector<EditEntity> edited = document->entities();
    const int from = document->indexOf(box.uid);
    const bool validSpan = spanStart >= 0 && spanEnd > spanStart && spanEnd <= document->captionLength();
    if (from < 0 || !validSpan || box.box < 0 ||
        box.box >= static_cast<int>(edited[static_cast<std::size_t>(from)].record.boxes.size())) {
        setEdited(std::move(edited));
        return;
    }
    EditEntity& source = edited[static_cast<std::size_t>(from)];
    const kosmos::Box moved = source.record.boxes[static_cast<std::size_t>(box.box)];
    const EditEntity* existing = document->entityWithSpan(spanStart, spanEnd);
    if (existing && existing->uid == source.uid) {
        setEdited(std::move(edited));   // already linked there
        return;
    }
    if (existing) {
        source.record.boxes.erase(source.record.boxes.begin() + box.box);
        if (!source.record.boxes.empty()) document->markEdited(source.record);
        const int to = [&] {
            for (std::size_t i = 0; i < edited.size(); ++i)
                if (edited[i].uid == existing->uid) return static_cast<int>(i);
            return -1;
        }();
        EditEntity& target = edited[static_cast<std::size_t>(to)];
        document->markEdited(target.record);
        target.record.boxes.push_back(moved);
        mLinked = {target.uid, static_cast<int>(target.record.boxes.size()) - 1};
        if (source.record.boxes.empty()) edited.erase(edited.begin() + from);
    } else if (source.record.boxes.size() == 1) {
        document->markEdited(source.record);
        source.record.spanStart = spanStart;
        source.record.spanEnd = spanEnd;
        source.record.phrase = document->phraseOf(spanStart, spanEnd);
        source.spanCut = false;
        mLinked = {source.uid, 0};
    } else {
        source.record.boxes.erase(source.record.boxes.begin() + box.box);
        document->markEdited(source.record);
        edited.push_back(document->makeEntity(humanEntity(*document, spanStart, spanEnd, {moved})));
        mLinked = {edited.back().uid, 0};
    }
    setSelectAfterRedo({mLinked});
    setEdited(std::move(edited));
}

} // namespace kosmos::ui
