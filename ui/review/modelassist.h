#pragma once
// The model's help on the sample being edited, through the workbench's GenerationRunner: a grounded
// prompt's entities come back as suggestions (placed at their phrase in the sample's caption) that a
// person accepts or rejects one by one or all at once, and a phrase prompt `<grounding><phrase> X
// </phrase>` re-grounds one phrase, replacing a wrong box.
#include <QImage>
#include <QObject>
#include <QString>

#include "model/engine/engine.h"
#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class AnnotationDocument;
class GenerationRunner;
class ModelController;
struct GenerationOutcome;

class ModelAssist : public QObject {
    Q_OBJECT
public:
    ModelAssist(AnnotationDocument* document, GenerationRunner* runner, ModelController* models,
                QObject* parent = nullptr);

    // Runs `prompt` on `image`; false (with a message) when no model is loaded, a run is going or no
    // sample is open.
    bool suggest(const QImage& image, const QString& prompt, const kosmos::GenerationParams& params);
    // Asks the model where the phrase of entity `uid` is; its answer replaces box `box` (or, when
    // negative, every box of the entity).
    bool reground(const QImage& image, quint64 uid, int box, const kosmos::GenerationParams& params);
    bool isBusy() const { return mTask != Task::None; }

    // Undo steps; with an empty caption, accepting also takes the model's caption.
    void accept(const QList<quint64>& suggestions);
    void reject(const QList<quint64>& suggestions);
    void acceptAll();
    void rejectAll();

    // The result of a run as suggestions for `document` (exposed for tests).
    static std::vector<kosmos::store::EntityRecord> suggestionsFrom(const kosmos::GenerationResult& result,
                                                                    const std::string& caption,
                                                                    const std::string& checkpoint,
                                                                    const std::string& prompt);

signals:
    void busyChanged(bool busy);
    void message(const QString& text);   // what happened, for the status bar
    void failed(const QString& text);

private:
    enum class Task { None, Suggest, Reground };
    bool start(const QImage& image, const QString& prompt, const kosmos::GenerationParams& params, Task task);
    void onJobFinished(const GenerationOutcome& outcome);
    void onRunFinished();
    void applySuggestions(const kosmos::GenerationResult& result);
    void applyReground(const kosmos::GenerationResult& result);

    AnnotationDocument* mDocument;
    GenerationRunner* mRunner;
    ModelController* mModels;
    Task mTask = Task::None;
    qint64 mSampleId = 0;
    quint64 mUid = 0;
    int mBox = -1;
    QString mPhrase;
    QString mPrompt;
    QString mCheckpoint;
};

} // namespace kosmos::ui
