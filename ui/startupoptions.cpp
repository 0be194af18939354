#include "ui/startupoptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>
#include <cstdlib>

namespace kosmos::ui {

int helpOrVersionArgument(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "--") return 0;
        if (arg == "-h" || arg == "--help" || arg == "-?" || arg == "--help-all" || arg == "-v" || arg == "--version")
            return i;
    }
    return 0;
}

StartupOptions parseStartupOptions(const QCoreApplication& app) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "Desktop workbench for KOSMOS-2 visual grounding: open images, prompt, see boxes."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("path"),
                                 QCoreApplication::translate("main", "Image file or folder to open."),
                                 QStringLiteral("[path...]"));
    const QCommandLineOption model(QStringLiteral("model"), QCoreApplication::translate("main", "Model folder to load."),
                                   QStringLiteral("dir"));
    const QCommandLineOption prompt(QStringLiteral("prompt"), QCoreApplication::translate("main", "Prompt text."),
                                    QStringLiteral("text"));
    const QCommandLineOption phrase(QStringLiteral("phrase"),
                                    QCoreApplication::translate("main", "Ground this phrase (phrase-grounding task)."),
                                    QStringLiteral("text"));
    const QCommandLineOption run(QStringLiteral("run"),
                                 QCoreApplication::translate("main", "Run the prompt once image and model are ready."));
    const QCommandLineOption constrained(QStringLiteral("constrained"),
                                         QCoreApplication::translate("main", "Use constrained grounding for the run."));
    const QCommandLineOption maxTokens(QStringLiteral("max-new-tokens"),
                                       QCoreApplication::translate("main", "Maximum new tokens for the run."),
                                       QStringLiteral("n"));
    const QCommandLineOption select(QStringLiteral("select-entity"),
                                    QCoreApplication::translate("main", "Select this entity row after the run."),
                                    QStringLiteral("row"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QCoreApplication::translate("main", "Save a screenshot of the window after loading (and running), then quit: "
                                            "exits 1 where anything failed. Implies --no-session."),
        QStringLiteral("file"));
    const QCommandLineOption noSession(QStringLiteral("no-session"),
                                       QCoreApplication::translate("main", "Do not restore or save settings (the demo "
                                                                           "model is loaded unless --model names one)."));
    const QCommandLineOption training(QStringLiteral("training"),
                                      QCoreApplication::translate("main", "Open the training panel."));
    const QCommandLineOption store(QStringLiteral("store"),
                                   QCoreApplication::translate("main", "Annotation store to open (created when missing)."),
                                   QStringLiteral("file"));
    parser.addOptions({model, prompt, phrase, run, constrained, maxTokens, select, screenshot, noSession, training, store});
    parser.process(app);

    StartupOptions options;
    options.paths = parser.positionalArguments();
    options.model = parser.value(model);
    options.prompt = parser.value(prompt);
    options.phrase = parser.value(phrase);
    options.run = parser.isSet(run);
    options.constrained = parser.isSet(constrained);
    options.screenshot = parser.value(screenshot);
    options.noSession = parser.isSet(noSession) || !options.screenshot.isEmpty();
    options.showTraining = parser.isSet(training);
    options.store = parser.value(store);
    bool ok = true;
    if (parser.isSet(maxTokens)) {
        options.maxNewTokens = parser.value(maxTokens).toInt(&ok);
        if (!ok || options.maxNewTokens < 1) {
            std::fprintf(stderr, "kosmos2-workbench: --max-new-tokens needs a positive number\n");
            std::exit(2);
        }
    }
    if (parser.isSet(select)) {
        options.selectEntity = parser.value(select).toInt(&ok);
        if (!ok || options.selectEntity < 0) {
            std::fprintf(stderr, "kosmos2-workbench: --select-entity needs a row number (0, 1, ...)\n");
            std::exit(2);
        }
    }
    return options;
}

} // namespace kosmos::ui
