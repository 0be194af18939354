#pragma once
// Saves the sample being edited, with no Save button: every change reaches the store shortly after it
// is made (a short pause lets a drag finish; a long one writes in between) as one transaction on a
// connection of its own, off the GUI thread, recorded in the change history under the editor's
// actor ("human:<name>"). Each write says which revision it read; when someone else (the model,
// another workbench) changed the sample since, nothing is overwritten: with no unsaved edits their
// version is taken over (one undo step brings ours back), otherwise the conflict resolver chooses
// between keeping both, ours or theirs. Changes by others are noticed while idle too (the store's
// notifications, and its data version for other processes).
#include <QObject>
#include <QElapsedTimer>
#include <QFuture>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

#include "core/sample.h"

namespace kosmos::store {
class AnnotationStore;
}

namespace kosmos::ui {

class AnnotationDocument;
struct AnnotationChange;

class AnnotationSaver : public QObject {
    Q_OBJECT
public:
    enum class ConflictChoice { KeepBoth, KeepMine, TakeTheirs };
    struct Conflict {
        kosmos::store::Sample mine;     // as edited here
        kosmos::store::Sample theirs;   // as stored now
        QString changedBy;              // actor of the latest change in the store's history
    };
    using ConflictResolver = std::function<ConflictChoice(const Conflict& conflict)>;
    enum class State { Idle, Pending, Saving, Saved, Failed };

    // A document open already is taken as just read from the store (unchanged since).
    explicit AnnotationSaver(AnnotationDocument* document, QObject* parent = nullptr);
    ~AnnotationSaver() override;   // waits for a write in flight (call flush() first to write the rest)

    // The store the document's sample comes from (read on the GUI thread; writes go through a second
    // connection to the same file, or through this one for an in-memory store).
    void setStore(std::shared_ptr<kosmos::store::AnnotationStore> store);
    std::shared_ptr<kosmos::store::AnnotationStore> store() const { return mStore; }
    void setActor(const QString& actor) { mActor = actor; }
    QString actor() const { return mActor; }
    void setDelayMs(int delayMs) { mDelayMs = delayMs; }
    void setPollIntervalMs(int intervalMs);   // 0: no polling
    // Without one, conflicts keep both.
    void setConflictResolver(ConflictResolver resolver) { mResolver = std::move(resolver); }

    // Writes what is not saved yet and waits for it; true when the store holds the document's state.
    bool flush();
    bool hasUnsavedChanges() const;
    State state() const { return mState; }
    QString lastError() const { return mLastError; }
    qint64 storedRevision() const { return mBaseRevision; }
    // Compares the stored revision with the one this editor read, and reacts to a change by someone else.
    void checkForExternalChanges();

signals:
    void saved(qint64 sampleId, qint64 revision, quint64 changeSerial);
    void saveFailed(const QString& message);
    void stateChanged(kosmos::ui::AnnotationSaver::State state);
    // Someone else changed the sample; `how` says what was done about it.
    void externalChange(qint64 sampleId, const QString& changedBy, kosmos::ui::AnnotationSaver::ConflictChoice how);

private:
    struct Writer;
    struct Outcome {
        int writeId = 0;
        qint64 sampleId = 0;
        quint64 serial = 0;
        bool ok = false;
        kosmos::store::Sample written;
        std::optional<kosmos::store::Sample> current;   // set on a conflict
        QString error;
    };

    void onDocumentChanged(const AnnotationChange& change);
    // The document as opened is what the store holds.
    void takeDocumentAsStored();
    void schedule();
    void writeNow();
    static Outcome write(Writer& writer, kosmos::store::Sample sample, const std::string& actor, quint64 serial,
                         int writeId);
    void onWriteFinished(const Outcome& outcome);
    void handleConflict(const kosmos::store::Sample& theirs);
    QString latestActor(qint64 sampleId) const;
    void announceSaved(qint64 sampleId);
    void poll();
    void setState(State state);

    AnnotationDocument* mDocument;
    std::shared_ptr<kosmos::store::AnnotationStore> mStore;
    std::shared_ptr<Writer> mWriter;
    int mSubscription = 0;
    QString mActor = QStringLiteral("human");
    ConflictResolver mResolver;
    int mDelayMs = 250;
    static constexpr int kMaxDelayMs = 1500;
    QTimer mTimer;
    QTimer mPollTimer;
    QElapsedTimer mPendingSince;
    QThreadPool mPool;
    QFuture<Outcome> mFuture;
    int mInFlightId = 0;    // 0: no write in flight
    int mLastWriteId = 0;
    bool mCheckAfterWrite = false;
    bool mAnnouncing = false;
    bool mResolving = false;   // a conflict is being resolved (the resolver may run an event loop)
    qint64 mBaseRevision = 0;
    quint64 mSavedSerial = 0;
    kosmos::store::Sample mLastWritten;   // what the store holds of the edited fields
    std::int64_t mDataVersion = -1;
    int mRetries = 0;   // after failed writes, since the last success
    static constexpr int kMaxRetries = 5;
    static constexpr int kRetryDelayMs = 2000;
    State mState = State::Idle;
    QString mLastError;
};

} // namespace kosmos::ui

Q_DECLARE_METATYPE(kosmos::ui::AnnotationSaver::ConflictChoice)
