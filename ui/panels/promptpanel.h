#pragma once
// Choosing what to ask: a task template (caption, phrase grounding, region description, grounded VQA)
// or a free prompt, the generation settings, and the run buttons.
#include <QWidget>

#include "ui/inference/prompttemplates.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QToolButton;

namespace kosmos::ui {

class GenerationSettingsWidget;
class ResultDocument;

class PromptPanel : public QWidget {
    Q_OBJECT
public:
    PromptPanel(ResultDocument* document, QAction* run, QAction* cancel, QAction* runFolder, QWidget* parent = nullptr);

    PromptTask task() const;
    void setTask(PromptTask task);
    QString taskText() const;
    void setTaskText(const QString& text);
    // The prompt that a run sends (the template's output, or what the user typed).
    QString prompt() const;
    // Sets a free prompt (switches to the custom task).
    void setPrompt(const QString& prompt);

    GenerationSettingsWidget* settings() const { return mSettings; }
    bool settingsExpanded() const;
    void setSettingsExpanded(bool expanded);

signals:
    void taskChanged(PromptTask task);

private:
    void onTaskChanged();
    void rebuildPrompt();
    void onPromptEdited();
    void updateRegionHint();

    ResultDocument* mDocument;
    QComboBox* mTask;
    QLabel* mFieldLabel;
    QLineEdit* mField;
    QLabel* mRegionHint;
    QPlainTextEdit* mPrompt;
    QToolButton* mSettingsToggle;
    GenerationSettingsWidget* mSettings;
    bool mUpdatingPrompt = false;
};

} // namespace kosmos::ui
