#include "ui/document/commands/linkboxcommand.h"

#include <QCoreApplication>

#include <algorithm>

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
    // A phrase listed both as noun chunk and as referring expression with the same boxes (twins) stays so.
    const quint64 sourceUid = edited[static_cast<std::size_t>(from)].uid;
    const QList<quint64> sourceGroup = QList<quint64>{sourceUid} + document->twinEntities(sourceUid);
    const auto find = [&](quint64 uid) -> EditEntity& {
        return *std::find_if(edited.begin(), edited.end(), [uid](const EditEntity& e) { return e.uid == uid; });
    };
    const auto removeFromSourceGroup = [&] {
        for (const quint64 uid : sourceGroup) {
            EditEntity& e = find(uid);
            e.record.boxes.erase(e.record.boxes.begin() + box.box);
            if (!e.record.boxes.empty()) document->markEdited(e.record);
        }
        edited.erase(std::remove_if(edited.begin(), edited.end(),
                                    [&](const EditEntity& e) {
                                        return sourceGroup.contains(e.uid) && e.record.boxes.empty();
                                    }),
                     edited.end());
    };
    EditEntity& source = find(sourceUid);
    const kosmos::Box moved = source.record.boxes[static_cast<std::size_t>(box.box)];
    const EditEntity* existing = document->entityWithSpan(spanStart, spanEnd);
    if (existing && sourceGroup.contains(existing->uid)) {
        setEdited(std::move(edited));   // already linked there (it or its twin)
        return;
    }
    if (existing) {
        const quint64 targetUid = existing->uid;
        const QList<quint64> targetGroup = QList<quint64>{targetUid} + document->twinEntities(targetUid);
        for (const quint64 uid : targetGroup) {
            EditEntity& target = find(uid);
            document->markEdited(target.record);
            target.record.boxes.push_back(moved);
        }
        mLinked = {targetUid, static_cast<int>(find(targetUid).record.boxes.size()) - 1};
        removeFromSourceGroup();
    } else if (source.record.boxes.size() == 1) {
        for (const quint64 uid : sourceGroup) {
            EditEntity& e = find(uid);
            document->markEdited(e.record);
            e.record.spanStart = spanStart;
            e.record.spanEnd = spanEnd;
            e.record.phrase = document->phraseOf(spanStart, spanEnd);
            e.spanCut = false;
        }
        mLinked = {sourceUid, 0};
    } else {
        removeFromSourceGroup();
        edited.push_back(document->makeEntity(humanEntity(*document, spanStart, spanEnd, {moved})));
        mLinked = {edited.back().uid, 0};
    }
    setSelectAfterRedo({mLinked});
    setEdited(std::move(edited));
}

} // namespace kosmos::ui
