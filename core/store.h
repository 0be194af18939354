#pragma once
// The annotation store: one SQLite database file (WAL mode, foreign keys on) holding images, samples,
// entities, their review state and split, and the history of every change. One AnnotationStore is
// one connection: use it from one thread at a time (open another store object for another thread;
// WAL lets readers run while a writer commits).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/sqlite_db.h"

namespace kosmos::store {

// What a committed change touched; delivered to subscribers after the commit, on the committing thread.
struct ChangeEvent {
    enum class Kind { SampleInserted, SampleUpdated, SampleDeleted, ReviewChanged, SplitChanged, Imported };
    Kind kind = Kind::SampleUpdated;
    std::vector<std::int64_t> sampleIds;   // for Imported: the samples of one committed batch
    std::string actor;
};

class AnnotationStore {
public:
    struct Options {
        bool readOnly = false;
        bool create = true;           // create the file when missing
        int busyTimeoutMs = 10000;    // how long to wait for another connection's write lock
        // When another process has the store open for writing (StoreWriterLock): open it read-only
        // (lockedBy() says by whom), or throw kosmos::Error naming that process.
        enum class WhenLocked { ReadOnly, Fail };
        WhenLocked whenLocked = WhenLocked::ReadOnly;
    };

    // Opens or creates the store at `path` (":memory:" for a private in-memory one) and brings its
    // schema up to date. Throws kosmos::Error when the file is not a workbench database, is newer
    // than this program, or is damaged.
    explicit AnnotationStore(const std::string& path);
    AnnotationStore(const std::string& path, const Options& options);
    ~AnnotationStore();
    AnnotationStore(const AnnotationStore&) = delete;
    AnnotationStore& operator=(const AnnotationStore&) = delete;

    Database& db() { return db_; }
    const std::string& path() const { return db_.path(); }
    int schemaVersion();
    bool readOnly() const { return options_.readOnly; }
    // Set when this store was asked for writing but opened read-only because another process writes it:
    // "kosmos2-workbench, pid 1234".
    const std::string& lockedBy() const { return lockedBy_; }
    // Why a store asked for writing is read-only ("" when it may write, or was opened read-only on purpose):
    // "kosmos2, pid 1234 has it open for writing", "the file cannot be written".
    std::string whyReadOnly() const;

    // Change notifications inside this process. The callback must not throw.
    using Listener = std::function<void(const ChangeEvent&)>;
    int subscribe(Listener listener);
    void unsubscribe(int token);

    // For other processes: changes whenever another connection commits (PRAGMA data_version), and
    // the id of the latest recorded change (grows with every change from any process).
    std::int64_t dataVersion();
    std::int64_t lastChangeId();

    // Used by Transaction: events wait for the outermost commit.
    void queueEvent(ChangeEvent event);

private:
    friend class Transaction;
    void migrate();
    [[noreturn]] void refuseForeignFile(const std::string& reason,
                                        const std::string& what = "not a workbench annotation database");
    void deliver(std::vector<ChangeEvent> events);
    static Options takeWriterLock(const std::string& path, Options options, std::shared_ptr<void>& lock,
                                  std::string& lockedBy);
    static Options readOnlyWhereNotWritable(const std::string& path, Options options, bool& notWritable);

    // Declared before options_: takeWriterLock and readOnlyWhereNotWritable fill them while options_ is initialised.
    std::shared_ptr<void> writerLock_;   // StoreWriterLock while this store may write
    std::string lockedBy_;
    bool fileNotWritable_ = false;   // asked for writing, but the file may only be read
    Options options_;
    Database db_;
    int depth_ = 0;                              // open Transaction objects
    std::vector<ChangeEvent> pending_;
    std::mutex listenersMutex_;
    std::map<int, Listener> listeners_;
    int nextToken_ = 1;
};

// A write transaction: BEGIN IMMEDIATE for the outermost, a SAVEPOINT when nested. Rolled back by
// the destructor unless commit() was called. Events queued inside reach subscribers after the
// outermost commit.
class Transaction {
public:
    explicit Transaction(AnnotationStore& store);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    AnnotationStore& store_;
    bool open_ = true;
    bool nested_ = false;
    std::size_t pendingMark_ = 0;
};

// A consistent snapshot for several reads (BEGIN DEFERRED ... COMMIT); nothing when nested in a write.
class ReadSnapshot {
public:
    explicit ReadSnapshot(AnnotationStore& store);
    ~ReadSnapshot();
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

private:
    AnnotationStore& store_;
    bool owns_ = false;
};

// Milliseconds since the Unix epoch (the store's timestamps).
std::int64_t nowMs();

} // namespace kosmos::store
