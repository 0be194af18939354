#include "ui/review/annotationpanel.h"

#include <QAction>
#include <QEvent>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/document/annotationdocument.h"
#include "ui/document/commands/editcaptioncommand.h"
#include "ui/review/editactions.h"
#include "ui/review/reviewbar.h"
#include "ui/review/samplehistoryview.h"
#include "ui/review/suggestionlist.h"
#include "ui/textformat.h"

namespace kosmos::ui {

namespace {

QToolButton* button(QAction* action, QWidget* parent) {
    auto* b = new QToolButton(parent);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

QWidget* group(const QString& title, QWidget* content, QWidget* parent) {
    auto* box = new QGroupBox(title, parent);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(content);
    return box;
}

} // namespace

AnnotationPanel::AnnotationPanel(AnnotationDocument* document, EditActions* actions, QWidget* parent)
    : QWidget(parent),
      mDocument(document),
      mTitle(new QLabel(this)),
      mSaveStatus(new QLabel(this)),
      mReview(new ReviewBar(document, actions, this)),
      mCaption(new QLineEdit(this)),
      mTarget(new QLabel(this)),
      mIncomplete(new QLabel(this)),
      mSuggestions(new SuggestionList(document, actions, this)),
      mHistory(new SampleHistoryView(this)) {
    setObjectName(QStringLiteral("annotationPanel"));
    mTitle->setObjectName(QStringLiteral("sampleTitle"));
    mTitle->setTextFormat(Qt::PlainText);
    mSaveStatus->setObjectName(QStringLiteral("saveStatus"));
    mCaption->setObjectName(QStringLiteral("captionEdit"));
    mCaption->setPlaceholderText(tr("Caption (Enter applies, Esc reverts)"));
    mCaption->installEventFilter(this);
    mTarget->setWordWrap(true);
    mTarget->setTextFormat(Qt::PlainText);
    mIncomplete->setWordWrap(true);
    mIncomplete->setStyleSheet(QStringLiteral("color:#a15c00"));

    auto* header = new QHBoxLayout;
    header->addWidget(mTitle, 1);
    header->addWidget(mSaveStatus);

    auto* tools = new QGridLayout;
    QAction* const toolActions[] = {actions->selectTool, actions->drawBoxTool, actions->linkBox,
                                    actions->deleteBoxes, actions->removeEntities, actions->reground};
    for (int i = 0; i < 6; ++i) {
        QToolButton* b = button(toolActions[i], this);
        b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        tools->addWidget(b, i / 3, i % 3);
    }

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(header);
    topLayout->addWidget(mReview);
    topLayout->addWidget(mCaption);
    topLayout->addLayout(tools);
    topLayout->addWidget(mTarget);
    topLayout->addWidget(mIncomplete);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(group(tr("Model suggestions"), mSuggestions, this));
    splitter->addWidget(group(tr("Change history"), mHistory, this));
    splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(top);
    layout->addWidget(splitter, 1);

    connect(mCaption, &QLineEdit::editingFinished, this, &AnnotationPanel::applyCaption);
    connect(actions->editCaption, &QAction::triggered, this, [this] {
        mCaption->setFocus(Qt::ShortcutFocusReason);
        mCaption->selectAll();
    });
    connect(document, &AnnotationDocument::changed, this, &AnnotationPanel::refresh);
    connect(document, &AnnotationDocument::captionSelectionChanged, this, &AnnotationPanel::refreshTarget);
    refresh();
}

void AnnotationPanel::setTitle(const QString& title) { mTitle->setText(title); }

void AnnotationPanel::setSaveStatus(const QString& text, bool problem) {
    mSaveStatus->setText(text);
    mSaveStatus->setStyleSheet(problem ? QStringLiteral("color:#b00020; font-weight:bold") : QString());
}

bool AnnotationPanel::applyCaption() {
    if (!mDocument->isOpen()) return false;
    auto* command = new EditCaptionCommand(mDocument, mCaption->text().toStdString());
    if (!command->isEffective()) {
        delete command;
        return false;
    }
    const int cut = command->cutSpans();
    mDocument->undoStack()->push(command);
    emit captionApplied(cut);
    return true;
}

bool AnnotationPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == mCaption && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
        mCaption->setText(mDocument->captionText());
        mCaption->clearFocus();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void AnnotationPanel::refresh() {
    setEnabled(mDocument->isOpen());
    if (!mDocument->isOpen()) {
        mTitle->setText(tr("Open a sample of the store to edit it"));
        mCaption->clear();
    } else if (!mCaption->hasFocus()) {
        mCaption->setText(mDocument->captionText());
        mCaption->setCursorPosition(0);   // a caption wider than the field shows its beginning
    } else if (mCaption->text() == mDocument->captionText()) {
        mCaption->setText(mDocument->captionText());
    }
    const int incomplete = mDocument->incompleteEntityCount();
    mIncomplete->setVisible(incomplete > 0);
    mIncomplete->setText(tr("%1 without a phrase: select its text in the caption and press L to link; "
                            "until then %2 not saved.")
                             .arg(countOf(incomplete, tr("box"), tr("boxes")),
                                  incomplete == 1 ? tr("it is") : tr("they are")));
    refreshTarget();
}

void AnnotationPanel::refreshTarget() {
    const auto [start, end] = mDocument->captionSelection();
    if (end > start) {
        mTarget->setText(tr("New boxes and links go to “%1”.").arg(QString::fromStdString(mDocument->phraseOf(start, end))));
    } else {
        mTarget->setText(tr("Select words in the caption to choose the phrase new boxes and links go to."));
    }
}

} // namespace kosmos::ui
