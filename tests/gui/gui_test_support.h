#pragma once
// Shared set-up of the workbench GUI tests: settings in a throw-away folder, fixture paths, and an
// error handler that records what would have been a message box.
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

#include "ui/mainwindow.h"

namespace kosmos::ui::test {

inline QString fixtureDir() { return QStringLiteral(KOSMOS_TEST_DATA_DIR "/kosmos2-tiny"); }
inline QString fixtureImage(const char* name) { return fixtureDir() + QStringLiteral("/images/") + QLatin1String(name); }

// Keeps QSettings of the tests away from the user's.
inline void isolateSettings(const QTemporaryDir& dir) {
    QCoreApplication::setOrganizationName(QStringLiteral("Kosmos2WorkbenchTest"));
    QCoreApplication::setApplicationName(QStringLiteral("gui-tests"));
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
}

struct RecordedError {
    QString title;
    QString message;
};

inline void recordErrors(MainWindow& window, QList<RecordedError>* errors) {
    window.setErrorHandler([errors](const QString& title, const QString& message) { errors->append({title, message}); });
}

// A window that records error dialogs instead of showing them, and neither restores nor saves settings.
class TestWindow : public MainWindow {
public:
    TestWindow() : MainWindow(MainWindowOptions{false, false}) { recordErrors(*this, &errors); }
    QList<RecordedError> errors;
};

// Shows `window` at 1280 x 800 and waits until it is on screen.
inline bool showOnScreen(MainWindow& window) {
    window.resize(1280, 800);
    window.show();
    return QTest::qWaitForWindowExposed(&window);
}

inline bool copyFile(const QString& from, const QString& to) {
    QFile::remove(to);
    return QFile::copy(from, to);
}

} // namespace kosmos::ui::test
