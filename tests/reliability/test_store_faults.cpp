// Faults around the annotation store, injected into real processes (this program re-executed with
// "--child MODE ..."): SIGKILL during an import and during annotation saving, over several rounds, after which
// the store opens, passes its integrity check and holds every commit the child reported (records lost: zero);
// a full disk during an export (a size-limited tmpfs, or RLIMIT_FSIZE where mounting is not allowed), which
// leaves the previous export as it was; and two processes opening one store for writing (the second gets it
// read-only, or is refused, with the holder named; a killed holder leaves no stale lock).
#include "core/grit_import.h"
#include "core/sample_repository.h"
#include "core/store.h"
#include "core/store_export.h"
#include "core/store_stats.h"
#include "core/store_writer_lock.h"
#include "model/error.h"

#include "reliability_support.h"
#include "../unit/test_store_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include <sys/resource.h>

using namespace kosmos;
using namespace kosmos::store;
using namespace kosmos::reliability;

namespace {

std::string keyOf(int i) {
    char key[32];
    std::snprintf(key, sizeof key, "k%07d", i);
    return key;
}

void writeRecords(const std::string& path, int count) {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < count; ++i) {
        nlohmann::json record = store_test::gritRecord(keyOf(i));
        record["id"] = i;
        out << record.dump() << "\n";
    }
}

// The Human box the saving child writes in its edit number `edit`.
Box editBox(std::int64_t edit) {
    const double x1 = 0.2 + static_cast<double>(edit % 700) / 1000.0;
    return {0.1, 0.1, x1, 0.9};
}

// ---- children ---------------------------------------------------------------------------------------------

int childImport(const std::string& db, const std::string& data, int batch) {
    AnnotationStore store(db);
    ImportOptions options;
    options.batchSize = batch;
    options.onCommit = [](std::int64_t n) { std::cout << "committed " << n << std::endl; };
    importSources(store, {data}, options);
    std::cout << "done" << std::endl;
    return 0;
}

// Edits samples one after another as the workbench saves corrections: a Human entity replaced, review
// state Corrected; prints "saved KEY REVISION EDIT" once each edit is committed.
int childSave(const std::string& db, std::int64_t firstEdit, int samples) {
    AnnotationStore store(db);
    for (std::int64_t edit = firstEdit;; ++edit) {
        const std::string key = keyOf(static_cast<int>(edit % samples));
        std::optional<Sample> sample = getSampleByKey(store, key);
        if (!sample) return 3;
        auto& entities = sample->entities;
        entities.erase(std::remove_if(entities.begin(), entities.end(),
                                      [](const EntityRecord& e) { return e.source == EntitySource::Human; }),
                       entities.end());
        EntityRecord human;
        human.kind = EntityKind::RefExp;
        human.spanStart = 0;
        human.spanEnd = 5;
        human.phrase = sample->caption.substr(0, 5);
        human.boxes = {editBox(edit)};
        human.source = EntitySource::Human;
        human.author = "reliability";
        entities.push_back(human);
        sample->review = ReviewState::Corrected;
        putSample(store, *sample, "human:reliability");
        std::cout << "saved " << key << " " << sample->revision << " " << edit << std::endl;
    }
}

// Opens the store for writing as a second program would and reports what happened.
int childOpenWriter(const std::string& db) {
    try {
        AnnotationStore store(db);
        std::cout << (store.readOnly() ? "readonly " + store.lockedBy() : std::string("writable")) << std::endl;
        try {
            Sample sample;
            sample.key = "from-second-process";
            sample.caption = "a red circle";
            putSample(store, sample, "second");
            std::cout << "write-ok" << std::endl;
        } catch (const Error& e) {
            std::cout << "write-error " << e.what() << std::endl;
        }
    } catch (const Error& e) {
        std::cout << "open-error " << e.what() << std::endl;
    }
    AnnotationStore::Options refuse;
    refuse.whenLocked = AnnotationStore::Options::WhenLocked::Fail;
    try {
        AnnotationStore store(db, refuse);
        std::cout << "strict-writable" << std::endl;
    } catch (const Error& e) {
        std::cout << "refused " << e.what() << std::endl;
    }
    return 0;
}

int childHold(const std::string& db) {
    AnnotationStore store(db);
    std::cout << (store.readOnly() ? "not-holding" : "holding") << std::endl;
    std::this_thread::sleep_for(std::chrono::minutes(10));
    return 0;
}

