#include "core/store_writer_lock.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kosmos::store {

namespace {

using FileId = std::pair<unsigned long long, unsigned long long>;

// The locks this process holds, by the lock file's identity: a second connection shares the first's.
std::mutex& registryMutex() {
    static std::mutex mutex;
    return mutex;
}

std::map<FileId, std::weak_ptr<StoreWriterLock>>& registry() {
    static auto* locks = new std::map<FileId, std::weak_ptr<StoreWriterLock>>();
    return *locks;
}

std::string readHolder(int fd) {
    char buffer[256];
    const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    std::string text = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
    for (char& c : text)
        if (static_cast<unsigned char>(c) < 0x20) c = '?';
    return text.empty() ? "another process" : text;
}

std::string programName() {
    char buffer[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0) return "a program";
    const std::string path(buffer, static_cast<std::size_t>(n));
    return path.substr(path.rfind('/') + 1);
}

} // namespace

std::string storeLockPath(const std::string& dbPath) { return dbPath + ".lock"; }

StoreWriterLock::StoreWriterLock(int fd, unsigned long long device, unsigned long long inode, bool createdFile)
    : fd_(fd), createdFile_(createdFile), device_(device), inode_(inode) {}

StoreWriterLock::~StoreWriterLock() {
    // Under the registry's mutex: acquire() waits while an expired entry exists, so that it never takes a
    // second flock on the file while this one is still open (the two would exclude each other).
    std::lock_guard<std::mutex> lock(registryMutex());
    auto it = registry().find({device_, inode_});
    if (it != registry().end() && it->second.expired()) registry().erase(it);
    ::close(fd_);   // drops the flock
}

std::shared_ptr<StoreWriterLock> StoreWriterLock::acquire(const std::string& dbPath, std::string& holder) {
    holder.clear();
    const std::string path = storeLockPath(dbPath);
    const int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;
    int fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL, 0644);
    const bool created = fd >= 0;
    if (!created && errno == EEXIST) fd = ::open(path.c_str(), flags);
    if (fd < 0) return nullptr;
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return nullptr;
    }
    const FileId id{static_cast<unsigned long long>(info.st_dev), static_cast<unsigned long long>(info.st_ino)};
    std::unique_lock<std::mutex> guard(registryMutex());
    for (auto it = registry().find(id); it != registry().end(); it = registry().find(id)) {
        if (std::shared_ptr<StoreWriterLock> shared = it->second.lock()) {
            ::close(fd);
            return shared;
        }
        // The last connection is closing: let its destructor release the file first.
        guard.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        guard.lock();
    }
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        holder = errno == EWOULDBLOCK ? readHolder(fd) : std::string();
        ::close(fd);
        return nullptr;
    }
    const std::string text = programName() + ", pid " + std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] const ssize_t written = ::pwrite(fd, text.data(), text.size(), 0);
    }
    std::shared_ptr<StoreWriterLock> lock(new StoreWriterLock(fd, id.first, id.second, created));
    registry()[id] = lock;
    return lock;
}

} // namespace kosmos::store
