#include "ui/review/reviewbar.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

#include "ui/document/annotationdocument.h"
#include "ui/document/commands/setreviewcommand.h"
#include "ui/review/editactions.h"

namespace kosmos::ui {

namespace {

QString stateColor(kosmos::store::ReviewState state) {
    using kosmos::store::ReviewState;
    switch (state) {
    case ReviewState::Accepted: return QStringLiteral("#1e7d32");
    case ReviewState::Rejected: return QStringLiteral("#b00020");
    case ReviewState::Corrected: return QStringLiteral("#1565c0");
    case ReviewState::Unreviewed: break;
    }
    return QStringLiteral("#666666");
}

QToolButton* button(QAction* action, QWidget* parent) {
    auto* b = new QToolButton(parent);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

} // namespace

ReviewBar::ReviewBar(AnnotationDocument* document, EditActions* actions, QWidget* parent)
    : QWidget(parent), mDocument(document), mState(new QLabel(this)) {
    setObjectName(QStringLiteral("reviewBar"));
    mState->setObjectName(QStringLiteral("reviewState"));
    mState->setTextFormat(Qt::RichText);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(mState, 1);
    for (QAction* action : {actions->accept, actions->reject, actions->markCorrected, actions->nextUnreviewed})
        layout->addWidget(button(action, this));
    connect(document, &AnnotationDocument::changed, this, &ReviewBar::refresh);
    refresh();
}

void ReviewBar::refresh() {
    if (!mDocument->isOpen()) {
        mState->setText(tr("No sample open"));
        return;
    }
    const kosmos::store::ReviewState state = mDocument->review();
    mState->setText(QStringLiteral("<b style='color:%1'>%2</b>").arg(stateColor(state), reviewStateName(state).toHtmlEscaped()));
}

} // namespace kosmos::ui