int runChild(int argc, char** argv) {
    const std::string mode = argc > 2 ? argv[2] : "";
    try {
        if (mode == "import" && argc == 6) return childImport(argv[3], argv[4], std::atoi(argv[5]));
        if (mode == "save" && argc == 6) return childSave(argv[3], std::atoll(argv[4]), std::atoi(argv[5]));
        if (mode == "open-writer" && argc == 4) return childOpenWriter(argv[3]);
        if (mode == "hold" && argc == 4) return childHold(argv[3]);
    } catch (const std::exception& e) {
        std::cout << "error " << e.what() << std::endl;
        return 2;
    }
    std::cerr << "unknown child mode\n";
    return 64;
}

void expectConsistent(AnnotationStore& store) {
    const CheckReport report = checkStore(store);
    QVERIFY2(report.integrity.empty(), report.integrity.empty() ? "" : report.integrity.front().c_str());
    QVERIFY(report.foreignKeys.empty());
    QVERIFY(report.staleCounters.empty());
}

} // namespace

class TestStoreFaults : public QObject {
    Q_OBJECT

private slots:
    void killDuringImport() {
        const int total = 30000;
        const int batch = 500;
        const std::string data = mDir.filePath("import.jsonl").toStdString();
        writeRecords(data, total);
        std::mt19937 random(11);
        int faults = 0;
        std::int64_t lost = 0;
        for (int round = 0; round < 4; ++round) {
            const std::string db = mDir.filePath(QStringLiteral("import-%1.db").arg(round)).toStdString();
            Child child({selfPath(), "--child", "import", db, data, std::to_string(batch)});
            QVERIFY(child.started());
            // Killed after 1..30 commits, at once or a little later (then usually inside the next batch).
            const int commits = std::uniform_int_distribution<int>(1, 30)(random);
            const int delayUs = std::uniform_int_distribution<int>(0, 20000)(random);
            std::int64_t reported = 0;
            std::string line;
            while (reported < std::int64_t(commits) * batch && child.readLine(line)) {
                QVERIFY2(line.rfind("committed ", 0) == 0, line.c_str());
                reported = std::stoll(line.substr(10));
            }
            std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
            child.kill();
            QVERIFY2(killedBy(child.wait(), SIGKILL), "the import finished before it was killed");
            ++faults;
            // Every commit the child reported before it died (the pipe keeps them).
            while (child.readLine(line, 1000))
                if (line.rfind("committed ", 0) == 0) reported = std::stoll(line.substr(10));

            AnnotationStore store(db);
            QVERIFY(!store.readOnly());   // the killed writer left no lock behind
            expectConsistent(store);
            const std::int64_t stored = countSamples(store, {});
            qInfo("round %d: killed %d us after commit %lld; %lld stored", round, delayUs,
                  static_cast<long long>(reported), static_cast<long long>(stored));
            lost += std::max<std::int64_t>(0, reported - stored);
            QVERIFY(stored >= reported);
            QVERIFY(stored <= reported + batch);   // at most the batch committed as it died, unreported
            QCOMPARE(stored % batch, std::int64_t(0));   // whole batches only
            QVERIFY(getSampleByKey(store, keyOf(static_cast<int>(stored - 1))));
            QVERIFY(!getSampleByKey(store, keyOf(static_cast<int>(stored))));
            ImportOptions options;
            options.batchSize = batch;
            const ImportSummary resumed = importSources(store, {data}, options);
            QCOMPARE(resumed.alreadyStored, stored);
            QCOMPARE(countSamples(store, {}), std::int64_t(total));
            QVERIFY(checkStore(store).ok());
        }
        QCOMPARE(lost, std::int64_t(0));
        qInfo("RESULT import: %d SIGKILLs, %lld committed records lost", faults, static_cast<long long>(lost));
    }

