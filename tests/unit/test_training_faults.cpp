// The training loop's bad cases on the tiny fixture model: an empty training set (file, store selection,
// records given), records whose boxes are all invalid (skipped by name, an error when none remain),
// running out of memory in a step (LibTorch's CPU allocator failing as it does when the machine is
// full: one clear error, the last checkpoint intact), cancelling at any moment (a checkpoint of the last
// finished step or nothing, and the result says which), and pausing (no step while paused, the same
// losses as an uninterrupted run).
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch's headers.
#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <new>
#include <set>
#include <thread>

#include "core/sample_repository.h"
#include "core/store.h"
#include "model/engine/checkpoint.h"
#include "model/engine/engine.h"
#include "model/error.h"
#include "training/trainer.h"
#include "test_trainer_options.h"
#include "training/trainer_state.h"
#include "test_training_support.h"

#include <QtTest>

using namespace kosmos;
using namespace kosmos::training;
namespace fs = std::filesystem;

namespace {

TrainerOptions baseOptions(const std::string& data, const std::string& out) {
    return testing::fullTrainingOptions(data, out);
}

std::string errorOf(const TrainerOptions& options, const TrainerCallbacks& callbacks = {}) {
    try {
        Trainer(options).run(callbacks);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::map<std::string, at::Tensor> readAll(const std::string& path) {
    const SafetensorsFile file = SafetensorsFile::open(path);
    std::map<std::string, at::Tensor> out;
    for (const auto& info : file.tensors()) out[info.name] = mappedTensor(file, info).clone();
    return out;
}

// LibTorch's CPU allocator, failing once armed the way the real one fails on a full machine (the same
// c10::Error text, or std::bad_alloc) for every block above `limit` bytes: a batch that no longer fits.
class FullMachineAllocator final : public c10::Allocator {
public:
    explicit FullMachineAllocator(c10::Allocator* real) : mReal(real) {}
    c10::DataPtr allocate(size_t bytes) const override {
        if (armed.load() && bytes > limit) {
            ++failures;
            if (badAlloc) throw std::bad_alloc();
            TORCH_CHECK(false, "DefaultCPUAllocator: can't allocate memory: you tried to allocate ", bytes,
                        " bytes. Error code 12 (Cannot allocate memory)");
        }
        return mReal->allocate(bytes);
    }
    c10::DeleterFnPtr raw_deleter() const override { return mReal->raw_deleter(); }

    std::atomic<bool> armed{false};
    bool badAlloc = false;
    std::size_t limit = 1 << 20;
    mutable std::atomic<int> failures{0};

private:
    c10::Allocator* mReal;
};

// Installs the allocator for its lifetime.
class AllocatorScope {
public:
    explicit AllocatorScope(FullMachineAllocator& allocator) : mPrevious(c10::GetCPUAllocator()) {
        c10::SetCPUAllocator(&allocator, 100);
    }
    ~AllocatorScope() { c10::SetCPUAllocator(mPrevious, 100); }
    AllocatorScope(const AllocatorScope&) = delete;
    AllocatorScope& operator=(const AllocatorScope&) = delete;

private:
    c10::Allocator* mPrevious;
};

// What a cancelled or finished run left in outDir must agree with its result.
void checkOutcome(const TrainerResult& r, const std::string& out, const std::vector<std::string>& messages) {
    std::string all;
    for (const auto& m : messages) all += m + "\n";
    if (r.stepsThisRun == 0) {
        QVERIFY(!r.checkpointWritten);
        QVERIFY2(!fs::exists(out), out.c_str());
        QVERIFY2(contains(all, "nothing saved"), all.c_str());
        return;
    }
    QVERIFY(r.checkpointWritten);
    QCOMPARE(readTrainerState(out).step, r.steps);
    QVERIFY(Engine::load(out)->summary().parameters > 0);
    if (r.cancelled)
        QVERIFY2(contains(all, "cancelled at step " + std::to_string(r.steps) + " of"), all.c_str());
    for (const auto& entry : fs::directory_iterator(fs::path(out).parent_path()))
        QVERIFY2(!contains(entry.path().filename().string(), ".tmp-"), entry.path().c_str());
}

} // namespace

class TestTrainingFaults : public QObject {
    Q_OBJECT

    QTemporaryDir mDir;
    std::string mData;

    std::string path(const std::string& name) const { return mDir.path().toStdString() + "/" + name; }

private slots:
    void initTestCase() {
        QVERIFY(mDir.isValid());
        mData = testing::writeShapesDataset(path("data"), 6, 48);
    }

    void emptyTrainingSetsAreClearErrors() {
        { std::ofstream(path("empty.jsonl")) << ""; }
        std::string error = errorOf(baseOptions(path("empty.jsonl"), path("out-empty")));
        QVERIFY2(contains(error, "empty.jsonl: no usable training record (it holds none)"), error.c_str());

        TrainerOptions given = baseOptions("", path("out-empty"));
        given.records = std::make_shared<const std::vector<GroundedRecord>>();
        error = errorOf(given);
        QVERIFY2(contains(error, "the selection is empty"), error.c_str());

        const std::string db = path("store.db");
        {
            store::AnnotationStore annotations(db);
            store::Sample s;
            s.key = "only";
            s.caption = "An image of a red square.";
            s.split = store::Split::Train;
            store::ImageInfo info;
            info.path = path("data/images/000.png");
            s.image = info;
            store::EntityRecord e;
            e.spanStart = 12;
            e.spanEnd = 24;
            e.phrase = "a red square";
            e.boxes = {{0.1, 0.1, 0.3, 0.3}};
            s.entities = {e};
            store::putSample(annotations, s, "test");
        }
        TrainerOptions fromStore = baseOptions("", path("out-empty"));
        fromStore.store = StoreQuery{};
        fromStore.store->dbPath = db;
        fromStore.store->split = "validation";   // nothing there
        error = errorOf(fromStore);
        QVERIFY2(contains(error, "no usable training record (it holds none matching the filters)"), error.c_str());
        QVERIFY(!fs::exists(path("out-empty")));
    }

    // Settings, the inputs' existence and the output folder are checked before the model is loaded and the data
    // read (a large set takes minutes), long before the first checkpoint is written (hours).
    void settingsAndOutputAreCheckedBeforeTheData() {
        const std::string missing = path("no-such-data.jsonl");
        TrainerOptions rank = baseOptions(missing, path("out-early"));
        rank.mode = "lora";
        rank.lora.rank = 0;
        QCOMPARE(QString::fromStdString(errorOf(rank)), QStringLiteral("LoRA rank must be in 1..4096"));
        TrainerOptions scale = baseOptions(missing, path("out-early"));
        scale.visionLrScale = -3;
        QCOMPARE(QString::fromStdString(errorOf(scale)), QStringLiteral("--vision-lr-scale must be in [0, 100]"));
        TrainerOptions targets = baseOptions(mData, path("out-early"));
        targets.mode = "lora";
        targets.lora.targets = {"bogus_proj"};
        QVERIFY2(contains(errorOf(targets), "LoRA targets 'bogus_proj' match no Linear module"), errorOf(targets).c_str());
        { std::ofstream(path("a-file")) << "x"; }
        TrainerOptions underAFile = baseOptions(mData, path("a-file/out"));
        const std::string error = errorOf(underAFile);
        QCOMPARE(QString::fromStdString(error), QString::fromStdString(path("a-file/out") + ": cannot be created (" +
                                                                       path("a-file") + " is not a folder)"));
        QCOMPARE(QString::fromStdString(errorOf(baseOptions(missing, path("out-early")))),
                 QString::fromStdString(missing + ": no such file (--data)"));
        TrainerOptions eval = baseOptions(mData, path("out-early"));
        eval.evalDataPath = path("no-such-eval.jsonl");
        QCOMPARE(QString::fromStdString(errorOf(eval)),
                 QString::fromStdString(eval.evalDataPath + ": no such file (--eval-data)"));
        QVERIFY(!fs::exists(path("out-early")));
    }

    // A checkpoint folder's other files (notes, samples) stay through every save; a run never writes over the
    // model it trains from; an evaluation set with nothing usable is named before the first step.
    void checkpointFoldersKeepTheirOtherFilesAndSpareTheBase() {
        TrainerOptions o = baseOptions(mData, path("kept") + "/");   // a trailing slash, as a shell completes it
        o.steps = 1;
        Trainer(o).run();
        { std::ofstream(path("kept/NOTES.md")) << "mine"; }
        fs::create_directories(path("kept/samples"));
        TrainerOptions more = baseOptions(mData, path("kept"));
        more.resumeDir = path("kept") + "/";
        more.steps = 2;
        QCOMPARE(Trainer(more).run().steps, std::int64_t(2));
        QVERIFY(fs::is_regular_file(path("kept/NOTES.md")));
        QVERIFY(fs::is_directory(path("kept/samples")));
        QCOMPARE(readTrainerState(path("kept")).step, std::int64_t(2));

        TrainerOptions onItsModel = baseOptions(mData, path("kept"));
        onItsModel.modelDir = path("kept");
        onItsModel.overwrite = true;
        QVERIFY2(contains(errorOf(onItsModel), "is the --model folder"), errorOf(onItsModel).c_str());
        QCOMPARE(readTrainerState(path("kept")).step, std::int64_t(2));

        { std::ofstream(path("no-eval.jsonl")) << "not json\n"; }
        TrainerOptions eval = baseOptions(mData, path("out-no-eval"));
        eval.evalDataPath = path("no-eval.jsonl");
        QVERIFY2(contains(errorOf(eval), "no-eval.jsonl: no usable record to evaluate on (--eval-data)"),
                 errorOf(eval).c_str());
        QVERIFY(!fs::exists(path("out-no-eval")));
        TrainerOptions nowhere = baseOptions(mData, path("out-nowhere"));
        nowhere.resumeDir = path("no-such-checkpoint");
        QCOMPARE(QString::fromStdString(errorOf(nowhere)),
                 QString::fromStdString(path("no-such-checkpoint") + ": no such checkpoint folder"));
    }

    // A data file with many bad lines names the first twenty and counts the rest.
    void manyBadRecordsAreNamedUpToALimit() {
        {
            std::ifstream in(mData);
            std::ofstream mixed(path("data/many-bad.jsonl"));
            for (int i = 0; i < 30; ++i) mixed << "not json " << i << "\n";
            mixed << in.rdbuf();
        }
        std::vector<std::string> messages;
        TrainerCallbacks callbacks;
        callbacks.onMessage = [&](const std::string& m) { messages.push_back(m); };
        TrainerOptions o = baseOptions(path("data/many-bad.jsonl"), path("out-many-bad"));
        o.steps = 1;
        QCOMPARE(Trainer(o).run(callbacks).steps, std::int64_t(1));
        const auto named = std::count_if(messages.begin(), messages.end(),
                                         [](const std::string& m) { return contains(m, "many-bad.jsonl line"); });
        QCOMPARE(named, 20);
        QVERIFY(std::any_of(messages.begin(), messages.end(),
                            [](const std::string& m) { return contains(m, "10 more messages like these"); }));
    }

    void recordsWithOnlyInvalidBoxesAreSkippedByName() {
        std::ifstream in(mData);
        std::string first, second;
        std::getline(in, first);
        std::getline(in, second);
        auto broken = nlohmann::json::parse(second);
        broken["key"] = "all-boxes-invalid";
        broken["image"] = path("data/images/001.png");
        for (auto& chunk : broken["noun_chunks"]) {   // x0 > x1, y beyond the image
            chunk[2] = 0.8;
            chunk[4] = 0.2;
            chunk[5] = 1.7;
        }
        broken["ref_exps"] = broken["noun_chunks"];
        auto good = nlohmann::json::parse(first);
        good["image"] = path("data/images/000.png");
        {
            std::ofstream mixed(path("mixed.jsonl"));
            mixed << good.dump() << "\n" << broken.dump() << "\n";
            std::ofstream bad(path("bad.jsonl"));
            bad << broken.dump() << "\n";
        }

        std::vector<std::string> messages;
        TrainerCallbacks callbacks;
        callbacks.onMessage = [&](const std::string& m) { messages.push_back(m); };
        TrainerOptions o = baseOptions(path("mixed.jsonl"), path("out-mixed"));
        o.steps = 1;
        const TrainerResult r = Trainer(o).run(callbacks);
        QCOMPARE(r.trainingRecords, std::size_t(1));
        QCOMPARE(r.steps, std::int64_t(1));
        bool named = false;
        for (const auto& m : messages)
            named = named || (contains(m, "mixed.jsonl line 2") && contains(m, "skipped") && contains(m, "no usable box"));
        QVERIFY(named);

        const std::string error = errorOf(baseOptions(path("bad.jsonl"), path("out-bad")));
        QVERIFY2(contains(error, "bad.jsonl: no usable training record (1 skipped"), error.c_str());
        QVERIFY(!fs::exists(path("out-bad")));
    }

    // A record whose image cannot be decoded is skipped at every pass over the data, named once, and does not
    // end a long run (the count of empty micro-batches is of those in a row).
    void recordsThatCannotBePreparedAreSkippedOnEveryPass() {
        std::ifstream in(mData);
        std::string first, second;
        std::getline(in, first);
        std::getline(in, second);
        { std::ofstream(path("garbage.png")) << "this is not an image"; }
        auto good = nlohmann::json::parse(first);
        good["image"] = path("data/images/000.png");
        auto other = nlohmann::json::parse(second);
        other["image"] = path("data/images/001.png");
        auto broken = nlohmann::json::parse(second);
        broken["key"] = "undecodable";
        broken["image"] = path("garbage.png");
        {
            std::ofstream data(path("undecodable.jsonl"));
            data << good.dump() << "\n" << broken.dump() << "\n" << other.dump() << "\n";
        }
        std::vector<std::string> messages;
        TrainerCallbacks callbacks;
        callbacks.onMessage = [&](const std::string& m) { messages.push_back(m); };
        TrainerOptions o = baseOptions(path("undecodable.jsonl"), path("out-undecodable"));
        o.batchSize = 1;
        o.steps = 24;   // 12 passes: the old count of every empty micro-batch stopped the run after 8
        const TrainerResult r = Trainer(o).run(callbacks);
        QCOMPARE(r.steps, std::int64_t(24));
        const auto named = std::count_if(messages.begin(), messages.end(), [](const std::string& m) {
            return contains(m, "undecodable.jsonl line 2: skipped in training");
        });
        QCOMPARE(named, 1);
    }

    void outOfMemoryInAStepKeepsTheLastCheckpoint_data() {
        QTest::addColumn<bool>("badAlloc");
        QTest::newRow("allocator error") << false;
        QTest::newRow("bad_alloc") << true;
    }
    void outOfMemoryInAStepKeepsTheLastCheckpoint() {
        QFETCH(bool, badAlloc);
        const std::string out = path(badAlloc ? "oom-bad-alloc" : "oom-allocator");
        TrainerOptions o = baseOptions(mData, out);
        o.steps = 6;
        o.saveEvery = 2;
        FullMachineAllocator allocator(c10::GetCPUAllocator());
        allocator.badAlloc = badAlloc;
        std::map<std::string, at::Tensor> saved;
        TrainerCallbacks callbacks;
        // From step 3 on, a batch's pixels (2 x 3 x 224 x 224 floats, 1.2 MB) no longer fit.
        callbacks.onCheckpoint = [&](const std::string& dir, std::int64_t step) {
            if (step != 2) return;
            saved = readAll(dir + "/model.safetensors");
            allocator.armed = true;
        };
        std::string error;
        {
            AllocatorScope scope(allocator);
            error = errorOf(o, callbacks);
        }
        qInfo("%s", error.c_str());
        QVERIFY(allocator.failures.load() > 0);
        QVERIFY2(contains(error, "out of memory at step 3 (batch 2 on cpu): lower --batch-size"), error.c_str());
        QVERIFY2(contains(error, "--gradient-checkpointing"), error.c_str());
        QVERIFY2(contains(error, "the checkpoint of step 2 in " + out + " is intact"), error.c_str());
        QCOMPARE(readTrainerState(out).step, std::int64_t(2));
        const auto after = readAll(out + "/model.safetensors");
        QCOMPARE(after.size(), saved.size());
        for (const auto& [name, t] : saved) QVERIFY2(at::equal(t, after.at(name)), name.c_str());
        QVERIFY(Engine::load(out)->summary().parameters > 0);

        // Before any checkpoint: the error says that nothing was written.
        FullMachineAllocator early(c10::GetCPUAllocator());
        early.armed = true;
        {
            AllocatorScope scope(early);
            error = errorOf(baseOptions(mData, out + "-first"));
        }
        QVERIFY2(contains(error, "out of memory at step 1") && contains(error, "no checkpoint was written"), error.c_str());
        QVERIFY(!fs::exists(out + "-first"));
    }

    void cancelAtAnyMomentLeavesAnIntactCheckpointOrNothing() {
        struct Moment {
            const char* name;
            std::function<bool(const std::string& message, std::int64_t step, bool checkpoint)> when;
        };
        const std::vector<Moment> moments = {
            {"while reading the data", [](const std::string& m, std::int64_t, bool) { return contains(m, "training data:"); }},
            {"after loading the model", [](const std::string& m, std::int64_t, bool) { return contains(m, "parameters,"); }},
            {"after the first step", [](const std::string&, std::int64_t step, bool) { return step == 1; }},
            {"right after a checkpoint", [](const std::string&, std::int64_t step, bool cp) { return cp && step == 2; }},
        };
        int index = 0;
        for (const Moment& moment : moments) {
            const std::string out = path("cancel-" + std::to_string(index++));
            TrainerOptions o = baseOptions(mData, out);
            o.steps = 50;
            o.saveEvery = 2;
            std::atomic<bool> cancel{false};
            std::vector<std::string> messages;
            TrainerCallbacks cb;
            cb.onMessage = [&](const std::string& m) {
                messages.push_back(m);
                if (moment.when(m, -1, false)) cancel = true;
            };
            cb.onProgress = [&](const TrainerProgress& p) {
                if (moment.when("", p.step, false)) cancel = true;
            };
            cb.onCheckpoint = [&](const std::string&, std::int64_t step) {
                if (moment.when("", step, true)) cancel = true;
            };
            const TrainerResult r = Trainer(o).run(cb, &cancel);
            qInfo("cancel %s: %lld steps, checkpoint %s", moment.name, static_cast<long long>(r.steps),
                  r.checkpointWritten ? "written" : "not written");
            QVERIFY2(r.cancelled, moment.name);
            QVERIFY2(r.steps < 50, moment.name);
            std::set<std::string> saves;   // a step saved just before the stop is not written again
            for (const std::string& m : messages)
                if (contains(m, "checkpoint at step")) QVERIFY2(saves.insert(m).second, ("twice: " + m).c_str());
            checkOutcome(r, out, messages);
            if (QTest::currentTestFailed()) return;
        }

        // And at moments nobody chose: a second thread cancels after a growing delay.
        for (int delayMs : {0, 150, 400, 900, 1600}) {
            const std::string out = path("cancel-timed-" + std::to_string(delayMs));
            TrainerOptions o = baseOptions(mData, out);
            o.steps = 200;
            o.saveEvery = 3;
            std::atomic<bool> cancel{false};
            std::vector<std::string> messages;
            std::mutex lock;
            TrainerCallbacks cb;
            cb.onMessage = [&](const std::string& m) {
                std::lock_guard<std::mutex> guard(lock);
                messages.push_back(m);
            };
            std::thread canceller([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
                cancel = true;
            });
            const auto started = std::chrono::steady_clock::now();
            const TrainerResult r = Trainer(o).run(cb, &cancel);
            canceller.join();
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            qInfo("cancel after %d ms: %lld steps in %.2f s, checkpoint %s", delayMs, static_cast<long long>(r.steps),
                  seconds, r.checkpointWritten ? "written" : "not written");
            QVERIFY(r.cancelled);
            checkOutcome(r, out, messages);
            if (QTest::currentTestFailed()) return;
        }
    }

    void pauseHoldsTheRunWithoutChangingIt() {
        TrainerOptions o = baseOptions(mData, path("straight"));
        o.steps = 4;
        const TrainerResult straight = Trainer(o).run();

        o.outDir = path("paused");
        std::atomic<bool> pause{false};
        std::vector<std::string> events;
        std::mutex lock;
        const auto record = [&](const std::string& e) {
            std::lock_guard<std::mutex> guard(lock);
            events.push_back(e);
        };
        std::thread releaser;
        TrainerCallbacks cb;
        cb.shouldPause = [&] { return pause.load(); };
        cb.onPauseChanged = [&](bool paused, std::int64_t step) {
            record((paused ? "paused " : "resumed ") + std::to_string(step));
        };
        cb.onProgress = [&](const TrainerProgress& p) {
            record("step " + std::to_string(p.step));
            if (p.step == 2) {
                pause = true;
                releaser = std::thread([&] {
                    std::this_thread::sleep_for(std::chrono::milliseconds(600));
                    record("release");
                    pause = false;
                });
            }
        };
        const auto started = std::chrono::steady_clock::now();
        const TrainerResult r = Trainer(o).run(cb);
        if (releaser.joinable()) releaser.join();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const std::vector<std::string> expected = {"step 1", "step 2", "paused 2", "release", "resumed 2", "step 3", "step 4"};
        std::lock_guard<std::mutex> guard(lock);
        QCOMPARE(events, expected);
        QVERIFY(seconds >= 0.6);
        QCOMPARE(r.losses.size(), straight.losses.size());
        for (std::size_t i = 0; i < r.losses.size(); ++i) QVERIFY(std::abs(r.losses[i] - straight.losses[i]) < 1e-6);

        // Cancelling while paused ends the run with the checkpoint of the paused step.
        o.outDir = path("paused-cancelled");
        pause = false;
        std::atomic<bool> cancel{false};
        TrainerCallbacks hold;
        hold.shouldPause = [&] { return pause.load(); };
        hold.onPauseChanged = [&](bool paused, std::int64_t) {
            if (paused) cancel = true;
        };
        hold.onProgress = [&](const TrainerProgress& p) {
            if (p.step == 1) pause = true;
        };
        const TrainerResult c = Trainer(o).run(hold, &cancel);
        QVERIFY(c.cancelled);
        QCOMPARE(c.steps, std::int64_t(1));
        QVERIFY(c.checkpointWritten);
        QCOMPARE(readTrainerState(o.outDir).step, std::int64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestTrainingFaults)
#include "test_training_faults.moc"
