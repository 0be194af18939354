// Concurrency and crashes: a reader counting rows while a writer imports (WAL: no SQLITE_BUSY, only
// whole batches visible), and a writer killed with SIGKILL mid-import leaves a consistent database
// holding every committed record, from which the import resumes to the right totals.
#include "core/grit_import.h"
#include "core/sample_repository.h"
#include "core/store_stats.h"
#include "test_store_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace kosmos::store;
using nlohmann::json;

namespace {

std::string keyOf(int i) {
    char key[32];
    std::snprintf(key, sizeof key, "k%07d", i);
    return key;
}

// `count` valid records without images, keys k0000000, k0000001, ...
void writeRecords(const std::string& path, int count) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    QVERIFY(file);
    for (int i = 0; i < count; ++i) {
        json record = store_test::gritRecord(keyOf(i));
        record["id"] = i;
        const std::string line = record.dump() + "\n";
        std::fwrite(line.data(), 1, line.size(), file);
    }
    std::fclose(file);
}

} // namespace

class TestStoreConcurrency : public QObject {
    Q_OBJECT

private slots:
    void readerRunsWhileWriterImports() {
        QTemporaryDir dir;
        const std::string db = dir.filePath("store.db").toStdString();
        const std::string data = dir.filePath("data.jsonl").toStdString();
        const int total = 20000;
        writeRecords(data, total);
        { AnnotationStore create(db); }

        std::mutex mutex;
        std::set<std::int64_t> committed = {0};
        std::atomic<bool> done{false};
        std::vector<std::int64_t> seen;
        std::string readerError;
        std::thread reader([&] {
            try {
                AnnotationStore store(db);
                while (!done.load()) {
                    seen.push_back(countSamples(store, {}));
                    PageRequest page;
                    page.limit = 50;
                    page.sort = SampleSort::Key;
                    page.descending = true;
                    querySamples(store, page);
                }
                seen.push_back(countSamples(store, {}));
            } catch (const std::exception& e) {
                readerError = e.what();
            }
        });
        ImportSummary summary;
        std::string writerError;
        std::thread writer([&] {
            try {
                AnnotationStore store(db);
                ImportOptions options;
                options.batchSize = 250;
                options.onCommit = [&](std::int64_t n) {
                    std::lock_guard<std::mutex> lock(mutex);
                    committed.insert(n);
                };
                summary = importSources(store, {data}, options);
            } catch (const std::exception& e) {
                writerError = e.what();
            }
            done = true;
        });
        writer.join();
        reader.join();
        QVERIFY2(readerError.empty(), readerError.c_str());
        QVERIFY2(writerError.empty(), writerError.c_str());
        QCOMPARE(summary.imported, std::int64_t(total));
        QVERIFY(seen.size() > 2);
        QCOMPARE(seen.back(), std::int64_t(total));
        std::set<std::int64_t> distinct;
        for (std::size_t i = 0; i < seen.size(); ++i) {
            if (i) QVERIFY(seen[i] >= seen[i - 1]);                     // never goes back
            QVERIFY2(committed.count(seen[i]), std::to_string(seen[i]).c_str());   // whole batches only
            distinct.insert(seen[i]);
        }
        qInfo("reader made %zu counts, saw %zu different states", seen.size(), distinct.size());
        QVERIFY(distinct.size() > 2);   // it did read while the writer was importing
    }

    void writerKilledMidImportLeavesConsistentStore() {
        QTemporaryDir dir;
        const std::string db = dir.filePath("store.db").toStdString();
        const std::string data = dir.filePath("data.jsonl").toStdString();
        const int total = 100000;
        const int batch = 500;
        writeRecords(data, total);

        int pipeFds[2];
        QCOMPARE(::pipe(pipeFds), 0);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::close(pipeFds[0]);
            try {
                AnnotationStore store(db);
                ImportOptions options;
                options.batchSize = batch;
                options.onCommit = [&](std::int64_t n) {
                    if (::write(pipeFds[1], &n, sizeof n) != sizeof n) ::_exit(3);
                };
                importSources(store, {data}, options);
            } catch (...) {
                ::_exit(2);
            }
            ::_exit(0);
        }
        ::close(pipeFds[1]);
        std::int64_t reported = 0;
        std::int64_t n = 0;
        bool killed = false;
        while (::read(pipeFds[0], &n, sizeof n) == sizeof n) {
            reported = n;
            if (!killed && n >= 5 * batch) {
                ::kill(child, SIGKILL);
                killed = true;
            }
        }
        ::close(pipeFds[0]);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(killed);
        QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the writer finished before it was killed");
        QVERIFY(reported < total);

        AnnotationStore store(db);
        const CheckReport report = checkStore(store);
        QVERIFY(report.integrity.empty());
        QVERIFY(report.foreignKeys.empty());
        QVERIFY(report.staleCounters.empty());
        const std::int64_t stored = countSamples(store, {});
        qInfo("killed after %lld committed records reported; %lld stored", static_cast<long long>(reported),
              static_cast<long long>(stored));
        QVERIFY(stored >= reported);                 // every committed record is there...
        QVERIFY(stored <= reported + batch);         // ...and at most the batch committed as it died
        QCOMPARE(stored % batch, std::int64_t(0));   // never a part of a batch
        QCOMPARE(store.db().queryInteger("SELECT count(*) FROM entities"), 2 * stored);
        for (std::int64_t i = 0; i < stored; i += 997) QVERIFY(getSampleByKey(store, keyOf(static_cast<int>(i))));
        QVERIFY(getSampleByKey(store, keyOf(static_cast<int>(stored - 1))));
        QVERIFY(!getSampleByKey(store, keyOf(static_cast<int>(stored))));

        ImportOptions options;
        options.batchSize = batch;
        const ImportSummary resumed = importSources(store, {data}, options);
        QCOMPARE(resumed.alreadyStored, stored);
        QCOMPARE(resumed.imported, total - stored);
        QCOMPARE(resumed.rejected, std::int64_t(0));
        QCOMPARE(countSamples(store, {}), std::int64_t(total));
        QCOMPARE(store.db().queryInteger("SELECT count(*) FROM changes"), std::int64_t(total));
        QVERIFY(checkStore(store).ok());
    }
};

QTEST_GUILESS_MAIN(TestStoreConcurrency)
#include "test_store_concurrency.moc"