    void killDuringAnnotationSaving() {
        const int samples = 40;
        const std::string db = mDir.filePath("saving.db").toStdString();
        const std::string data = mDir.filePath("saving.jsonl").toStdString();
        writeRecords(data, samples);
        {
            AnnotationStore store(db);
            importSources(store, {data}, {});
        }
        std::mt19937 random(23);
        std::map<std::string, std::pair<std::int64_t, std::int64_t>> lastSaved;   // key -> (revision, edit)
        std::int64_t edit = 0;
        std::int64_t saves = 0;
        std::int64_t lost = 0;
        int faults = 0;
        for (int round = 0; round < 12; ++round) {
            Child child({selfPath(), "--child", "save", db, std::to_string(edit), std::to_string(samples)});
            QVERIFY(child.started());
            const int count = std::uniform_int_distribution<int>(1, 120)(random);
            const int delayUs = std::uniform_int_distribution<int>(0, 5000)(random);
            const auto consume = [&](const std::string& line) {
                std::istringstream in(line);
                std::string word, key;
                std::int64_t revision = 0, at = 0;
                in >> word >> key >> revision >> at;
                QVERIFY2(word == "saved", line.c_str());
                lastSaved[key] = {revision, at};
                edit = at + 1;
                ++saves;
            };
            std::string line;
            for (int i = 0; i < count && child.readLine(line); ++i) consume(line);
            std::this_thread::sleep_for(std::chrono::microseconds(delayUs));
            child.kill();
            QVERIFY(killedBy(child.wait(), SIGKILL));
            ++faults;
            while (child.readLine(line, 1000)) consume(line);
            // An edit committed after the last report is there too (a higher revision than reported).
            AnnotationStore store(db);
            expectConsistent(store);
            for (const auto& [key, saved] : lastSaved) {
                const std::optional<Sample> sample = getSampleByKey(store, key);
                QVERIFY(sample);
                if (sample->revision < saved.first) ++lost;
                QVERIFY2(sample->revision >= saved.first, key.c_str());
                QCOMPARE(sample->review, ReviewState::Corrected);
                const auto human = std::find_if(sample->entities.begin(), sample->entities.end(),
                                                [](const EntityRecord& e) { return e.source == EntitySource::Human; });
                QVERIFY(human != sample->entities.end());
                if (sample->revision == saved.first) QCOMPARE(human->boxes.at(0), editBox(saved.second));
            }
        }
        AnnotationStore store(db);
        QVERIFY(checkStore(store).ok());
        QCOMPARE(lost, std::int64_t(0));
        qInfo("RESULT saving: %d SIGKILLs over %lld reported saves, %lld saves lost", faults,
              static_cast<long long>(saves), static_cast<long long>(lost));
    }

    void diskFullDuringExport() {
        const std::string db = mDir.filePath("export.db").toStdString();
        const std::string data = mDir.filePath("export.jsonl").toStdString();
        writeRecords(data, 8000);   // about 3 MB of GRIT JSONL
        AnnotationStore store(db);
        importSources(store, {data}, {});
        SmallFolder small(mDir.filePath("small").toStdString(), 1 << 20);
        rlimit oldLimit{};
        ::getrlimit(RLIMIT_FSIZE, &oldLimit);
        auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        if (!small.mounted()) {
            qInfo("cannot mount a tmpfs here: RLIMIT_FSIZE of 1 MiB stands for the full disk");
            rlimit limit = oldLimit;
            limit.rlim_cur = 1 << 20;
            ::setrlimit(RLIMIT_FSIZE, &limit);
        }
        const std::string out = small.path() + "/export.jsonl";
        // The previous export: a few samples.
        {
            AnnotationStore few(":memory:");
            const std::string fewData = mDir.filePath("few.jsonl").toStdString();
            writeRecords(fewData, 10);
            importSources(few, {fewData}, {});
            exportStore(few, ExportFormat::Grit, out, {});
        }
        const std::string before = readFile(out);
        QVERIFY(!before.empty());
        int faults = 0;
        for (ExportFormat format : {ExportFormat::Grit, ExportFormat::Odvg, ExportFormat::Coco}) {
            QString error;
            try {
                exportStore(store, format, out, {});
            } catch (const Error& e) {
                error = QString::fromStdString(e.what());
            }
            ++faults;
            qInfo("%s", qPrintable(error));
            QVERIFY2(error.contains(QStringLiteral("export.jsonl")), qPrintable(error));
            QCOMPARE(readFile(out), before);   // the previous export is untouched
            QCOMPARE(listFolder(small.path()), std::vector<std::string>{"export.jsonl"});   // no partial file left
        }
        ::setrlimit(RLIMIT_FSIZE, &oldLimit);
        std::signal(SIGXFSZ, oldHandler);
        qInfo("RESULT export: %d full-disk failures (%s), previous export intact", faults,
              small.mounted() ? "tmpfs of 1 MiB" : "RLIMIT_FSIZE");
    }

    // An export aimed at the store itself, or at its write-ahead log, is refused and the store keeps its samples.
    void exportOntoTheStoreIsRefused() {
        const std::string db = mDir.filePath("self.db").toStdString();
        const std::string data = mDir.filePath("self.jsonl").toStdString();
        writeRecords(data, 20);
        {
            AnnotationStore store(db);
            importSources(store, {data}, {});
            for (const std::string& out : {db, db + "-wal", mDir.filePath("./self.db").toStdString()}) {
                QString error;
                try {
                    exportStore(store, ExportFormat::Grit, out, {});
                } catch (const Error& e) {
                    error = QString::fromStdString(e.what());
                }
                QVERIFY2(error.contains(QStringLiteral("the store being exported")), qPrintable(error));
            }
        }
        AnnotationStore reopened(db);
        QCOMPARE(countSamples(reopened, {}), std::int64_t(20));
    }

