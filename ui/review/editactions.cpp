#include "ui/review/editactions.h"

#include <QAction>
#include <QActionGroup>
#include <QKeySequence>
#include <QUndoStack>
#include <QWidget>

#include <utility>

namespace kosmos::ui {

namespace {

QAction* makeAction(QWidget* window, const QString& text, const QList<QKeySequence>& keys, const QString& tip = {}) {
    auto* action = new QAction(text, window);
    action->setShortcuts(keys);
    action->setShortcutContext(Qt::WindowShortcut);
    const QString plain = QString(text).remove(QLatin1Char('&')).remove(QStringLiteral("…"));
    action->setToolTip(keys.isEmpty() ? plain
                                      : QStringLiteral("%1 (%2)").arg(plain, keys.first().toString(QKeySequence::NativeText)));
    if (!tip.isEmpty()) action->setStatusTip(tip);
    window->addAction(action);
    return action;
}

} // namespace

EditActions::EditActions(QWidget* window, QUndoStack* undoStack) : QObject(window) {
    undo = undoStack->createUndoAction(window, tr("&Undo"));
    undo->setShortcuts(QKeySequence::Undo);
    redo = undoStack->createRedoAction(window, tr("&Redo"));
    redo->setShortcuts(QKeySequence::Redo);
    window->addAction(undo);
    window->addAction(redo);

    selectTool = makeAction(window, tr("&Select and Move"), {QKeySequence(tr("V"))},
                            tr("Click a box to select it, drag it to move, drag a handle to resize"));
    drawBoxTool = makeAction(window, tr("&Draw Box"), {QKeySequence(tr("B"))},
                             tr("Drag on the image: a box for the caption text selected (Shift: for the selected entity)"));
    selectTool->setCheckable(true);
    drawBoxTool->setCheckable(true);
    auto* tools = new QActionGroup(this);
    tools->addAction(selectTool);
    tools->addAction(drawBoxTool);
    selectTool->setChecked(true);

    deleteBoxes = makeAction(window, tr("&Delete Box"), {QKeySequence(QKeySequence::Delete)});
    removeEntities = makeAction(window, tr("Remove &Entity"), {QKeySequence(tr("Shift+Del"))},
                                tr("Remove the selected boxes' phrases with all their boxes"));
    linkBox = makeAction(window, tr("&Link Box to Selected Text"), {QKeySequence(tr("L"))},
                         tr("Make the selected box ground the text selected in the caption"));
    editCaption = makeAction(window, tr("Edit &Caption"), {QKeySequence(tr("F2"))});

    accept = makeAction(window, tr("&Accept Sample"), {QKeySequence(tr("A"))});
    reject = makeAction(window, tr("Re&ject Sample"), {QKeySequence(tr("R"))});
    markCorrected = makeAction(window, tr("Mark C&orrected"), {QKeySequence(tr("C"))});
    nextUnreviewed = makeAction(window, tr("&Next Unreviewed Sample"), {QKeySequence(tr("N"))});

    suggest = makeAction(window, tr("Ask the &Model"), {QKeySequence(tr("Ctrl+Shift+G"))},
                         tr("Run the prompt on this sample; its entities become suggestions"));
    acceptSuggestions = makeAction(window, tr("Accept Suggestion"), {QKeySequence(tr("Y"))});
    rejectSuggestions = makeAction(window, tr("Reject Suggestion"), {QKeySequence(tr("X"))});
    acceptAllSuggestions = makeAction(window, tr("Accept All Suggestions"), {QKeySequence(tr("Shift+Y"))});
    rejectAllSuggestions = makeAction(window, tr("Reject All Suggestions"), {QKeySequence(tr("Shift+X"))});
    reground = makeAction(window, tr("Re-&ground Phrase"), {QKeySequence(tr("G"))},
                          tr("Ask the model where the selected box's phrase is, and replace the box"));

    // Short names for the dock's buttons; menus show the full ones.
    const std::pair<QAction*, QString> buttonTexts[] = {
        {selectTool, tr("Select")},         {drawBoxTool, tr("Draw Box")},
        {linkBox, tr("Link to Text")},      {deleteBoxes, tr("Delete Box")},
        {removeEntities, tr("Remove Entity")}, {reground, tr("Re-ground")},
        {accept, tr("Accept")},             {reject, tr("Reject")},
        {markCorrected, tr("Corrected")},   {nextUnreviewed, tr("Next Unreviewed")},
        {suggest, tr("Ask the Model")},     {acceptSuggestions, tr("Accept")},
        {rejectSuggestions, tr("Reject")},  {acceptAllSuggestions, tr("Accept All")},
        {rejectAllSuggestions, tr("Reject All")},
    };
    for (const auto& [action, text] : buttonTexts) action->setIconText(text);
}

QList<QAction*> EditActions::sampleActions() const {
    return {selectTool, drawBoxTool, deleteBoxes, removeEntities, linkBox, editCaption, accept, reject,
            markCorrected, nextUnreviewed, suggest, acceptSuggestions, rejectSuggestions, acceptAllSuggestions,
            rejectAllSuggestions, reground};
}

} // namespace kosmos::ui
