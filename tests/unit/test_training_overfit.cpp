// End to end: fine-tuning the tiny fixture model on 16 drawn images (referring-expression form) until it
// emits their boxes, then scoring the saved checkpoint with the evaluation that `kosmos2 eval` runs.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch's headers.
#include "model/engine/engine.h"
#include "training/evaluation.h"
#include "training/grounded_record.h"
#include "training/trainer.h"
#include "test_training_support.h"

#include <QtTest>

using namespace kosmos;
using namespace kosmos::training;

class TestTrainingOverfit : public QObject {
    Q_OBJECT

private slots:
    void overfitsSixteenSamples() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        const std::string data = testing::writeShapesDataset(root + "/data", 16, 64);

        TrainerOptions o;
        o.modelDir = testing::fixtureModel();
        o.dataPath = data;
        o.outDir = root + "/model";
        o.mode = "full";
        o.freezeVision = 1;       // the phrase names the object: boxes can be learnt from the text alone
        o.refExpRatio = 1.0;
        o.batchSize = 16;
        o.steps = 200;
        o.learningRate = 8e-3;
        o.warmupSteps = 10;
        o.weightDecay = 0.0;
        o.seed = 1;
        o.threads = 1;            // deterministic, and faster than 2 spinning threads on 2 shared cores
        o.blasThreads = 1;
        o.evalDataPath = data;    // the trainer scores its final checkpoint itself
        o.evaluation.task = "rec";
        o.evaluation.batchSize = 16;
        std::vector<TrainerProgress> events;
        TrainerCallbacks callbacks;
        callbacks.onProgress = [&](const TrainerProgress& p) { events.push_back(p); };
        const TrainerResult r = Trainer(o).run(callbacks);
        QCOMPARE(events.size(), std::size_t(201));   // every step, then the evaluation
        QVERIFY(events.back().evaluation.has_value());
        // The line with the score keeps the last step's figures (it is printed like the others).
        QCOMPARE(events.back().step, std::int64_t(200));
        QCOMPARE(events.back().learningRate, events[events.size() - 2].learningRate);
        QVERIFY(events.back().samplesPerSecond > 0);
        QVERIFY(r.evaluation.has_value());
        qInfo("loss %.4f -> %.4f in %lld steps, %.1f samples/s", r.initialLoss, r.finalLoss,
              static_cast<long long>(r.steps), r.samplesPerSecond);
        QVERIFY(r.finalLoss < 0.2 * r.initialLoss);

        ReadReport report;
        const auto records = readGritJsonl(data, report);
        QCOMPARE(records.size(), std::size_t(16));
        auto engine = Engine::load(o.outDir);
        EvalOptions eval;
        eval.task = "rec";
        eval.batchSize = 16;
        const EvalReport score = evaluate(*engine, records, eval);
        qInfo("REC accuracy %.3f on %zu objects", score.recAccuracy, score.recN);
        QCOMPARE(score.recN, std::size_t(16));
        QVERIFY(score.recAccuracy >= 0.9);
        QCOMPARE(r.evaluation->recCorrect, score.recCorrect);
    }
};

QTEST_GUILESS_MAIN(TestTrainingOverfit)
#include "test_training_overfit.moc"
