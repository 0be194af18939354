#pragma once
// A thin RAII layer over the sqlite3 C API: a connection with a cache of prepared statements, and
// statements whose errors throw kosmos::Error naming the database file.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace kosmos::store {

class Statement {
public:
    Statement(sqlite3* db, const std::string& sql, const std::string& dbPath);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQL (?1, ?2 ...).
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bindBlob(int index, const void* data, std::size_t size);
    Statement& bindNull(int index);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bindNull(index);
    }
    // Binds NULL for an empty string.
    Statement& bindOrNull(int index, const std::string& text) {
        return text.empty() ? bindNull(index) : bind(index, text);
    }

    bool step();   // true: a row is ready; false: done. Throws on error.
    void run();    // steps to the end, then rewinds (parameters stay bound)
    void reset();  // ready to run again, parameters cleared

    bool isNull(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;              // "" for NULL
    std::string_view textView(int column) const;     // valid until the next step
    std::string blob(int column) const;
    std::string_view blobView(int column) const;     // valid until the next step
    std::optional<std::int64_t> optionalInteger(int column) const;
    std::optional<double> optionalReal(int column) const;
    std::optional<std::string> optionalText(int column) const;
    const std::string& databasePath() const { return dbPath_; }

private:
    [[noreturn]] void fail(int rc) const;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    const std::string& dbPath_;
};

// A prepared statement borrowed from the connection's cache; reset when the lease ends.
class StatementLease {
public:
    explicit StatementLease(Statement& statement) : statement_(&statement) {}
    ~StatementLease() { statement_->reset(); }
    StatementLease(const StatementLease&) = delete;
    StatementLease& operator=(const StatementLease&) = delete;
    Statement* operator->() const { return statement_; }
    Statement& operator*() const { return *statement_; }

private:
    Statement* statement_;
};

// Whether `path` names a database file (not ":memory:" or a "file:" URI).
bool isFileStore(const std::string& path);

class Database {
public:
    // Opens (creating when `create`) the file; ":memory:" is an in-memory database.
    Database(const std::string& path, bool readOnly, bool create);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }

    // Runs one or more statements without results.
    void exec(const std::string& sql);
    // A single integer result (first column of the first row; `fallback` when there is no row).
    std::int64_t queryInteger(const std::string& sql, std::int64_t fallback = 0);
    // A prepared statement from the cache (prepared on first use).
    StatementLease cached(const std::string& sql);
    std::int64_t lastInsertId() const;
    int changes() const;   // rows changed by the last statement
    std::string lastError() const;   // SQLite's message for the last failure
    bool lastErrorIsDamage() const;  // that failure was a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB)
    bool openedReadOnly() const;     // SQLite could only open the file for reading (asked for writing or not)
    bool inTransaction() const;

private:
    sqlite3* db_ = nullptr;
    std::string path_;
    std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

} // namespace kosmos::store