    // A store whose pages are damaged: the check lists SQLite's findings and reads no further; one cut short or
    // empty is refused by name on opening.
    void damagedStoreIsNamed() {
        const std::string db = mDir.filePath("damaged.db").toStdString();
        const std::string data = mDir.filePath("damaged.jsonl").toStdString();
        writeRecords(data, 300);
        {
            AnnotationStore store(db);
            importSources(store, {data}, {});
            store.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        std::string bytes = store_test::readFile(db);
        QVERIFY(bytes.size() > 16 * 4096);
        const auto write = [&](const std::string& name, const std::string& content) {
            const std::string path = mDir.filePath(QString::fromStdString(name)).toStdString();
            store_test::writeFile(path, content);
            return path;
        };
        const auto openError = [](const std::string& path) {
            try {
                AnnotationStore store(path, AnnotationStore::Options{true, false});
            } catch (const Error& e) {
                return QString::fromStdString(e.what());
            }
            return QString();
        };
        std::string flipped = bytes;
        for (std::size_t i = 3 * 4096; i < flipped.size(); i += 997) flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
        {
            AnnotationStore store(write("flipped.db", flipped), AnnotationStore::Options{true, false});
            const CheckReport report = checkStore(store);
            QVERIFY(!report.integrity.empty());
            QVERIFY(report.imagesSkipped);
            QVERIFY(!report.ok());
        }
        const std::string cut = write("cut.db", bytes.substr(0, bytes.size() / 2));
        QVERIFY2(openError(cut).startsWith(QString::fromStdString(cut + ": damaged database file (")),
                 qPrintable(openError(cut)));
        const std::string empty = write("empty.db", "");
        QCOMPARE(openError(empty), QString::fromStdString(empty + ": not a workbench annotation database (an empty "
                                                                  "database: nothing has been imported into it)"));
        AnnotationStore intact(db, AnnotationStore::Options{true, false});
        const CheckReport report = checkStore(intact);
        QVERIFY(report.ok());
        QVERIFY(!report.imagesSkipped);
    }

    void secondWriterGetsReadOnly() {
        const std::string db = mDir.filePath("shared.db").toStdString();
        {
            AnnotationStore store(db);
            // Connections of this process share the lock: a second one (another thread's) may write.
            AnnotationStore second(db);
            QVERIFY(!second.readOnly());
            Sample sample;
            sample.key = "first";
            sample.caption = "a red circle";
            putSample(second, sample, "test");

            Child child({selfPath(), "--child", "open-writer", db});
            std::string opened, wrote, strict;
            QVERIFY(child.readLine(opened) && child.readLine(wrote) && child.readLine(strict));
            QCOMPARE(WEXITSTATUS(child.wait()), 0);
            qInfo("second process: %s | %s | %s", opened.c_str(), wrote.c_str(), strict.c_str());
            const std::string pid = "pid " + std::to_string(::getpid());
            QVERIFY2(opened.rfind("readonly ", 0) == 0 && opened.find(pid) != std::string::npos, opened.c_str());
            QVERIFY2(wrote.find("open read-only") != std::string::npos && wrote.find(pid) != std::string::npos, wrote.c_str());
            QVERIFY2(strict.find("open for writing in another program") != std::string::npos &&
                         strict.find(pid) != std::string::npos,
                     strict.c_str());
            QVERIFY(!getSampleByKey(store, "from-second-process"));
        }
        // Closed here: the next program may write.
        Child child({selfPath(), "--child", "open-writer", db});
        std::string opened, wrote;
        QVERIFY(child.readLine(opened) && child.readLine(wrote));
        QCOMPARE(opened, std::string("writable"));
        QCOMPARE(wrote, std::string("write-ok"));
        child.wait();
        AnnotationStore store(db);
        QVERIFY(getSampleByKey(store, "from-second-process"));
    }

    void killedHolderLeavesNoLock() {
        const std::string db = mDir.filePath("held.db").toStdString();
        { AnnotationStore create(db); }
        Child holder({selfPath(), "--child", "hold", db});
        std::string line;
        QVERIFY(holder.readLine(line));
        QCOMPARE(line, std::string("holding"));
        {
            AnnotationStore store(db);
            QVERIFY(store.readOnly());
            QVERIFY2(store.lockedBy().find("pid") != std::string::npos, store.lockedBy().c_str());
        }
        holder.kill();
        QVERIFY(killedBy(holder.wait(), SIGKILL));
        AnnotationStore store(db);
        QVERIFY(!store.readOnly());
        QVERIFY(store.lockedBy().empty());
        QVERIFY(std::filesystem::exists(storeLockPath(db)));
    }

private:
    QTemporaryDir mDir;
};

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--child") return runChild(argc, argv);
    QCoreApplication app(argc, argv);
    TestStoreFaults test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_store_faults.moc"
