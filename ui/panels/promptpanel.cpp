#include "ui/panels/promptpanel.h"

#include <QAction>
#include <QComboBox>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/document/resultdocument.h"
#include "ui/panels/generationsettingswidget.h"

namespace kosmos::ui {
namespace {

QToolButton* actionButton(QAction* action, QWidget* parent) {
    auto* button = new QToolButton(parent);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    return button;
}

std::optional<kosmos::Box> toBox(const std::optional<QRectF>& rect) {
    if (!rect) return std::nullopt;
    const QRectF r = rect->normalized();
    return kosmos::Box{r.left(), r.top(), r.right(), r.bottom()};
}

} // namespace

PromptPanel::PromptPanel(ResultDocument* document, QAction* run, QAction* cancel, QAction* runFolder, QWidget* parent)
    : QWidget(parent),
      mDocument(document),
      mTask(new QComboBox(this)),
      mFieldLabel(new QLabel(this)),
      mField(new QLineEdit(this)),
      mRegionHint(new QLabel(this)),
      mPrompt(new QPlainTextEdit(this)),
      mSettingsToggle(new QToolButton(this)),
      mSettings(new GenerationSettingsWidget(this)) {
    mTask->setObjectName(QStringLiteral("taskCombo"));
    for (int i = 0; i < kPromptTaskCount; ++i) mTask->addItem(promptTaskName(static_cast<PromptTask>(i)), i);
    mField->setObjectName(QStringLiteral("taskText"));
    mField->setClearButtonEnabled(true);
    mRegionHint->setWordWrap(true);
    mRegionHint->setStyleSheet(QStringLiteral("color: palette(mid)"));
    mPrompt->setObjectName(QStringLiteral("promptEdit"));
    mPrompt->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    mPrompt->setTabChangesFocus(true);
    mPrompt->setFixedHeight(mPrompt->fontMetrics().lineSpacing() * 3 + 12);
    mPrompt->setToolTip(tr("The prompt sent to the model. Editing it switches to a custom prompt."));
    mSettingsToggle->setText(tr("Generation settings"));
    mSettingsToggle->setCheckable(true);
    mSettingsToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    mSettingsToggle->setAutoRaise(true);
    mSettingsToggle->setArrowType(Qt::RightArrow);

    auto* grid = new QGridLayout;
    grid->addWidget(new QLabel(tr("Task"), this), 0, 0);
    grid->addWidget(mTask, 0, 1);
    grid->addWidget(mFieldLabel, 1, 0);
    grid->addWidget(mField, 1, 1);
    grid->addWidget(mRegionHint, 2, 0, 1, 2);
    grid->setColumnStretch(1, 1);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(actionButton(run, this));
    buttons->addWidget(actionButton(cancel, this));
    buttons->addWidget(actionButton(runFolder, this));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(grid);
    layout->addWidget(mPrompt);
    layout->addLayout(buttons);
    layout->addWidget(mSettingsToggle);
    layout->addWidget(mSettings);
    layout->addStretch(1);

    connect(mTask, &QComboBox::currentIndexChanged, this, &PromptPanel::onTaskChanged);
    connect(mField, &QLineEdit::textChanged, this, &PromptPanel::rebuildPrompt);
    connect(mField, &QLineEdit::returnPressed, run, &QAction::trigger);
    connect(mPrompt, &QPlainTextEdit::textChanged, this, &PromptPanel::onPromptEdited);
    connect(mDocument, &ResultDocument::queryBoxChanged, this, [this] {
        updateRegionHint();
        rebuildPrompt();
    });
    connect(mSettingsToggle, &QToolButton::toggled, this, &PromptPanel::setSettingsExpanded);
    setSettingsExpanded(false);
    onTaskChanged();
}

PromptTask PromptPanel::task() const { return static_cast<PromptTask>(mTask->currentData().toInt()); }

void PromptPanel::setTask(PromptTask task) { mTask->setCurrentIndex(mTask->findData(static_cast<int>(task))); }

QString PromptPanel::taskText() const { return mField->text(); }

void PromptPanel::setTaskText(const QString& text) { mField->setText(text); }

QString PromptPanel::prompt() const { return mPrompt->toPlainText().trimmed(); }

void PromptPanel::setPrompt(const QString& prompt) {
    setTask(PromptTask::Custom);
    mPrompt->setPlainText(prompt);
}

bool PromptPanel::settingsExpanded() const { return mSettingsToggle->isChecked(); }

void PromptPanel::setSettingsExpanded(bool expanded) {
    mSettingsToggle->setChecked(expanded);
    mSettingsToggle->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
    mSettings->setVisible(expanded);
}

void PromptPanel::onTaskChanged() {
    const PromptTask current = task();
    const QString fieldLabel = promptTaskFieldLabel(current);
    mFieldLabel->setText(fieldLabel);
    mFieldLabel->setVisible(!fieldLabel.isEmpty());
    mField->setVisible(!fieldLabel.isEmpty());
    mField->setPlaceholderText(current == PromptTask::GroundedVqa ? tr("What is special about this image?")
                                                                 : tr("a snowman"));
    updateRegionHint();
    rebuildPrompt();
    emit taskChanged(current);
}

void PromptPanel::updateRegionHint() {
    const bool needsBox = promptTaskNeedsBox(task());
    mRegionHint->setVisible(needsBox);
    if (!needsBox) return;
    const std::optional<QRectF> box = mDocument->queryBox();
    if (!box) {
        mRegionHint->setText(tr("Drag a rectangle on the image to choose the region to describe."));
        return;
    }
    const QSize size = mDocument->image().size();
    mRegionHint->setText(tr("Region: %1, %2 – %3, %4 px (drag again to change)")
                             .arg(qRound(box->left() * size.width())).arg(qRound(box->top() * size.height()))
                             .arg(qRound(box->right() * size.width())).arg(qRound(box->bottom() * size.height())));
}

void PromptPanel::rebuildPrompt() {
    const PromptTask current = task();
    if (current == PromptTask::Custom) return;
    mUpdatingPrompt = true;
    mPrompt->setPlainText(buildPrompt(current, mField->text(), toBox(mDocument->queryBox())));
    mUpdatingPrompt = false;
}

void PromptPanel::onPromptEdited() {
    if (mUpdatingPrompt || task() == PromptTask::Custom) return;
    // The user typed over a template: keep the text, stop regenerating it.
    const QSignalBlocker blocker(mTask);
    mTask->setCurrentIndex(mTask->findData(static_cast<int>(PromptTask::Custom)));
    mFieldLabel->hide();
    mField->hide();
    mRegionHint->hide();
    emit taskChanged(PromptTask::Custom);
}

} // namespace kosmos::ui
