#include "ui/document/commands/replacestatecommand.h"

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

ReplaceStateCommand::ReplaceStateCommand(AnnotationDocument* document, const kosmos::store::Sample& state,
                                         const QString& text, QUndoCommand* parent)
    : QUndoCommand(text, parent), mDocument(document), mCaption(state.caption), mReview(state.review) {
    for (const kosmos::store::EntityRecord& record : state.entities) mEntities.push_back(document->makeEntity(record));
    // Boxes not linked to a phrase yet are not stored anywhere else: they stay.
    for (const EditEntity& entity : document->entities())
        if (!entity.complete()) mEntities.push_back(entity);
}

void ReplaceStateCommand::swap() {
    mDocument->swapCaption(mCaption);
    mDocument->swapReview(mReview);
    mDocument->swapEntities(mEntities);
    mDocument->announce({AnnotationChange::Kind::Caption, {}});
}

} // namespace kosmos::ui
