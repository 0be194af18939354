#include "ui/store/annotationsaver.h"

#include <QScopedValueRollback>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>

#include "core/change_log.h"
#include "core/sample_repository.h"
#include "core/store.h"
#include "model/error.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/commands/replacestatecommand.h"
#include "ui/store/conflictmerge.h"

namespace kosmos::ui {

namespace st = kosmos::store;

// The connection writes go through: opened on the writing thread when first needed.
struct AnnotationSaver::Writer {
    std::string path;
    st::AnnotationStore* shared = nullptr;   // an in-memory store has no second connection
    std::unique_ptr<st::AnnotationStore> own;

    st::AnnotationStore& connection() {
        if (shared) return *shared;
        // Read-only because another program was writing: that program may have closed the store since.
        if (!own || !own->lockedBy().empty()) {
            st::AnnotationStore::Options options;
            options.create = false;
            auto fresh = std::make_unique<st::AnnotationStore>(path, options);
            if (!own || fresh->lockedBy().empty()) own = std::move(fresh);
        }
        return *own;
    }
};

namespace {

bool isInMemory(const std::string& path) { return path.empty() || path == ":memory:" || path.rfind("file::memory:", 0) == 0; }

} // namespace

AnnotationSaver::AnnotationSaver(AnnotationDocument* document, QObject* parent) : QObject(parent), mDocument(document) {
    qRegisterMetaType<kosmos::ui::AnnotationSaver::ConflictChoice>();
    mPool.setMaxThreadCount(1);
    mPool.setObjectName(QStringLiteral("annotation-saver"));
    mTimer.setSingleShot(true);
    connect(&mTimer, &QTimer::timeout, this, &AnnotationSaver::writeNow);
    connect(&mPollTimer, &QTimer::timeout, this, &AnnotationSaver::poll);
    mPollTimer.setInterval(1000);
    connect(mDocument, &AnnotationDocument::changed, this, &AnnotationSaver::onDocumentChanged);
    if (mDocument->isOpen()) takeDocumentAsStored();
}

AnnotationSaver::~AnnotationSaver() {
    mTimer.stop();
    mPollTimer.stop();
    mFuture.waitForFinished();
    if (mStore && mSubscription) mStore->unsubscribe(mSubscription);
}

void AnnotationSaver::setPollIntervalMs(int intervalMs) {
    mPollTimer.stop();
    if (intervalMs <= 0) return;
    mPollTimer.setInterval(intervalMs);
    if (mStore) mPollTimer.start();
}

void AnnotationSaver::setStore(std::shared_ptr<st::AnnotationStore> store) {
    mTimer.stop();
    mFuture.waitForFinished();
    mInFlightId = 0;
    if (mStore && mSubscription) mStore->unsubscribe(mSubscription);
    mSubscription = 0;
    mStore = std::move(store);
    mWriter.reset();
    if (!mStore) {
        mPollTimer.stop();
        return;
    }
    mWriter = std::make_shared<Writer>();
    mWriter->path = mStore->path();
    if (isInMemory(mWriter->path)) mWriter->shared = mStore.get();
    // Notifications come on the committing thread: look at them on ours.
    mSubscription = mStore->subscribe([this](const st::ChangeEvent& event) {
        if (mAnnouncing) return;
        QMetaObject::invokeMethod(this, [this, ids = event.sampleIds] {
            if (std::find(ids.begin(), ids.end(), mDocument->sampleId()) != ids.end()) checkForExternalChanges();
        }, Qt::QueuedConnection);
    });
    try {
        mDataVersion = mStore->dataVersion();
    } catch (const Error&) {
        mDataVersion = -1;
    }
    if (mPollTimer.interval() > 0) mPollTimer.start();
}

void AnnotationSaver::takeDocumentAsStored() {
    mTimer.stop();
    mBaseRevision = mDocument->base().revision;
    mLastWritten = mDocument->toSample();
    mSavedSerial = mDocument->changeSerial();
    mCheckAfterWrite = false;
    mLastError.clear();
    mRetries = 0;
    setState(State::Idle);
}

bool AnnotationSaver::hasUnsavedChanges() const {
    return mDocument->isOpen() && mStore && !sameAnnotation(mDocument->toSample(), mLastWritten);
}

void AnnotationSaver::setState(State state) {
    if (state == mState) return;
    mState = state;
    emit stateChanged(state);
}

void AnnotationSaver::onDocumentChanged(const AnnotationChange& change) {
    switch (change.kind) {
    case AnnotationChange::Kind::Opened:
        takeDocumentAsStored();
        return;
    case AnnotationChange::Kind::Closed:
        mTimer.stop();
        setState(State::Idle);
        return;
    default: break;
    }
    if (mResolving) return;
    if (hasUnsavedChanges()) {
        schedule();
    } else if (!mInFlightId) {
        mTimer.stop();
        mSavedSerial = mDocument->changeSerial();
        if (mState == State::Pending) setState(State::Saved);
    }
}

void AnnotationSaver::schedule() {
    if (!mStore || !mDocument->isOpen()) return;
    if (!mTimer.isActive()) mPendingSince.start();
    if (mState != State::Saving) setState(State::Pending);
    const int waited = static_cast<int>(mPendingSince.elapsed());
    mTimer.start(std::clamp(kMaxDelayMs - waited, 0, mDelayMs));
}

AnnotationSaver::Outcome AnnotationSaver::write(Writer& writer, st::Sample sample, const std::string& actor,
                                                quint64 serial, int writeId) {
    Outcome outcome;
    outcome.writeId = writeId;
    outcome.sampleId = sample.id;
    outcome.serial = serial;
    try {
        st::Sample current;
        if (st::putSampleIfUnchanged(writer.connection(), sample, actor, &current)) {
            outcome.ok = true;
            outcome.written = std::move(sample);
        } else {
            outcome.current = std::move(current);
        }
    } catch (const Error& e) {
        outcome.error = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        outcome.error = QString::fromStdString(writer.path + ": " + e.what());
    }
    return outcome;
}

void AnnotationSaver::writeNow() {
    mTimer.stop();
    mPendingSince.invalidate();
    if (!mStore || !mWriter || !mDocument->isOpen() || mInFlightId || mResolving) return;
    st::Sample sample = mDocument->toSample();
    const quint64 serial = mDocument->changeSerial();
    if (sameAnnotation(sample, mLastWritten)) {
        mSavedSerial = serial;
        if (mState == State::Pending) setState(State::Saved);
        return;
    }
    sample.revision = mBaseRevision;
    const int id = ++mLastWriteId;
    mInFlightId = id;
    setState(State::Saving);
    const std::string actor = mActor.toStdString();
    if (mWriter->shared) {
        Outcome outcome;
        {
            QScopedValueRollback<bool> quiet(mAnnouncing, true);   // our own notification
            outcome = write(*mWriter, std::move(sample), actor, serial, id);
        }
        onWriteFinished(outcome);
        return;
    }
    mFuture = QtConcurrent::run(&mPool, [this, writer = mWriter, sample = std::move(sample), actor, serial, id]() mutable {
        Outcome outcome = write(*writer, std::move(sample), actor, serial, id);
        QMetaObject::invokeMethod(this, [this, outcome] { onWriteFinished(outcome); }, Qt::QueuedConnection);
        return outcome;
    });
}

void AnnotationSaver::onWriteFinished(const Outcome& outcome) {
    if (outcome.writeId != mInFlightId) return;   // handled already (flush waited for it)
    mInFlightId = 0;
    if (outcome.sampleId == mDocument->sampleId()) {
        if (outcome.ok) {
            mBaseRevision = outcome.written.revision;
            mLastWritten = outcome.written;
            mSavedSerial = outcome.serial;
            mLastError.clear();
            mRetries = 0;
            if (!mWriter->shared) announceSaved(outcome.sampleId);
            setState(State::Saved);
            emit saved(outcome.sampleId, outcome.written.revision, outcome.serial);
        } else if (outcome.current) {
            handleConflict(*outcome.current);
        } else {
            mLastError = outcome.error;
            setState(State::Failed);
            emit saveFailed(outcome.error);
            // A busy store (another writer's long transaction) frees up: try again a few times; the
            // next edit or leaving the sample tries too.
            if (mRetries < kMaxRetries) {
                ++mRetries;
                QTimer::singleShot(kRetryDelayMs * mRetries, this, [this, sampleId = outcome.sampleId] {
                    if (sampleId == mDocument->sampleId() && hasUnsavedChanges() && !mInFlightId) writeNow();
                });
            }
            return;
        }
    }
    if (mCheckAfterWrite) {
        mCheckAfterWrite = false;
        checkForExternalChanges();
    }
    if (hasUnsavedChanges() && !mTimer.isActive() && !mInFlightId) schedule();
}

void AnnotationSaver::announceSaved(qint64 sampleId) {
    // The write went through another connection: tell this one's subscribers (a browser's list).
    QScopedValueRollback<bool> quiet(mAnnouncing, true);
    mStore->queueEvent(st::ChangeEvent{st::ChangeEvent::Kind::SampleUpdated, {sampleId}, mActor.toStdString()});
}

bool AnnotationSaver::flush() {
    if (!mDocument->isOpen() || !mStore) return true;
    for (int attempt = 0; attempt < 4; ++attempt) {
        if (mInFlightId && !mWriter->shared) {
            mFuture.waitForFinished();
            onWriteFinished(mFuture.result());
        }
        if (!hasUnsavedChanges()) return true;
        if (mState == State::Failed && attempt > 0) return false;
        writeNow();
    }
    if (mInFlightId && !mWriter->shared) {
        mFuture.waitForFinished();
        onWriteFinished(mFuture.result());
    }
    return !hasUnsavedChanges();
}

QString AnnotationSaver::latestActor(qint64 sampleId) const {
    try {
        const std::vector<st::ChangeRecord> history = st::sampleHistory(*mStore, sampleId, 1);
        if (!history.empty()) return QString::fromStdString(history.front().actor);
    } catch (const Error&) {
    }
    return tr("another writer");
}

void AnnotationSaver::handleConflict(const st::Sample& theirs) {
    if (!mDocument->isOpen() || theirs.id != mDocument->sampleId()) return;
    const QString by = latestActor(theirs.id);
    const st::Sample mine = mDocument->toSample();
    const bool unsaved = !sameAnnotation(mine, mLastWritten);
    ConflictChoice choice = ConflictChoice::TakeTheirs;
    if (unsaved && !sameAnnotation(mine, theirs)) {
        QScopedValueRollback<bool> resolving(mResolving, true);
        choice = mResolver ? mResolver(Conflict{mine, theirs, by}) : ConflictChoice::KeepBoth;
    }
    if (!mDocument->isOpen() || theirs.id != mDocument->sampleId()) return;   // the question took long
    const st::Sample base = mLastWritten;
    {
        QScopedValueRollback<bool> resolving(mResolving, true);
        mDocument->setBase(theirs);
        mBaseRevision = theirs.revision;
        mLastWritten = theirs;
        switch (choice) {
        case ConflictChoice::TakeTheirs:
            if (!sameAnnotation(mine, theirs))
                mDocument->undoStack()->push(new ReplaceStateCommand(mDocument, theirs, tr("Changes by %1").arg(by)));
            break;
        case ConflictChoice::KeepMine: break;
        case ConflictChoice::KeepBoth:
            mDocument->undoStack()->push(new ReplaceStateCommand(mDocument, keepBoth(base, mine, theirs).sample,
                                                                 tr("Keep Both (with %1's changes)").arg(by)));
            break;
        }
        mSavedSerial = mDocument->changeSerial();
        setState(State::Saved);
    }
    emit externalChange(theirs.id, by, choice);
    if (hasUnsavedChanges()) writeNow();
}

void AnnotationSaver::checkForExternalChanges() {
    if (!mStore || !mDocument->isOpen() || mResolving) return;
    if (mInFlightId) {
        mCheckAfterWrite = true;
        return;
    }
    std::optional<st::Sample> stored;
    try {
        stored = st::getSample(*mStore, mDocument->sampleId());
    } catch (const Error& e) {
        mLastError = QString::fromStdString(e.what());
        setState(State::Failed);
        emit saveFailed(mLastError);
        return;
    }
    if (!stored) {
        mLastError = tr("%1: sample %2 is no longer in the store; edits are not saved")
                         .arg(QString::fromStdString(mStore->path()))
                         .arg(mDocument->sampleId());
        setState(State::Failed);
        emit saveFailed(mLastError);
        return;
    }
    if (stored->revision != mBaseRevision) handleConflict(*stored);
}

void AnnotationSaver::poll() {
    if (!mStore || !mDocument->isOpen()) return;
    std::int64_t version = -1;
    try {
        version = mStore->dataVersion();
    } catch (const Error&) {
        return;
    }
    if (version == mDataVersion) return;
    mDataVersion = version;
    checkForExternalChanges();
}

} // namespace kosmos::ui
