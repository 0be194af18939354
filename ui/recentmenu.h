#pragma once
// A "Recent ..." submenu backed by a QSettings string list (most recent first, missing paths skipped).
#include <QMenu>
#include <QString>
#include <QStringList>

namespace kosmos::ui {

class RecentMenu : public QMenu {
    Q_OBJECT
public:
    RecentMenu(const QString& title, const QString& settingsKey, QWidget* parent = nullptr);

    void add(const QString& path);
    QStringList paths() const;
    void clearAll();

    static constexpr int kMaxEntries = 12;

signals:
    void pathChosen(const QString& path);

private:
    void rebuild();
    QString mKey;
};

} // namespace kosmos::ui
