#include "ui/recentmenu.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace kosmos::ui {

RecentMenu::RecentMenu(const QString& title, const QString& settingsKey, QWidget* parent)
    : QMenu(title, parent), mKey(settingsKey) {
    // Rebuilt only when shown: a chosen entry's action must not be deleted while it is being triggered.
    connect(this, &QMenu::aboutToShow, this, &RecentMenu::rebuild);
    rebuild();
}

QStringList RecentMenu::paths() const { return QSettings().value(mKey).toStringList(); }

void RecentMenu::add(const QString& path) {
    if (path.isEmpty()) return;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList list = paths();
    list.removeAll(absolute);
    list.prepend(absolute);
    while (list.size() > kMaxEntries) list.removeLast();
    QSettings().setValue(mKey, list);
}

void RecentMenu::clearAll() {
    QSettings().remove(mKey);
}

void RecentMenu::rebuild() {
    clear();
    const QStringList list = paths();
    int shown = 0;
    for (const QString& path : list) {
        if (!QFileInfo::exists(path)) continue;
        ++shown;
        const QString text = shown < 10 ? QStringLiteral("&%1 %2").arg(shown).arg(QDir::toNativeSeparators(path))
                                        : QDir::toNativeSeparators(path);
        QAction* action = addAction(text);
        connect(action, &QAction::triggered, this, [this, path] { emit pathChosen(path); });
    }
    if (shown == 0) addAction(tr("(none)"))->setEnabled(false);
    addSeparator();
    QAction* clearAction = addAction(tr("Clear List"));
    clearAction->setEnabled(!list.isEmpty());
    connect(clearAction, &QAction::triggered, this, &RecentMenu::clearAll);
}

} // namespace kosmos::ui
