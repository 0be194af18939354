#include "core/sqlite_db.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "model/error.h"

namespace kosmos::store {

namespace {

// The file SQLite opens for `path`, links followed: its -wal and -shm files are made beside that one.
std::string resolvedPath(const std::string& path) {
    std::error_code error;
    std::filesystem::path file = std::filesystem::weakly_canonical(std::filesystem::absolute(path, error), error);
    return error ? path : file.string();
}

// Whether SQLite can open `path` read-only the usual way: its folder takes new files, or the -wal and -shm
// files a writer leaves are there.
bool writableFolderOrLog(const std::string& path) {
    const std::string file = resolvedPath(path);
    std::error_code error;
    if (std::filesystem::exists(file + "-wal", error) && std::filesystem::exists(file + "-shm", error)) return true;
    return ::access(std::filesystem::path(file).parent_path().c_str(), W_OK) == 0;
}

// Whether a read-only reader may open `path` for writing (its file and folder writable by this user). A
// read-only SQLite connection can make a WAL database's -wal and -shm files but never removes them on close;
// a writable one, the last to close, checkpoints and removes them.
bool writableFileAndFolder(const std::string& path) {
    const std::string file = resolvedPath(path);
    return ::access(file.c_str(), W_OK) == 0 && ::access(std::filesystem::path(file).parent_path().c_str(), W_OK) == 0;
}

// `path` as the path of a file: URI, with the characters a URI gives a meaning escaped.
std::string uriPath(const std::string& path) {
    std::string out;
    for (const char c : path) {
        if (c == '%' || c == '?' || c == '#') {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", static_cast<unsigned char>(c));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out;
}

[[noreturn]] void throwSqlite(sqlite3* db, const std::string& path, int rc, const std::string& what) {
    const char* message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const std::string reason = message ? message : sqlite3_errstr(rc);
    // Damage is about the file, not the statement that ran into it.
    if ((rc & 0xFF) == SQLITE_CORRUPT || (rc & 0xFF) == SQLITE_NOTADB)
        throw Error(path + ": damaged database file (" + reason + ")");
    throw Error(path + ": " + what + ": " + reason);
}

std::string shortSql(const std::string& sql) {
    std::string s = sql.substr(0, 60);
    for (char& c : s) {
        if (c == '\n') c = ' ';
    }
    return sql.size() > 60 ? s + "..." : s;
}

} // namespace

bool isFileStore(const std::string& path) {
    return !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
}

Statement::Statement(sqlite3* db, const std::string& sql, const std::string& dbPath) : db_(db), dbPath_(dbPath) {
    const int rc = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt_, nullptr);
    if (rc != SQLITE_OK) throwSqlite(db, dbPath, rc, "cannot prepare '" + shortSql(sql) + "'");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::fail(int rc) const {
    throwSqlite(db_, dbPath_, rc, "'" + shortSql(sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "") + "'");
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(rc);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (const int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) fail(rc);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    const int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(rc);
    return *this;
}

Statement& Statement::bindBlob(int index, const void* data, std::size_t size) {
    if (const int rc = sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT); rc != SQLITE_OK) fail(rc);
    return *this;
}

Statement& Statement::bindNull(int index) {
    if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(rc);
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(rc);
}

void Statement::run() {
    while (step()) {
    }
    sqlite3_reset(stmt_);
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::textView(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (!text) return {};
    return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string Statement::text(int column) const { return std::string(textView(column)); }

std::string_view Statement::blobView(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    if (!data) return {};
    return {static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string Statement::blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    if (!data) return {};
    return std::string(static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::int64_t> Statement::optionalInteger(int column) const {
    if (isNull(column)) return std::nullopt;
    return integer(column);
}

std::optional<double> Statement::optionalReal(int column) const {
    if (isNull(column)) return std::nullopt;
    return real(column);
}

std::optional<std::string> Statement::optionalText(int column) const {
    if (isNull(column)) return std::nullopt;
    return text(column);
}

Database::Database(const std::string& path, bool readOnly, bool create) : path_(path) {
    static const bool configured = [] {
        // No global allocation statistics: they take a process-wide mutex on every allocation.
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
    const bool fileStore = isFileStore(path);
    // Read-only use of a file this user may write: opened for writing, with every change refused (query_only),
    // so that closing it leaves no -wal and -shm files behind.
    const bool queryOnly = readOnly && fileStore && writableFileAndFolder(path);
    int flags = readOnly && !queryOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (create && !readOnly) flags |= SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX;   // one connection per thread
    std::string name = path;
    if (readOnly && !queryOnly && fileStore && !writableFolderOrLog(path)) {
        // A WAL database read where its shared-memory file cannot be made (a read-only disk, another user's
        // folder), so no writer is at work there: read it as an immutable file. Changes a writer left in its
        // log would be missed that way, so a log that is not empty is a reason to stop.
        std::error_code error;
        const std::string log = resolvedPath(path) + "-wal";
        if (std::filesystem::exists(log, error) && std::filesystem::file_size(log, error) > 0 && !error)
            throw Error(path + ": its write-ahead log " + log + " holds changes not yet in the store, and they cannot "
                               "be applied here (the folder cannot be written); open the store once where it can be");
        name = "file:" + uriPath(path) + "?immutable=1";
        flags |= SQLITE_OPEN_URI;
    }
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw Error(path + ": cannot open database: " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
    if (queryOnly) exec("PRAGMA query_only = ON");
}

Database::~Database() {
    cache_.clear();
    sqlite3_close_v2(db_);
}

void Database::exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        const std::string text = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        throw Error(path_ + ": '" + shortSql(sql) + "': " + text);
    }
}

std::int64_t Database::queryInteger(const std::string& sql, std::int64_t fallback) {
    StatementLease statement = cached(sql);
    return statement->step() ? statement->integer(0) : fallback;
}

StatementLease Database::cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        it = cache_.emplace(sql, std::make_unique<Statement>(db_, sql, path_)).first;
    }
    return StatementLease(*it->second);
}

std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }

std::string Database::lastError() const { return sqlite3_errmsg(db_); }

bool Database::openedReadOnly() const { return sqlite3_db_readonly(db_, "main") == 1; }

bool Database::lastErrorIsDamage() const {
    const int code = sqlite3_errcode(db_);
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

int Database::changes() const { return sqlite3_changes(db_); }

bool Database::inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

} // namespace kosmos::store
