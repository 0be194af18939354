#include "ui/document/commands/suggestioncommands.h"

#include <QCoreApplication>

#include <algorithm>

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

AcceptSuggestionsCommand::AcceptSuggestionsCommand(AnnotationDocument* document, QList<quint64> suggestions,
                                                   QUndoCommand* parent)
    : QUndoCommand(suggestions.size() == 1 ? QCoreApplication::translate("Commands", "Accept Suggestion")
                                           : QCoreApplication::translate("Commands", "Accept %1 Suggestions").arg(suggestions.size()),
                   parent),
      mDocument(document),
      mUids(std::move(suggestions)) {}

void AcceptSuggestionsCommand::redo() {
    std::vector<EditEntity> entities = mDocument->entities();
    mIndices.clear();
    QList<BoxRef> select;
    for (quint64 uid : std::as_const(mUids)) {
        int index = -1;
        std::optional<EditEntity> taken = mDocument->takeSuggestion(uid, &index);
        mIndices.push_back(index);
        if (!taken) continue;
        for (int b = 0; b < static_cast<int>(taken->record.boxes.size()); ++b) select.append({uid, b});
        entities.push_back(std::move(*taken));
    }
    mDocument->swapEntities(entities);
    mDocument->announce({AnnotationChange::Kind::Entities, select});
}

void AcceptSuggestionsCommand::undo() {
    std::vector<EditEntity> entities = mDocument->entities();
    std::vector<std::pair<int, EditEntity>> back;
    for (int i = 0; i < mUids.size(); ++i) {
        const auto it = std::find_if(entities.begin(), entities.end(), [&](const EditEntity& e) { return e.uid == mUids[i]; });
        if (it == entities.end() || mIndices[static_cast<std::size_t>(i)] < 0) continue;
        back.emplace_back(mIndices[static_cast<std::size_t>(i)], std::move(*it));
        entities.erase(it);
    }
    mDocument->swapEntities(entities);
    // Taken in order, each from the list as it was then: put back in reverse order.
    for (auto it = back.rbegin(); it != back.rend(); ++it) mDocument->insertSuggestion(it->first, std::move(it->second));
    mDocument->announce({AnnotationChange::Kind::Entities, {}});
}

RejectSuggestionsCommand::RejectSuggestionsCommand(AnnotationDocument* document, QList<quint64> suggestions,
                                                   QUndoCommand* parent)
    : QUndoCommand(suggestions.size() == 1 ? QCoreApplication::translate("Commands", "Reject Suggestion")
                                           : QCoreApplication::translate("Commands", "Reject %1 Suggestions").arg(suggestions.size()),
                   parent),
      mDocument(document),
      mUids(std::move(suggestions)) {}

void RejectSuggestionsCommand::redo() {
    mRejected.clear();
    for (quint64 uid : std::as_const(mUids)) {
        int index = -1;
        if (std::optional<EditEntity> taken = mDocument->takeSuggestion(uid, &index))
            mRejected.emplace_back(index, std::move(*taken));
    }
    mDocument->announce({AnnotationChange::Kind::Suggestions, {}});
}

void RejectSuggestionsCommand::undo() {
    for (auto it = mRejected.rbegin(); it != mRejected.rend(); ++it) mDocument->insertSuggestion(it->first, it->second);
    mRejected.clear();
    mDocument->announce({AnnotationChange::Kind::Suggestions, {}});
}

} // namespace kosmos::ui
