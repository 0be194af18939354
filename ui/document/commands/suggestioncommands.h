#pragma once
// A person's answer to the model's suggestions: accepted ones become entities (source Model, with the
// checkpoint, prompt and score), rejected ones are dropped. Undo puts them back in the suggestions.
#include <QUndoCommand>

#include <utility>
#include <vector>

#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class AnnotationDocument;

class AcceptSuggestionsCommand : public QUndoCommand {
public:
    AcceptSuggestionsCommand(AnnotationDocument* document, QList<quint64> suggestions, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    AnnotationDocument* mDocument;
    QList<quint64> mUids;
    std::vector<int> mIndices;   // where each accepted suggestion was, for undo
};

class RejectSuggestionsCommand : public QUndoCommand {
public:
    RejectSuggestionsCommand(AnnotationDocument* document, QList<quint64> suggestions, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    AnnotationDocument* mDocument;
    QList<quint64> mUids;
    std::vector<std::pair<int, EditEntity>> mRejected;
};

} // namespace kosmos::ui
