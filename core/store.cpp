#include "core/store.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/store_schema.h"
#include "core/store_writer_lock.h"
#include "model/error.h"

namespace kosmos::store {

std::int64_t nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

AnnotationStore::AnnotationStore(const std::string& path) : AnnotationStore(path, Options{}) {}

namespace {

// Whether the file begins with SQLite's header: damaged then, rather than some other kind of file.
bool startsLikeSqlite(const std::string& path) {
    char header[16] = {};
    std::ifstream file(path, std::ios::binary);
    return file.read(header, sizeof header) && std::memcmp(header, "SQLite format 3", 16) == 0;
}

// A store that must exist is checked before anything else: no lock file beside a folder, and a reason
// SQLite would not give ("unable to open database file").
const AnnotationStore::Options& requireExisting(const std::string& path, const AnnotationStore::Options& options) {
    std::error_code error;
    if (options.create || !isFileStore(path) || std::filesystem::is_regular_file(path, error)) return options;
    throw Error(path + (std::filesystem::exists(path, error) ? ": is not a file (a database file is needed)"
                                                             : ": no such database file"));
}

} // namespace

AnnotationStore::Options AnnotationStore::takeWriterLock(const std::string& path, Options options,
                                                         std::shared_ptr<void>& lock, std::string& lockedBy) {
    if (options.readOnly || !isFileStore(path)) return options;
    std::string holder;
    lock = StoreWriterLock::acquire(path, holder);
    if (lock) {
        // No other writer: log files this user cannot write were left by someone who could only read the store,
        // and SQLite would refuse every change with "attempt to write a readonly database".
        for (const char* suffix : {"-wal", "-shm"}) {
            const std::string file = path + suffix;
            if (::access(file.c_str(), F_OK) == 0 && ::access(file.c_str(), W_OK) != 0)
                throw Error(path + ": " + file + " cannot be written by this user (a program that could only read the "
                            "store left it); delete " + path + "-wal and " + path + "-shm while no program has the "
                            "store open");
        }
    }
    if (lock || holder.empty()) return options;
    if (options.whenLocked == Options::WhenLocked::Fail)
        throw Error(path + ": the store is open for writing in another program (" + holder +
                    "); close it there, or open the store read-only");
    lockedBy = holder;
    options.readOnly = true;
    options.create = false;
    return options;
}

// A file this user may not write is opened as a read-only store: asked to write, SQLite would read it all the same,
// but then could not make the files a WAL store needs where its folder may not be written either.
AnnotationStore::Options AnnotationStore::readOnlyWhereNotWritable(const std::string& path, Options options,
                                                                   bool& notWritable) {
    if (options.readOnly || !isFileStore(path) || ::access(path.c_str(), F_OK) != 0 || ::access(path.c_str(), W_OK) == 0)
        return options;
    notWritable = true;
    options.readOnly = true;
    options.create = false;
    return options;
}

AnnotationStore::AnnotationStore(const std::string& path, const Options& options)
    : options_(takeWriterLock(path, readOnlyWhereNotWritable(path, requireExisting(path, options), fileNotWritable_),
                              writerLock_, lockedBy_)),
      db_(path, options_.readOnly, options_.create) {
    if (!options_.readOnly && db_.openedReadOnly()) {
        // A write-protected file (permissions, a read-only mount): read it, and say why edits are not saved.
        fileNotWritable_ = true;
        options_.readOnly = true;
        options_.create = false;
        writerLock_.reset();
    }
    db_.exec("PRAGMA busy_timeout = " + std::to_string(options_.busyTimeoutMs));
    std::int64_t applicationId = 0;
    try {
        applicationId = db_.queryInteger("PRAGMA application_id");
    } catch (const Error&) {
        if (startsLikeSqlite(path) && db_.lastErrorIsDamage())
            refuseForeignFile(db_.lastError() + "; sqlite3's .recover command may save the rows it still holds into "
                              "a new file", "damaged database file");
        refuseForeignFile(db_.lastError());
    }
    if (applicationId != 0 && applicationId != schema::kApplicationId)
        refuseForeignFile("SQLite application id " + std::to_string(applicationId));
    if (applicationId == 0 && db_.queryInteger(schema::sql::kSelectUserTables) > 0)
        refuseForeignFile("it holds other tables");
    const std::int64_t version = db_.queryInteger("PRAGMA user_version");
    if (version > schema::kSchemaVersion) {
        throw Error(path + ": database schema version " + std::to_string(version) + " is newer than this program (" +
                    std::to_string(schema::kSchemaVersion) + "); update the workbench");
    }
    db_.exec("PRAGMA foreign_keys = ON");
    if (!options_.readOnly) {
        // WAL: readers see the last commit while a writer works; NORMAL sync keeps every commit
        // across a killed process (the OS holds the WAL), and only risks the latest ones on power loss.
        db_.exec("PRAGMA journal_mode = WAL");
        db_.exec("PRAGMA synchronous = NORMAL");
        db_.exec("PRAGMA cache_size = -16384");
        db_.exec("PRAGMA temp_store = MEMORY");
        migrate();
    } else if (version == 0) {
        refuseForeignFile("an empty database: nothing has been imported into it");
    } else if (version < schema::kSchemaVersion) {
        throw Error(path + ": database schema version " + std::to_string(version) +
                    " is older than this program's; open it once for writing to upgrade it");
    }
}

AnnotationStore::~AnnotationStore() = default;

void AnnotationStore::refuseForeignFile(const std::string& reason, const std::string& what) {
    // No lock file of ours stays beside someone else's file (unless another connection still shares it).
    if (auto lock = std::static_pointer_cast<StoreWriterLock>(writerLock_);
        lock && lock->createdFile() && lock.use_count() == 2) {
        std::error_code ignored;
        std::filesystem::remove(storeLockPath(path()), ignored);
    }
    throw Error(path() + ": " + what + " (" + reason + ")");
}

void AnnotationStore::migrate() {
    while (db_.queryInteger("PRAGMA user_version") < schema::kSchemaVersion) {
        db_.exec("BEGIN IMMEDIATE");
        try {
            // Read again under the write lock: another process may have migrated meanwhile.
            const std::int64_t version = db_.queryInteger("PRAGMA user_version");
            if (version < schema::kSchemaVersion) {
                db_.exec(schema::kMigrations[version]);
                db_.exec("PRAGMA application_id = " + std::to_string(schema::kApplicationId));
                db_.exec("PRAGMA user_version = " + std::to_string(version + 1));
            }
            db_.exec("COMMIT");
        } catch (const Error& e) {
            db_.exec("ROLLBACK");
            throw Error(path() + ": schema migration failed: " + e.what());
        }
    }
}

int AnnotationStore::schemaVersion() { return static_cast<int>(db_.queryInteger("PRAGMA user_version")); }

int AnnotationStore::subscribe(Listener listener) {
    std::lock_guard<std::mutex> lock(listenersMutex_);
    listeners_.emplace(nextToken_, std::move(listener));
    return nextToken_++;
}

void AnnotationStore::unsubscribe(int token) {
    std::lock_guard<std::mutex> lock(listenersMutex_);
    listeners_.erase(token);
}

std::int64_t AnnotationStore::dataVersion() { return db_.queryInteger("PRAGMA data_version"); }

std::int64_t AnnotationStore::lastChangeId() { return db_.queryInteger(schema::sql::kLastChangeId); }

void AnnotationStore::queueEvent(ChangeEvent event) {
    if (depth_ == 0) {
        deliver({std::move(event)});
    } else {
        pending_.push_back(std::move(event));
    }
}

void AnnotationStore::deliver(std::vector<ChangeEvent> events) {
    if (events.empty()) return;
    std::vector<Listener> listeners;
    {
        std::lock_guard<std::mutex> lock(listenersMutex_);
        for (const auto& entry : listeners_) listeners.push_back(entry.second);
    }
    for (const ChangeEvent& event : events) {
        for (const Listener& listener : listeners) {
            try {
                listener(event);
            } catch (...) {
                // A listener's failure must not undo or hide a committed change.
            }
        }
    }
}

std::string AnnotationStore::whyReadOnly() const {
    if (!lockedBy_.empty()) return lockedBy_ + " has it open for writing";
    return fileNotWritable_ ? "the file cannot be written" : std::string();
}

Transaction::Transaction(AnnotationStore& store) : store_(store) {
    if (store_.readOnly()) {
        const std::string why = store_.whyReadOnly();
        throw Error(store_.path() + ": the store is open read-only" + (why.empty() ? std::string() : " (" + why + ")"));
    }
    nested_ = store_.depth_ > 0;
    pendingMark_ = store_.pending_.size();
    if (nested_) {
        store_.db_.cached("SAVEPOINT nested" + std::to_string(store_.depth_))->run();
    } else {
        store_.db_.cached("BEGIN IMMEDIATE")->run();
    }
    ++store_.depth_;
}

Transaction::~Transaction() {
    if (!open_) return;
    --store_.depth_;
    store_.pending_.resize(pendingMark_);
    try {
        if (nested_) {
            const std::string name = "nested" + std::to_string(store_.depth_);
            store_.db_.cached("ROLLBACK TO " + name)->run();
            store_.db_.cached("RELEASE " + name)->run();
        } else {
            store_.db_.cached("ROLLBACK")->run();
        }
    } catch (const Error&) {
        // The connection already rolled back (for example after SQLITE_FULL); nothing is left to undo.
    }
}

void Transaction::commit() {
    if (!open_) throw Error(store_.path() + ": transaction already finished");
    if (nested_) {
        store_.db_.cached("RELEASE nested" + std::to_string(store_.depth_ - 1))->run();
        open_ = false;
        --store_.depth_;
        return;
    }
    store_.db_.cached("COMMIT")->run();
    open_ = false;
    --store_.depth_;
    std::vector<ChangeEvent> events;
    events.swap(store_.pending_);
    store_.deliver(std::move(events));
}

ReadSnapshot::ReadSnapshot(AnnotationStore& store) : store_(store) {
    if (!store_.db().inTransaction()) {
        store_.db().exec("BEGIN DEFERRED");
        owns_ = true;
    }
}

ReadSnapshot::~ReadSnapshot() {
    if (!owns_) return;
    try {
        store_.db().exec("COMMIT");
    } catch (const Error&) {
        // A read transaction has nothing to lose.
    }
}

} // namespace kosmos::store
