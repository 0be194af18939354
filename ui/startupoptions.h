#pragma once
// The workbench's command line: what to open, which model, an optional prompt to run at once, and a
// screenshot mode that saves the window after that and quits.
#include <QString>
#include <QStringList>

class QCoreApplication;

namespace kosmos::ui {

struct StartupOptions {
    QStringList paths;          // images or folders; the first one is opened
    QString model;              // model folder to load instead of the last / demo model
    QString prompt;             // free prompt
    QString phrase;             // phrase-grounding prompt for this phrase
    bool run = false;           // run the prompt once the image and model are ready
    bool constrained = false;   // constrained grounding for that run
    int maxNewTokens = -1;
    int selectEntity = -1;      // select this entity row after the run (shows its heat map)
    QString screenshot;         // save the window here once everything above is done, then quit
    bool noSession = false;     // neither restore nor save settings
    bool showTraining = false;  // open the training panel
    QString store;              // annotation store to open (created when missing)
};

// Where the command line asks for --help or --version (0: it does not), which are answered without a display.
int helpOrVersionArgument(int argc, char** argv);
// Parses QCoreApplication::arguments(); prints help / version / errors and exits like any Qt tool.
StartupOptions parseStartupOptions(const QCoreApplication& app);

} // namespace kosmos::ui
