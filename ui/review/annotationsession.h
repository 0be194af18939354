#pragma once
// Editing stored samples in the workbench window: owns the annotation document (and its undo
// stack), the saver, the model assistance, the edit actions, the canvas tool for drawing boxes and
// the Annotation dock, and shows the document through the window's ResultDocument, so that the
// canvas, caption and entity list display and edit it. The main window opens a sample in two steps:
// load() (sample and image), then, once the image is shown, open().
#include <QImage>
#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>
#include <optional>

#include "core/sample.h"
#include "ui/document/annotationtypes.h"

class QDockWidget;
class QMainWindow;
class QMenu;
class QUndoView;

namespace kosmos::store {
class AnnotationStore;
}

namespace kosmos::ui {

class AnnotationDocument;
class AnnotationPanel;
class AnnotationSaver;
class CaptionView;
class CreateBoxTool;
class EditActions;
class GenerationRunner;
class ImageCanvas;
class ModelAssist;
class ModelController;
class PromptPanel;
class ResultDocument;

class AnnotationSession : public QObject {
    Q_OBJECT
public:
    struct Parts {
        QMainWindow* window = nullptr;
        ResultDocument* result = nullptr;
        ImageCanvas* canvas = nullptr;
        CaptionView* caption = nullptr;
        GenerationRunner* runner = nullptr;
        ModelController* models = nullptr;
        PromptPanel* prompt = nullptr;
    };
    explicit AnnotationSession(const Parts& parts, QObject* parent = nullptr);
    ~AnnotationSession() override;

    void setStore(std::shared_ptr<kosmos::store::AnnotationStore> store);
    std::shared_ptr<kosmos::store::AnnotationStore> store() const;

    struct Loaded {
        std::optional<kosmos::store::Sample> sample;
        QImage image;          // the sample's image, or a grey stand-in of its size
        QString imageError;    // why the image could not be read (the stand-in is shown)
        QString error;         // why the sample could not be read (no sample)
    };
    Loaded load(qint64 sampleId) const;
    // Starts editing `sample` (its image already in the result document).
    void open(const kosmos::store::Sample& sample);
    // Saves what is not saved yet and stops editing; false (still open, its edits kept) when something could
    // not be saved.
    bool close();
    // Stops editing without saving what is not saved yet.
    void discard();
    bool isOpen() const;

    // Asks the model about the open sample with the prompt panel's prompt; the answer becomes suggestions.
    bool runModel();
    // The next unreviewed sample after the open one (wrapping around), or none.
    std::optional<qint64> nextUnreviewed() const;

    AnnotationDocument* document() const { return mDocument; }
    AnnotationSaver* saver() const { return mSaver; }
    ModelAssist* assist() const { return mAssist; }
    EditActions* actions() const { return mActions; }
    AnnotationPanel* panel() const { return mPanel; }
    QUndoView* undoView() const { return mUndoView; }
    QDockWidget* annotationDock() const { return mAnnotationDock; }
    QDockWidget* historyDock() const { return mHistoryDock; }

    // The Annotation and Edit History docks (tabbed with `besideDock` when given).
    void addDocks(QMainWindow* window, QDockWidget* besideDock);
    void fillEditMenu(QMenu* menu) const;

    // Boxes of the shown result selected on the canvas (entities and suggestions).
    QList<BoxRef> selectedBoxes(bool includeSuggestions = false) const;
    void selectBoxes(const QList<BoxRef>& refs);

signals:
    void openSampleRequested(qint64 sampleId);
    void statusMessage(const QString& message);
    void errorOccurred(const QString& title, const QString& message);

private:
    void publish(const AnnotationChange& change);
    void connectActions();
    void updateActions();
    void updateSaveStatus();
    void linkSelectedBox();
    void removeSelectedEntities();
    void setReview(kosmos::store::ReviewState state);
    void regroundSelected();
    QList<quint64> chosenSuggestions() const;

    Parts mParts;
    AnnotationDocument* mDocument;
    AnnotationSaver* mSaver;
    ModelAssist* mAssist;
    EditActions* mActions;
    AnnotationPanel* mPanel;
    QUndoView* mUndoView;
    CreateBoxTool* mDrawTool;
    QPointer<ImageCanvas> mCanvas;
    QDockWidget* mAnnotationDock = nullptr;
    QDockWidget* mHistoryDock = nullptr;
    QList<quint64> mPublishedUids;   // uid of each entity of the shown result
};

// "human:<login name>": who the change history says made a person's edits.
QString humanActor();

} // namespace kosmos::ui
