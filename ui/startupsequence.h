#pragma once
// Carries out the command line on a shown window: open the path, load the model, run the prompt,
// then (screenshot mode) save the window as an image and quit, with status 1 where any of it failed.
#include <QObject>
#include <QSize>

#include "ui/startupoptions.h"

namespace kosmos::ui {

class MainWindow;

class StartupSequence : public QObject {
    Q_OBJECT
public:
    StartupSequence(MainWindow* window, StartupOptions options, QObject* parent = nullptr);
    // Starts once the event loop runs.
    void start();

    static constexpr int kScreenshotTimeoutMs = 10 * 60 * 1000;
    static constexpr QSize kScreenshotSize{1280, 800};

private:
    void begin();
    void afterModel();
    void finish();

    MainWindow* mWindow;
    StartupOptions mOptions;
    bool mFinished = false;
    bool mFailed = false;   // an error was reported, the run could not start or --select-entity has no row
};

} // namespace kosmos::ui
