#include <QApplication>
#include <QSettings>
#include <QTemporaryDir>

#include "model/engine/runtime_info.h"
#include "ui/appicon.h"
#include "ui/mainwindow.h"
#include "ui/settingskeys.h"
#include "ui/startupoptions.h"
#include "ui/startupsequence.h"

int main(int argc, char** argv) {
    kosmos::ensurePassiveOpenMP(argv);
    kosmos::configureThreads();   // one per core, where LibTorch alone may count fewer
    if (const int flag = kosmos::ui::helpOrVersionArgument(argc, argv)) {
        // Answered before a display is needed: over ssh, without one, QApplication would abort. Only the flag is
        // parsed: Qt's own display options (-platform ...) are unknown to a QCoreApplication.
        int helpArgc = 2;
        char* helpArgv[] = {argv[0], argv[flag], nullptr};
        QCoreApplication app(helpArgc, helpArgv);
        QCoreApplication::setApplicationVersion(QStringLiteral(KOSMOS_VERSION));
        kosmos::ui::parseStartupOptions(app);   // prints and exits
    }
    QGuiApplication::setHighDpiScaleFactorRoundingPolicy(Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(kosmos::ui::settingskeys::kOrganization);
    QApplication::setApplicationName(kosmos::ui::settingskeys::kApplication);
    QApplication::setApplicationDisplayName(QStringLiteral("Kosmos-2 Workbench"));
    QApplication::setApplicationVersion(QStringLiteral(KOSMOS_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("kosmos2-workbench"));
    QApplication::setWindowIcon(kosmos::ui::applicationIcon());

    const kosmos::ui::StartupOptions options = kosmos::ui::parseStartupOptions(app);
    // --no-session (and --screenshot): settings live in a folder removed at exit, so the last session's are not
    // read and this one's (recent files, folders, window layout) are not kept.
    QTemporaryDir throwawaySettings;
    if (options.noSession) {
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, throwawaySettings.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, throwawaySettings.path());
    }
    kosmos::ui::MainWindow window(kosmos::ui::MainWindowOptions{!options.noSession, options.model.isEmpty()});
    window.show();
    kosmos::ui::StartupSequence startup(&window, options);
    startup.start();
    return app.exec();
}
