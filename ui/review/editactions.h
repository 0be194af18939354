#pragma once
// The actions of editing a stored sample, with their shortcuts; AnnotationSession wires them up and
// the main window puts them in its Edit menu. Single-letter shortcuts give way to text fields.
#include <QObject>

class QAction;
class QUndoStack;
class QWidget;

namespace kosmos::ui {

class EditActions : public QObject {
    Q_OBJECT
public:
    EditActions(QWidget* window, QUndoStack* undoStack);

    QAction* undo;
    QAction* redo;
    // Canvas tools
    QAction* selectTool;          // V
    QAction* drawBoxTool;         // B
    // Entities
    QAction* deleteBoxes;         // Delete
    QAction* removeEntities;      // Shift+Delete
    QAction* linkBox;             // L: selected box to the selected caption text
    QAction* editCaption;         // F2
    // Review
    QAction* accept;              // A
    QAction* reject;              // R
    QAction* markCorrected;       // C
    QAction* nextUnreviewed;      // N
    // Model assistance
    QAction* suggest;             // Ctrl+Shift+G
    QAction* acceptSuggestions;   // Y: the selected suggestions
    QAction* rejectSuggestions;   // X
    QAction* acceptAllSuggestions;
    QAction* rejectAllSuggestions;
    QAction* reground;            // G

    QList<QAction*> sampleActions() const;   // enabled only while a sample is open
};

} // namespace kosmos::ui
