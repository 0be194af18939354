// The store itself: opening, migrations, WAL, get/put as a unit, revisions, history, notifications,
// paged queries with filters and sorts.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/change_log.h"
#include "core/grit_codec.h"
#include "core/sample_repository.h"
#include "core/sample_rows.h"
#include "core/store.h"
#include "core/store_schema.h"
#include "model/error.h"
#include "test_store_support.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

using namespace kosmos::store;

namespace {

Sample makeSample(const std::string& key, const std::string& caption = "a red circle and a blue square") {
    Sample sample;
    sample.key = key;
    sample.caption = caption;
    sample.gritId = 3;
    sample.url = "https://example.com/" + key;
    sample.width = 640;
    sample.height = 480;
    sample.clipSimilarityVitB32 = 0.3125;
    sample.extraJson = R"({"source":"laion","tags":[1,2]})";
    EntityRecord circle;
    circle.kind = EntityKind::NounChunk;
    circle.spanStart = 0;
    circle.spanEnd = 12;
    circle.phrase = "a red circle";
    circle.boxes = {{0.1, 0.2, 0.3, 0.4}, {0.5, 0.5, 0.9, 0.95}};
    circle.confidence = 0.75;
    EntityRecord square = circle;
    square.spanStart = 17;
    square.spanEnd = 30;
    square.phrase = "a blue square";
    square.boxes = {{0.6, 0.1, 0.7, 0.3}};
    square.kind = EntityKind::RefExp;
    square.source = EntitySource::Model;
    square.modelCheckpoint = "ckpt-1";
    square.modelPrompt = "<grounding>An image of";
    square.confidence = 0.25;
    sample.entities = {circle, square};
    return sample;
}

// A store file of one sample in `dir`, closed again; its path.
std::string storeOfOneSample(const QTemporaryDir& dir, const char* name) {
    const std::string path = dir.filePath(QString::fromLatin1(name)).toStdString();
    AnnotationStore writer(path);
    Sample sample = makeSample("one");
    putSample(writer, sample, "human:ana");
    return path;
}

// What `work` returns (or "failed: " and the error it throws), run in a child process as nobody where this is root
// (root writes any file), so that a permission check means what it means to a user.
std::string asNobody(const std::function<std::string()>& work) {
    int pipeFds[2];
    if (::pipe(pipeFds) != 0) return "no pipe";
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(pipeFds[0]);
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
        std::string report;
        try {
            report = work();
        } catch (const std::exception& e) {
            report = std::string("failed: ") + e.what();
        }
        [[maybe_unused]] const ssize_t written = ::write(pipeFds[1], report.data(), report.size());
        ::_exit(0);
    }
    ::close(pipeFds[1]);
    std::string report;
    char buffer[512];
    for (ssize_t n; (n = ::read(pipeFds[0], buffer, sizeof buffer)) > 0;) report.append(buffer, static_cast<std::size_t>(n));
    ::close(pipeFds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return report;
}

} // namespace

