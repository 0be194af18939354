#pragma once
// One writing process per annotation store. SQLite serialises single transactions, but two programs editing
// the same store side by side would overwrite each other's corrections; so a writer holds an advisory lock
// (flock) on "<db>.lock" beside the database for as long as it has the store open. Connections of one
// process share the lock (threads, background jobs); another process finds it taken and learns who holds it.
// The kernel drops the lock when the holder exits, however it exits (a SIGKILL leaves no stale lock).
#include <memory>
#include <string>

namespace kosmos::store {

class StoreWriterLock {
public:
    // Takes the lock of the store at `dbPath`, or shares this process's. Returns nullptr when another process
    // holds it, with `holder` set to what that process wrote ("kosmos2-workbench, pid 1234"). A lock file
    // that cannot be created (read-only folder) gives an unlocked writer: nullptr with `holder` empty.
    static std::shared_ptr<StoreWriterLock> acquire(const std::string& dbPath, std::string& holder);

    ~StoreWriterLock();
    StoreWriterLock(const StoreWriterLock&) = delete;
    StoreWriterLock& operator=(const StoreWriterLock&) = delete;

    // Whether this lock created "<db>.lock" (it did not exist before).
    bool createdFile() const { return createdFile_; }

private:
    StoreWriterLock(int fd, unsigned long long device, unsigned long long inode, bool createdFile);
    int fd_;
    bool createdFile_;
    unsigned long long device_;
    unsigned long long inode_;
};

// "<db>.lock".
std::string storeLockPath(const std::string& dbPath);

} // namespace kosmos::store
