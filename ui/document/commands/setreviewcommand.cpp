#include "ui/document/commands/setreviewcommand.h"

#include <QCoreApplication>

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

QString reviewStateName(kosmos::store::ReviewState state) {
    using kosmos::store::ReviewState;
    switch (state) {
    case ReviewState::Unreviewed: return QCoreApplication::translate("Review", "Unreviewed");
    case ReviewState::Corrected: return QCoreApplication::translate("Review", "Corrected");
    case ReviewState::Accepted: return QCoreApplication::translate("Review", "Accepted");
    case ReviewState::Rejected: return QCoreApplication::translate("Review", "Rejected");
    }
    return {};
}

SetReviewCommand::SetReviewCommand(AnnotationDocument* document, kosmos::store::ReviewState state, QUndoCommand* parent)
    : QUndoCommand(QCoreApplication::translate("Commands", "Mark %1").arg(reviewStateName(state)), parent),
      mDocument(document),
      mState(state) {}

void SetReviewCommand::swap() {
    mDocument->swapReview(mState);
    mDocument->announce({AnnotationChange::Kind::Review, {}});
}

} // namespace kosmos::ui
