// Faults around model folders: a trainer SIGKILLed at random moments (10 rounds) while it writes a checkpoint
// after every step (the last checkpoint stays loadable, and the next run resumes from it), a full disk during a
// checkpoint save (a size-limited tmpfs: the previous checkpoint stays byte for byte), and a model folder
// changed under a loaded engine: model.safetensors replaced by a rename keeps generation exact (the old file stays mapped),
// truncating it in place is the documented limitation (the mapped weights vanish: SIGBUS).
#include "core/media/image_io.h"
#include "model/engine/engine.h"
#include "model/error.h"
#include "model/safetensors.h"
#include "training/model_folder.h"
#include "training/trainer.h"
#include "training/trainer_state.h"

#include "reliability_support.h"
#include "../unit/test_trainer_options.h"
#include "../unit/test_training_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <iostream>
#include <random>
#include <thread>

using namespace kosmos;
using namespace kosmos::reliability;
using namespace kosmos::training;
namespace fs = std::filesystem;

namespace {

// Saves after every step, until killed.
TrainerOptions trainerOptions(const std::string& data, const std::string& out) {
    TrainerOptions o = testing::fullTrainingOptions(data, out);
    o.steps = 100000;
    o.saveEvery = 1;
    return o;
}

std::uint64_t folderBytes(const std::string& dir) {
    std::uint64_t total = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        if (entry.is_regular_file()) total += entry.file_size();
    return total;
}

// Staging folders a killed save left next to `out` (".out.tmp-XXXXXX").
int stagingLeftovers(const std::string& out) {
    int count = 0;
    const std::string prefix = "." + fs::path(out).filename().string() + ".tmp-";
    for (const std::string& name : listFolder(fs::path(out).parent_path().string()))
        if (name.rfind(prefix, 0) == 0) ++count;
    return count;
}

std::vector<std::int64_t> generateIds(Engine& engine) {
    GenerationRequest request;
    request.image = loadImageFile(testing::fixtureModel() + "/images/checker_224x224.png");
    request.prompt = "<grounding>An image of";
    request.params.maxNewTokens = 6;
    return engine.generate(request).generatedIds;
}

void copyFolder(const std::string& from, const std::string& to) {
    fs::create_directories(to);
    for (const auto& entry : fs::directory_iterator(from))
        if (entry.is_regular_file()) fs::copy_file(entry.path(), fs::path(to) / entry.path().filename());
}

// ---- children ---------------------------------------------------------------------------------------------

// Trains with a checkpoint after every step, resuming from `out` when it holds one; prints "checkpoint STEP".
int childTrain(const std::string& data, const std::string& out) {
    TrainerOptions o = trainerOptions(data, out);
    if (fs::exists(existingCheckpoint(out))) o.resumeDir = out;
    TrainerCallbacks callbacks;
    callbacks.onCheckpoint = [](const std::string&, std::int64_t step) { std::cout << "checkpoint " << step << std::endl; };
    Trainer(o).run(callbacks);
    return 0;
}

int childTruncate(const std::string& dir) {
    auto engine = Engine::load(dir);
    generateIds(*engine);
    std::cout << "generated" << std::endl;
    if (::truncate((dir + "/model.safetensors").c_str(), 0) != 0) return 3;
    std::cout << "truncated" << std::endl;
    generateIds(*engine);
    std::cout << "generated again" << std::endl;
    return 0;
}

int runChild(int argc, char** argv) {
    const std::string mode = argc > 2 ? argv[2] : "";
    try {
        if (mode == "train" && argc == 5) return childTrain(argv[3], argv[4]);
        if (mode == "truncate" && argc == 4) return childTruncate(argv[3]);
    } catch (const std::exception& e) {
        std::cout << "error " << e.what() << std::endl;
        return 2;
    }
    return 64;
}

} // namespace