class TestStore : public QObject {
    Q_OBJECT

private slots:
    void opensWithWalAndForeignKeys() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("a.db").toStdString();
        AnnotationStore store(path);
        QCOMPARE(store.schemaVersion(), schema::kSchemaVersion);
        StatementLease mode = store.db().cached("PRAGMA journal_mode");
        QVERIFY(mode->step());
        QCOMPARE(QString::fromStdString(mode->text(0)), QStringLiteral("wal"));
        QCOMPARE(store.db().queryInteger("PRAGMA foreign_keys"), std::int64_t(1));
        QCOMPARE(store.db().queryInteger("PRAGMA application_id"), std::int64_t(schema::kApplicationId));
    }

    void refusesForeignFiles() {
        QTemporaryDir dir;
        const std::string text = dir.filePath("text.db").toStdString();
        store_test::writeFile(text, std::string(4096, 'x'));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, AnnotationStore{text});
        QVERIFY2(!QFileInfo::exists(dir.filePath("text.db.lock")), "a refused file keeps no lock file beside it");
        // A lock file that was there before stays.
        store_test::writeFile(text + ".lock", "");
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, AnnotationStore{text});
        QVERIFY(QFileInfo::exists(dir.filePath("text.db.lock")));
        const std::string other = dir.filePath("other.db").toStdString();
        {
            Database db(other, false, true);
            db.exec("CREATE TABLE t(x)");
        }
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, AnnotationStore{other});
        const std::string newer = dir.filePath("newer.db").toStdString();
        {
            AnnotationStore store(newer);
            store.db().exec("PRAGMA user_version = 99");
        }
        try {
            AnnotationStore store(newer);
            QFAIL("a newer schema was accepted");
        } catch (const kosmos::Error& e) {
            QVERIFY(std::string(e.what()).find("newer") != std::string::npos);
        }
        AnnotationStore::Options options;
        options.create = false;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, AnnotationStore(dir.filePath("missing.db").toStdString(), options));
    }

    void migratesVersionOneKeepingData() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("v1.db").toStdString();
        {
            Database db(path, false, true);
            db.exec(schema::kMigration1);
            db.exec("PRAGMA application_id = " + std::to_string(schema::kApplicationId));
            db.exec("PRAGMA user_version = 1");
            db.exec("INSERT INTO samples(key, caption, created_ms, updated_ms) VALUES('old', 'a cat', 1, 1)");
        }
        AnnotationStore store(path);
        QCOMPARE(store.schemaVersion(), 2);
        QCOMPARE(store.db().queryInteger("SELECT count(*) FROM sqlite_master WHERE name = 'samples_by_confidence'"),
                 std::int64_t(1));
        const auto sample = getSampleByKey(store, "old");
        QVERIFY(sample);
        QCOMPARE(QString::fromStdString(sample->caption), QStringLiteral("a cat"));
    }

    void putGetRoundTrip() {
        AnnotationStore store(":memory:");
        Sample sample = makeSample("s1");
        putSample(store, sample, "human:ana");
        QVERIFY(sample.id > 0);
        QCOMPARE(sample.revision, std::int64_t(1));
        const auto back = getSample(store, sample.id);
        QVERIFY(back);
        QCOMPARE(sampleToJson(*back).dump(), sampleToJson(sample).dump());
        QCOMPARE(back->entities.size(), std::size_t(2));
        QCOMPARE(back->entities[0].boxes.size(), std::size_t(2));
        QCOMPARE(back->entities[0].boxes[1][3], 0.95);
        QCOMPARE(back->entities[1].source, EntitySource::Model);
        QCOMPARE(QString::fromStdString(back->entities[1].modelCheckpoint), QStringLiteral("ckpt-1"));
        QCOMPARE(QString::fromStdString(back->extraJson), QStringLiteral(R"({"source":"laion","tags":[1,2]})"));
        QVERIFY(!getSample(store, 999));
        QVERIFY(!getSampleByKey(store, "nope"));
    }

    void putReplacesEntitiesAsOneUnitAndChecksRevision() {
        AnnotationStore store(":memory:");
        Sample sample = makeSample("s1");
        putSample(store, sample, "import");
        Sample stale = sample;
        sample.entities.pop_back();
        sample.entities[0].boxes = {{0.0, 0.0, 1.0, 1.0}};
        sample.entities[0].source = EntitySource::Human;
        sample.review = ReviewState::Corrected;
        putSample(store, sample, "human:ana");
        QCOMPARE(sample.revision, std::int64_t(2));
        auto back = getSample(store, sample.id);
        QCOMPARE(back->entities.size(), std::size_t(1));
        QCOMPARE(back->entities[0].boxes[0][2], 1.0);
        QCOMPARE(back->review, ReviewState::Corrected);
        QCOMPARE(store.db().queryInteger("SELECT count(*) FROM entities"), std::int64_t(1));
        // A writer holding the old revision loses, and nothing of its change is stored.
        stale.caption = "something else";
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, putSample(store, stale, "human:bob"));
        back = getSample(store, sample.id);
        QCOMPARE(QString::fromStdString(back->caption), QStringLiteral("a red circle and a blue square"));
        QCOMPARE(back->revision, std::int64_t(2));
    }

    void invalidSamplesAreRefusedWhole() {
        AnnotationStore store(":memory:");
        Sample sample = makeSample("bad");
        sample.entities[1].spanEnd = 500;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, putSample(store, sample, "human:ana"));
        sample = makeSample("bad");
        sample.entities[0].boxes[0] = {0.5, 0.5, 0.4, 0.9};
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, putSample(store, sample, "human:ana"));
        sample = makeSample("bad");
        sample.entities[0].boxes.clear();
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, putSample(store, sample, "human:ana"));
        QCOMPARE(store.db().queryInteger("SELECT count(*) FROM samples"), std::int64_t(0));
        QCOMPARE(store.db().queryInteger("SELECT count(*) FROM changes"), std::int64_t(0));
        // A duplicate key violates the schema: the transaction leaves nothing behind.
        sample = makeSample("dup");
        putSample(store, sample, "a");
        Sample again = makeSample("dup");
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, putSample(store, again, "a"));
        QCOMPARE(store.db().queryInteger("SELECT count(*) FROM entities"), std::int64_t(2));
    }

    void historyRecordsWhoWhatWhen() {
        AnnotationStore store(":memory:");
        Sample sample = makeSample("h");
        putSample(store, sample, "import");
        sample.caption = "a red circle and a blue square!";
        putSample(store, sample, "human:ana");
        setReviewState(store, {sample.id}, ReviewState::Accepted, "human:bob");
        setSplit(store, {sample.id}, Split::Test, "human:bob");
        const auto history = sampleHistory(store, sample.id);
        QCOMPARE(history.size(), std::size_t(4));
        QCOMPARE(QString::fromStdString(history[0].action), QStringLiteral("split"));
        QCOMPARE(QString::fromStdString(history[1].actor), QStringLiteral("human:bob"));
        QCOMPARE(QString::fromStdString(history[1].detail), QStringLiteral(R"({"from":"unreviewed","to":"accepted"})"));
        QCOMPARE(QString::fromStdString(history[2].action), QStringLiteral("update"));
        // The edit keeps the version before it.
        const auto previous = nlohmann::json::parse(history[2].detail);
        QCOMPARE(QString::fromStdString(previous["caption"].get<std::string>()),
                 QStringLiteral("a red circle and a blue square"));
        QCOMPARE(QString::fromStdString(history[3].actor), QStringLiteral("import"));
        QVERIFY(history[3].atMs > 1600000000000);
        QVERIFY(history[0].atMs >= history[3].atMs);
        deleteSample(store, sample.id, "human:ana");
        QVERIFY(!getSample(store, sample.id));
        QCOMPARE(store.db().queryInteger("SELECT count(*) FROM entities"), std::int64_t(0));
        const auto all = changesSince(store, 0);
        QCOMPARE(all.size(), std::size_t(5));
        QCOMPARE(QString::fromStdString(all.back().action), QStringLiteral("delete"));
        QCOMPARE(changesSince(store, all[2].id).size(), std::size_t(2));
    }

    void notificationsFollowCommits() {
        AnnotationStore store(":memory:");
        std::vector<ChangeEvent> events;
        const int token = store.subscribe([&](const ChangeEvent& e) { events.push_back(e); });
        Sample sample = makeSample("n");
        putSample(store, sample, "human:ana");
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].kind, ChangeEvent::Kind::SampleInserted);
        QCOMPARE(events[0].sampleIds, std::vector<std::int64_t>{sample.id});
        {
            // Nothing is announced for a transaction that rolls back...
            Transaction transaction(store);
            setReviewState(store, {sample.id}, ReviewState::Rejected, "human:ana");
            QCOMPARE(events.size(), std::size_t(1));
        }
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(getSample(store, sample.id)->review, ReviewState::Unreviewed);
        {
            // ...and what commits is announced once the outermost transaction commits.
            Transaction transaction(store);
            setReviewState(store, {sample.id}, ReviewState::Accepted, "human:ana");
            QCOMPARE(events.size(), std::size_t(1));
            transaction.commit();
        }
        QCOMPARE(events.size(), std::size_t(2));
        QCOMPARE(events[1].kind, ChangeEvent::Kind::ReviewChanged);
        store.unsubscribe(token);
        deleteSample(store, sample.id, "x");
        QCOMPARE(events.size(), std::size_t(2));
    }

    void otherConnectionsSeeDataVersionChange() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("poll.db").toStdString();
        AnnotationStore gui(path);
        AnnotationStore worker(path);
        const std::int64_t version = gui.dataVersion();
        const std::int64_t lastChange = gui.lastChangeId();
        Sample sample = makeSample("p");
        putSample(worker, sample, "model:ckpt");
        QVERIFY(gui.dataVersion() != version);
        QVERIFY(gui.lastChangeId() > lastChange);
        QCOMPARE(QString::fromStdString(getSample(gui, sample.id)->key), QStringLiteral("p"));
        // A trainer reads without being able to write.
        AnnotationStore::Options readOnly;
        readOnly.readOnly = true;
        readOnly.create = false;
        AnnotationStore reader(path, readOnly);
        QCOMPARE(querySamples(reader, PageRequest{}).size(), std::size_t(1));
        Sample copy = *getSample(reader, sample.id);
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, putSample(reader, copy, "human:ana"));
    }

    // Reading a store (stats, export, check) leaves no -wal and -shm files behind once it is closed.
    void readersLeaveNoLogFilesBehind() {
        QTemporaryDir dir;
        const std::string path = storeOfOneSample(dir, "read.db");
        QVERIFY(!QFileInfo::exists(QString::fromStdString(path + "-wal")));
        AnnotationStore::Options readOnly;
        readOnly.readOnly = true;
        readOnly.create = false;
        {
            AnnotationStore reader(path, readOnly);
            QCOMPARE(querySamples(reader, PageRequest{}).size(), std::size_t(1));
            Sample copy = *getSample(reader, querySamples(reader, PageRequest{}).front().id);
            QVERIFY_THROWS_EXCEPTION(kosmos::Error, putSample(reader, copy, "human:ana"));
            // SQLite itself refuses changes on the reader's connection, not only the store's own checks.
            QVERIFY_THROWS_EXCEPTION(kosmos::Error, reader.db().exec("DELETE FROM samples"));
        }
        {
            AnnotationStore again(path, readOnly);
            QCOMPARE(querySamples(again, PageRequest{}).size(), std::size_t(1));
        }
        QVERIFY(!QFileInfo::exists(QString::fromStdString(path + "-wal")));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(path + "-shm")));
    }

    // A store file this user may not write opens read-only and says why at the first change, in plain words.
    void writeProtectedFilesOpenReadOnlySayingWhy() {
        QTemporaryDir dir;
        const std::string path = storeOfOneSample(dir, "protected.db");
        QVERIFY(QFile::setPermissions(QString::fromStdString(path), QFileDevice::ReadOwner | QFileDevice::ReadOther |
                                                                        QFileDevice::ReadGroup));
        QVERIFY(QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                                      QFileDevice::ReadOther | QFileDevice::WriteOther |
                                                      QFileDevice::ExeOther));
        const std::string report = asNobody([&] {
            std::string out;
            AnnotationStore store(path);
            out = std::string(store.readOnly() ? "read-only" : "writable") + "\n" + store.whyReadOnly() + "\n";
            Sample copy = *getSample(store, querySamples(store, PageRequest{}).front().id);
            try {
                putSample(store, copy, "human:ana");
            } catch (const kosmos::Error& e) {
                out += e.what();
            }
            return out;
        });
        QCOMPARE(QString::fromStdString(report),
                 QString::fromStdString("read-only\nthe file cannot be written\n" + path +
                                        ": the store is open read-only (the file cannot be written)"));
    }

    // Log files this user cannot write (left by someone who could only read the store) are named when the store
    // is opened for writing, with what to do; SQLite would refuse every change without saying why.
    void logFilesLeftByAReaderAreNamed() {
        QTemporaryDir dir;
        QVERIFY(QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                                      QFileDevice::ReadOther | QFileDevice::WriteOther |
                                                      QFileDevice::ExeOther));
        const std::string path = dir.filePath("shared.db").toStdString();
        const std::string report = asNobody([&] {
            { AnnotationStore created(path); }
            for (const char* suffix : {"-wal", "-shm"}) {
                std::ofstream(path + suffix).put('\0');
                std::filesystem::permissions(path + suffix, std::filesystem::perms::owner_read);
            }
            AnnotationStore writer(path);
            return std::string("opened");
        });
        QCOMPARE(QString::fromStdString(report),
                 QString::fromStdString("failed: " + path + ": " + path + "-wal cannot be written by this user (a "
                                        "program that could only read the store left it); delete " + path +
                                        "-wal and " + path + "-shm while no program has the store open"));
    }

    void modelPredictionsReplaceOnlyTheirCheckpoint() {
        AnnotationStore store(":memory:");
        Sample sample = makeSample("m");
        putSample(store, sample, "import");
        EntityRecord prediction;
        prediction.spanStart = 0;
        prediction.spanEnd = 12;
        prediction.phrase = "a red circle";
        prediction.boxes = {{0.1, 0.1, 0.2, 0.2}};
        prediction.confidence = 0.1;
        putModelPrediction(store, sample.id, "ckpt-2", "<grounding>An image of", {prediction});
        putModelPrediction(store, sample.id, "ckpt-2", "<grounding>An image of", {prediction, prediction});
        const auto back = getSample(store, sample.id);
        QCOMPARE(back->entities.size(), std::size_t(4));   // its own 2 (one of ckpt-1) + the latest 2 of ckpt-2
        int ckpt2 = 0;
        for (const auto& e : back->entities) ckpt2 += e.modelCheckpoint == "ckpt-2";
        QCOMPARE(ckpt2, 2);
        const auto rows = querySamples(store, PageRequest{});
        QCOMPARE(rows.size(), std::size_t(1));
        QCOMPARE(*rows[0].minModelConfidence, 0.1);
        QCOMPARE(QString::fromStdString(sampleHistory(store, sample.id)[0].actor), QStringLiteral("model:ckpt-2"));
    }

    void pagedQueriesFilterAndSort() {
        AnnotationStore store(":memory:");
        double lowest = 1.0;
        for (int i = 0; i < 30; ++i) {
            Sample sample = makeSample("k" + std::to_string(100 + i));
            sample.entities[1].confidence = (i * 7 % 30) / 30.0;
            if (i % 5 == 0) {
                sample.entities.pop_back();   // no model entity
            } else {
                lowest = std::min(lowest, *sample.entities[1].confidence);
            }
            sample.split = i % 3 == 0 ? Split::Validation : Split::Train;
            putSample(store, sample, "import");
        }
        setReviewState(store, {1, 2, 3}, ReviewState::Accepted, "human:ana");
        QCOMPARE(countSamples(store, {}), std::int64_t(30));
        SampleFilter validation;
        validation.split = Split::Validation;
        QCOMPARE(countSamples(store, validation), std::int64_t(10));
        SampleFilter accepted;
        accepted.review = ReviewState::Accepted;
        QCOMPARE(countSamples(store, accepted), std::int64_t(3));
        SampleFilter model;
        model.hasSource = EntitySource::Model;
        QCOMPARE(countSamples(store, model), std::int64_t(24));

        PageRequest request;
        request.sort = SampleSort::LowestModelConfidence;
        request.limit = 7;
        std::vector<SampleRow> all;
        for (request.offset = 0;; request.offset += request.limit) {
            const auto page = querySamples(store, request);
            all.insert(all.end(), page.begin(), page.end());
            if (static_cast<int>(page.size()) < request.limit) break;
        }
        QCOMPARE(all.size(), std::size_t(30));
        for (std::size_t i = 1; i < all.size(); ++i) {
            const auto& a = all[i - 1].minModelConfidence;
            const auto& b = all[i].minModelConfidence;
            QVERIFY(!(a && b) || *a <= *b);   // lowest first
            QVERIFY(!(!a && b));              // samples without a model entity last
        }
        QVERIFY(all.front().minModelConfidence);
        QCOMPARE(*all.front().minModelConfidence, lowest);
        QVERIFY(!all.back().minModelConfidence);

        PageRequest byKey;
        byKey.sort = SampleSort::Key;
        byKey.descending = true;
        byKey.filter.split = Split::Validation;
        byKey.limit = 3;
        const auto rows = querySamples(store, byKey);
        QCOMPARE(rows.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(rows[0].key), QStringLiteral("k127"));
        QCOMPARE(rows[0].split, Split::Validation);
        byKey.filter.captionContains = "no such words";
        QVERIFY(querySamples(store, byKey).empty());
    }

    void boxesKeepEveryDouble() {
        const std::vector<kosmos::Box> boxes = {{0.1, 1.0 / 3.0, 0.30000000000000004, 1.0}, {0.0, 5e-324, 0.5, 0.75}};
        std::vector<kosmos::Box> back;
        const std::string packed = packBoxes(boxes);
        QCOMPARE(packed.size(), std::size_t(64));
        QCOMPARE(static_cast<unsigned char>(packed[7]), static_cast<unsigned char>(0x3F));   // little-endian 0.1
        QVERIFY(unpackBoxes(packed, back));
        QCOMPARE(back.size(), boxes.size());
        for (std::size_t i = 0; i < boxes.size(); ++i) {
            for (int k = 0; k < 4; ++k) QCOMPARE(back[i][k], boxes[i][k]);
        }
        QVERIFY(!unpackBoxes(packed.substr(0, 40), back));
        QVERIFY(!unpackBoxes("", back));
        QVERIFY(back.empty());
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"
