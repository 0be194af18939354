#include "ui/document/commands/changeboxescommand.h"

#include <QCoreApplication>

#include <algorithm>

#include "ui/document/annotationdocument.h"
#include "ui/document/commands/commandids.h"

namespace kosmos::ui {

namespace {
QString commandText(ChangeBoxesCommand::Kind kind, std::size_t count) {
    const bool many = count > 1;
    switch (kind) {
    case ChangeBoxesCommand::Kind::Move:
        return many ? QCoreApplication::translate("Commands", "Move Boxes") : QCoreApplication::translate("Commands", "Move Box");
    case ChangeBoxesCommand::Kind::Resize: return QCoreApplication::translate("Commands", "Resize Box");
    case ChangeBoxesCommand::Kind::Nudge:
        return many ? QCoreApplication::translate("Commands", "Nudge Boxes") : QCoreApplication::translate("Commands", "Nudge Box");
    }
    return {};
}
} // namespace

ChangeBoxesCommand::ChangeBoxesCommand(AnnotationDocument* document,
                                       const std::vector<std::pair<BoxRef, kosmos::Box>>& newBoxes, Kind kind,
                                       int dragSerial, QUndoCommand* parent)
    : QUndoCommand(commandText(kind, newBoxes.size()), parent),
      mDocument(document),
      mKind(kind),
      mDragSerial(dragSerial) {
    // Edits copies of the entities; the document changes only when the command runs.
    const auto setBox = [&](const BoxRef& ref, const kosmos::Box& box) {
        const EditEntity* current = document->entity(ref.uid);
        if (!current || ref.box < 0 || ref.box >= static_cast<int>(current->record.boxes.size())) return false;
        auto edited = std::find_if(mEntities.begin(), mEntities.end(), [&](const EditEntity& e) { return e.uid == ref.uid; });
        if (edited == mEntities.end()) {
            mEntities.push_back(*current);
            edited = mEntities.end() - 1;
            document->markEdited(edited->record);
        }
        edited->record.boxes[static_cast<std::size_t>(ref.box)] = box;
        return true;
    };
    for (const auto& [ref, box] : newBoxes) {
        if (!setBox(ref, box)) continue;
        mRefs.append(ref);   // the boxes asked for, for the views to select
        for (const BoxRef& twin : document->twinBoxes(ref)) setBox(twin, box);
    }
}

void ChangeBoxesCommand::swap() {
    for (EditEntity& entity : mEntities) mDocument->swapEntity(entity);
    mDocument->announce({AnnotationChange::Kind::Boxes, mRefs});
}

int ChangeBoxesCommand::id() const { return mKind == Kind::Nudge ? NudgeBoxesCommandId : DragBoxesCommandId; }

bool ChangeBoxesCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = static_cast<const ChangeBoxesCommand*>(other);
    if (next->id() != id() || next->mRefs != mRefs) return false;
    if (mKind != Kind::Nudge && (next->mDragSerial != mDragSerial || next->mKind != mKind)) return false;
    // Both commands have run: the document holds the newest entities, this command the oldest ones.
    bool unchanged = true;
    for (const EditEntity& before : mEntities) {
        const EditEntity* now = mDocument->entity(before.uid);
        if (!now || now->record.boxes != before.record.boxes || now->record.source != before.record.source ||
            now->record.confidence != before.record.confidence)
            unchanged = false;
    }
    setObsolete(unchanged);
    return true;
}

} // namespace kosmos::ui