class TestModelFaults : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { mData = testing::writeShapesDataset(mDir.filePath("data").toStdString(), 8); }

    void killDuringCheckpointWriting() {
        const std::string out = mDir.filePath("killed/out").toStdString();
        fs::create_directories(fs::path(out).parent_path());
        std::mt19937 random(7);
        int faults = 0;
        std::int64_t lost = 0;
        std::int64_t lastStep = 0;
        for (int round = 0; round < 10; ++round) {
            Child child({selfPath(), "--child", "train", mData, out});
            QVERIFY(child.started());
            std::int64_t reported = -1;
            std::string line;
            // Wait for a checkpoint of this run, then kill at a random moment of the following step(s).
            const auto start = std::chrono::steady_clock::now();
            QVERIFY2(child.readLine(line, 300000) && line.rfind("checkpoint ", 0) == 0, line.c_str());
            reported = std::stoll(line.substr(11));
            const auto firstSave = std::chrono::steady_clock::now() - start;
            const int delayMs = std::uniform_int_distribution<int>(0, 400)(random);
            std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
            child.kill();
            QVERIFY(killedBy(child.wait(), SIGKILL));
            ++faults;
            while (child.readLine(line, 1000))
                if (line.rfind("checkpoint ", 0) == 0) reported = std::stoll(line.substr(11));

            const std::string checkpoint = existingCheckpoint(out);
            QVERIFY2(fs::is_directory(checkpoint), checkpoint.c_str());
            const TrainerState state = readTrainerState(checkpoint);
            qInfo("round %d: first save after %.1f s, killed %d ms later; reported step %lld, checkpoint %s at "
                  "step %lld, %d staging folder(s) left",
                  round, std::chrono::duration<double>(firstSave).count(), delayMs, static_cast<long long>(reported),
                  fs::path(checkpoint).filename().c_str(), static_cast<long long>(state.step), stagingLeftovers(out));
            if (state.step < reported) ++lost;
            QVERIFY(state.step >= reported);       // the reported checkpoint, or the one written as it died
            QVERIFY(state.step <= reported + 1);
            QVERIFY(state.step > lastStep);        // each run resumed from the previous one and went on
            lastStep = state.step;
            SafetensorsCheckpoint::open(checkpoint);
            auto engine = Engine::load(checkpoint);
            QCOMPARE(generateIds(*engine).size(), std::size_t(6));
        }
        QCOMPARE(lost, std::int64_t(0));
        qInfo("RESULT checkpoints: %d SIGKILLs, %lld checkpoints lost, %d staging folder(s) left behind", faults,
              static_cast<long long>(lost), stagingLeftovers(out));
    }

    void diskFullDuringCheckpointSave() {
        // The size of one checkpoint, measured; the small folder holds it once and a half.
        const std::string measured = mDir.filePath("measure").toStdString();
        TrainerOptions o = trainerOptions(mData, measured);
        o.steps = 1;
        Trainer(o).run();
        const std::uint64_t size = folderBytes(measured);
        SmallFolder small(mDir.filePath("small").toStdString(), size + size / 2);
        if (!small.mounted()) QSKIP("cannot mount a tmpfs here (not root); test_training_loop covers RLIMIT_FSIZE");

        o.outDir = small.path() + "/out";
        Trainer(o).run();
        const std::string weightsBefore = readFile(o.outDir + "/model.safetensors");
        const std::string stateBefore = readFile(o.outDir + "/" + kTrainerStateJson);
        TrainerOptions more = o;
        more.resumeDir = o.outDir;
        more.steps = 2;
        QString error;
        try {
            Trainer(more).run();
        } catch (const Error& e) {
            error = QString::fromStdString(e.what());
        }
        qInfo("checkpoint of %llu bytes, folder of %llu: %s", static_cast<unsigned long long>(size),
              static_cast<unsigned long long>(size + size / 2), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("No space left on device")), qPrintable(error));
        QCOMPARE(readTrainerState(o.outDir).step, std::int64_t(1));
        QVERIFY(readFile(o.outDir + "/model.safetensors") == weightsBefore);
        QVERIFY(readFile(o.outDir + "/" + kTrainerStateJson) == stateBefore);
        QCOMPARE(listFolder(small.path()), std::vector<std::string>{"out"});   // no staging folder left
        auto engine = Engine::load(o.outDir);
        QCOMPARE(generateIds(*engine).size(), std::size_t(6));
        qInfo("RESULT checkpoint disk full: 1 failure, previous checkpoint intact");
    }

    void modelReplacedByRenameWhileLoaded() {
        const std::string dir = mDir.filePath("renamed").toStdString();
        copyFolder(testing::fixtureModel(), dir);
        auto engine = Engine::load(dir);
        const std::vector<std::int64_t> before = generateIds(*engine);

        // New weights written beside and renamed over model.safetensors (as every writer here does): the
        // final layer norm zeroed, so that a model reading them gives all-zero logits.
        const SafetensorsFile original = SafetensorsFile::open(dir + "/model.safetensors");
        std::vector<TensorView> views;
        std::vector<std::vector<std::uint8_t>> zeros;
        for (const TensorInfo& t : original.tensors()) {
            const void* data = original.data(t);
            if (t.name.rfind("text_model.model.layer_norm.", 0) == 0) {
                zeros.emplace_back(t.nbytes(), 0);
                data = zeros.back().data();
            }
            views.push_back({t.name, t.dtype, t.shape, data});
        }
        QCOMPARE(zeros.size(), std::size_t(2));
        writeSafetensors(dir + "/model.safetensors", views, original.metadata());

        QCOMPARE(generateIds(*engine), before);   // the loaded engine still reads the old file's pages
        auto reloaded = Engine::load(dir);
        const std::vector<std::int64_t> after = generateIds(*reloaded);
        QVERIFY(after != before);
        QCOMPARE(after, std::vector<std::int64_t>(after.size(), after.front()));   // flat logits: one id
    }

    void modelTruncatedInPlaceWhileLoaded() {
        const std::string dir = mDir.filePath("truncated").toStdString();
        copyFolder(testing::fixtureModel(), dir);
        // Under AddressSanitizer the signal must reach the child's default action, not ASan's report.
        const char* asan = std::getenv("ASAN_OPTIONS");
        ::setenv("ASAN_OPTIONS", (std::string(asan ? asan : "") + ":handle_sigbus=0").c_str(), 1);
        Child child({selfPath(), "--child", "truncate", dir});
        std::string first, second, third;
        QVERIFY(child.readLine(first, 300000));
        QCOMPARE(first, std::string("generated"));
        QVERIFY(child.readLine(second));
        QCOMPARE(second, std::string("truncated"));
        const bool survived = child.readLine(third);
        const int status = child.wait();
        // Weights are mapped from the file, not copied: once the file shrinks under them, reading them
        // raises SIGBUS. Replace model files by renaming (as the trainer and writeSafetensors do).
        QVERIFY2(!survived && killedBy(status, SIGBUS), third.c_str());
    }

private:
    QTemporaryDir mDir;
    std::string mData;
};

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--child") return runChild(argc, argv);
    QCoreApplication app(argc, argv);
    TestModelFaults test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_model_faults.moc"
