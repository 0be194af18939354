#pragma once
// Help ▸ Keyboard Shortcuts: every action that has a shortcut, read from the actions themselves.
#include <QDialog>
#include <QList>

class QAction;

namespace kosmos::ui {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    ShortcutsDialog(const QList<QAction*>& actions, QWidget* parent = nullptr);
};

} // namespace kosmos::ui
