#pragma once
// Owns the loaded engine and loads models off the GUI thread. Outcomes come back as values through
// a QFutureWatcher: a failed load is a message, never an exception crossing the event loop.
#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <memory>

#include "model/engine/engine.h"

namespace kosmos::ui {

struct ModelLoadOutcome {
    std::shared_ptr<kosmos::Engine> engine;   // null on failure
    QString folder;
    QString error;                            // one line: folder, file, reason
};

class ModelController : public QObject {
    Q_OBJECT
public:
    explicit ModelController(QObject* parent = nullptr);
    ~ModelController() override;

    // Starts loading; returns false (and does nothing) while another load is running.
    // The previous engine is released first: two copies of a 1.7 B model do not fit most machines.
    bool load(const QString& folder, const QString& device, const QString& dtype);
    bool isLoading() const { return mLoading; }

    std::shared_ptr<kosmos::Engine> engine() const { return mEngine; }
    QString folder() const { return mFolder; }   // of the loaded engine, empty when none

signals:
    void loadStarted(const QString& folder);
    void loadProgress(double fraction, const QString& what);
    void loaded(const QString& folder);
    void loadFailed(const QString& folder, const QString& error);

private:
    void onFinished();

    QFutureWatcher<ModelLoadOutcome> mWatcher;
    std::shared_ptr<kosmos::Engine> mEngine;
    QString mFolder;
    QString mLoadingFolder;
    bool mLoading = false;
};

} // namespace kosmos::ui
