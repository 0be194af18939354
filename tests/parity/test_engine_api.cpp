// The engine's public face: load a folder, generate with streaming, cancel, constrained grounding,
// confidences and heat maps, batches equal to single runs; the benchmark's report.
#include <QtTest>

#include <limits>
#include <nlohmann/json.hpp>

#include "core/media/image_io.h"
#include "model/engine/benchmark.h"
#include "model/engine/engine.h"
#include "model/engine/runtime_info.h"
#include "model/error.h"
#include "model/tokenizer.h"

using namespace kosmos;

namespace {
template <typename F>
bool throwsError(F&& f) {
    try {
        f();
    } catch (const kosmos::Error&) {
        return true;
    }
    return false;
}
} // namespace

namespace {
std::string fixtureDir() { return std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny"; }
ImageU8 image(const char* name) { return loadImageFile(fixtureDir() + "/images/" + name); }
} // namespace

class TestEngineApi : public QObject {
    Q_OBJECT
    std::unique_ptr<Engine> mEngine;

private slots:
    void initTestCase() {
        std::vector<double> progress;
        mEngine = Engine::load(fixtureDir(), {}, [&](double f, const std::string&) { progress.push_back(f); });
        QVERIFY(!progress.empty());
        QCOMPARE(progress.back(), 1.0);
        QVERIFY(mEngine->summary().parameters > 0);
    }

    void greedyCaptionMatchesFixture() {
        GenerationRequest request;
        request.image = image("gradient_640x480.png");
        request.prompt = "<grounding>An image of";
        request.params.maxNewTokens = 24;
        std::vector<std::int64_t> streamed;
        std::string lastText;
        GenerationResult r = mEngine->generate(request, [&](std::int64_t id, const std::string& text) {
            streamed.push_back(id);
            lastText = text;
            return true;
        });
        const std::vector<std::int64_t> expected = {415, 415, 415, 415, 415, 415, 1228, 1228, 1228, 1228, 1228, 1228,
                                                    1228, 1228, 1228, 1228, 1228, 1228, 1228, 1228, 1228, 1228, 1228, 1228};
        QCOMPARE(r.generatedIds, expected);
        QCOMPARE(streamed, expected);
        QCOMPARE(lastText, mEngine->tokenizer().decode(expected, true));
        QCOMPARE(QString::fromStdString(r.stoppedBy), QStringLiteral("max_new_tokens"));
        QCOMPARE(QString::fromStdString(r.caption), QStringLiteral("An image of closed closed closed closed closed closed"));
        QVERIFY(r.timingsMs.at("total") > 0);
    }

    void cancelStopsEarly() {
        GenerationRequest request;
        request.image = image("checker_224x224.png");
        request.params.maxNewTokens = 30;
        int calls = 0;
        GenerationResult r = mEngine->generate(request, [&](std::int64_t, const std::string&) { return ++calls < 3; });
        QVERIFY(r.cancelled);
        QCOMPARE(r.generatedIds.size(), std::size_t(3));
        std::atomic<bool> cancel{true};
        GenerationResult r2 = mEngine->generate(request, {}, &cancel);
        QVERIFY(r2.cancelled);
        QCOMPARE(r2.generatedIds.size(), std::size_t(1));
    }

    void constrainedGroundingGivesABoxWithConfidence() {
        GenerationRequest request;
        request.image = image("gradient_640x480.png");
        request.prompt = "<grounding><phrase> a red square</phrase>";
        request.params.maxNewTokens = 8;
        request.params.constrainedGrounding = true;
        // The random model never opens an <object> itself: start it in the prompt.
        request.prompt += "<object>";
        GenerationResult r = mEngine->generate(request);
        QCOMPARE(r.entities.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(r.entities[0].phrase), QStringLiteral("a red square"));
        QCOMPARE(r.entities[0].boxes.size(), std::size_t(1));
        const BoxDetail& box = r.entities[0].boxes[0];
        QVERIFY(box.confidence > 0 && box.confidence <= 1);
        QCOMPARE(box.ulHeatmap.size(), std::size_t(1024));
        QCOMPARE(box.lrHeatmap.size(), std::size_t(1024));
        float sum = 0;
        for (float p : box.ulHeatmap) sum += p;
        QVERIFY(sum > 0 && sum <= 1.0001f);
        QCOMPARE(box.ulHeatmap[box.ulIndex], *std::max_element(box.ulHeatmap.begin(), box.ulHeatmap.end()));
        // Unconstrained, the same model closes no object: the constraint is what makes the box.
        request.params.constrainedGrounding = false;
        QVERIFY(mEngine->generate(request).entities.empty());
        // A phrase prompt alone: the constraint opens the <object> after </phrase> too.
        request.prompt = "<grounding><phrase> a red square</phrase>";
        request.params.constrainedGrounding = true;
        GenerationResult phraseOnly = mEngine->generate(request);
        QCOMPARE(phraseOnly.entities.size(), std::size_t(1));
        QCOMPARE(phraseOnly.generatedIds.front(), mEngine->tokenizer().tagId("<object>"));
    }

    void batchEqualsSingleRuns() {
        std::vector<GenerationRequest> requests(2);
        requests[0].image = image("gradient_640x480.png");
        requests[0].prompt = "<grounding>An image of";
        requests[1].image = image("stripes_300x500.png");
        requests[1].prompt = "<grounding> Describe this image in detail:";
        for (auto& r : requests) {
            r.params.maxNewTokens = 12;
            r.params.noRepeatNgramSize = 3;
        }
        auto batch = mEngine->generateBatch(requests);
        QCOMPARE(batch.size(), std::size_t(2));
        for (std::size_t i = 0; i < 2; ++i) QCOMPARE(batch[i].generatedIds, mEngine->generate(requests[i]).generatedIds);
    }

    // Weights holding NaN (one layer norm's scales here): a plain error at the first new token instead of
    // arbitrary ids.
    void nanWeightsAreReported() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        for (const QFileInfo& file : QDir(QString::fromStdString(fixtureDir())).entryInfoList(QDir::Files))
            QVERIFY(QFile::copy(file.filePath(), dir.filePath(file.fileName())));
        QFile weights(dir.filePath(QStringLiteral("model.safetensors")));
        QVERIFY(weights.open(QIODevice::ReadWrite));
        quint64 headerSize = 0;
        QCOMPARE(weights.read(reinterpret_cast<char*>(&headerSize), 8), qint64(8));
        const auto header = nlohmann::json::parse(weights.read(static_cast<qint64>(headerSize)).toStdString());
        const auto& norm = header.at("text_model.model.layer_norm.weight");
        QCOMPARE(norm.at("dtype").get<std::string>(), std::string("F32"));
        const qint64 begin = norm.at("data_offsets")[0].get<qint64>(), end = norm.at("data_offsets")[1].get<qint64>();
        const float nan = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(weights.seek(8 + static_cast<qint64>(headerSize) + begin));
        for (qint64 at = begin; at < end; at += 4) weights.write(reinterpret_cast<const char*>(&nan), 4);
        weights.close();

        std::unique_ptr<Engine> engine = Engine::load(dir.path().toStdString(), {});
        GenerationRequest request;
        request.image = image("checker_224x224.png");
        request.prompt = "<grounding>An image of";
        request.params.maxNewTokens = 4;
        try {
            engine->generate(request);
            QFAIL("generated from NaN weights");
        } catch (const kosmos::Error& e) {
            QVERIFY2(std::string(e.what()).find("NaN or infinite values at new token 1") != std::string::npos, e.what());
        }
        request.params.numBeams = 2;
        QVERIFY(throwsError([&] { engine->generate(request); }));
    }

    void badPromptIsRejected() {
        GenerationRequest request;
        request.image = image("checker_224x224.png");
        request.prompt = "<groundng>An image of";
        QVERIFY(throwsError([&] { mEngine->generate(request); }));
        request.prompt = "";
        QVERIFY(throwsError([&] { mEngine->generate(request); }));
        request.prompt = "<grounding>An image of";
        request.params.maxNewTokens = 5000;
        QVERIFY(throwsError([&] { mEngine->generate(request); }));
    }

    // `kosmos2 bench` on the fixture: every stage timed, the floor computed from the weights a decode step reads
    // and the measured read bandwidth, int8 weights reading fewer bytes than f32.
    void benchTimesEveryStage() {
        std::map<std::string, double> weightBytes;
        for (const char* dtype : {"f32", "int8"}) {
            BenchOptions options;
            options.modelDir = fixtureDir();
            options.dtype = dtype;
            options.runs = 2;
            options.newTokens = 6;
            const BenchResult r = runBenchmark(options);
            for (const char* stage : {"preprocess", "vision", "prefill", "decode_per_token", "end_to_end"}) {
                const Spread& s = r.stagesMs.at(stage);
                QVERIFY2(s.min > 0 && s.min <= s.median && s.median <= s.max, stage);
            }
            QCOMPARE(r.firstRunIds.size(), std::size_t(6));
            QVERIFY(r.idsEqualEveryRun);
            QCOMPARE(QString::fromStdString(r.bandwidthMeasure), QStringLiteral("read"));
            QVERIFY(r.memoryBandwidthGBs > 0.1 && r.copyBandwidthGBs > 0.1);
            const Spread& read = r.readBandwidthGBs;   // one measure after each run, the best the floor's
            QVERIFY(read.min > 0.1 && read.min <= read.median && read.median <= read.max);
            QCOMPARE(r.memoryBandwidthGBs, read.max);
            QVERIFY(std::abs(r.decodeFloorMs - r.decodeWeightBytes / (r.memoryBandwidthGBs * 1e6)) < 1e-9);
            // Each run's step over the floor at its own read rate: within the extremes of both.
            const Spread& step = r.stagesMs.at("decode_per_token");
            const Spread& byRun = r.floorRatioByRun;
            const double perGBs = 1e6 / r.decodeWeightBytes;   // ms x GB/s -> ratio
            QVERIFY(byRun.min > 0 && byRun.min <= byRun.median && byRun.median <= byRun.max);
            QVERIFY(byRun.min >= step.min * read.min * perGBs * (1 - 1e-9));
            QVERIFY(byRun.max <= step.max * read.max * perGBs * (1 + 1e-9));
            QVERIFY(r.peakRssMb > 0 && r.tokensPerSecond > 0 && r.imagesPerSecond > 0);
            QCOMPARE(r.blasThreads, blasThreads());   // OpenBLAS's own count, 0 where it is not OpenBLAS
            // int8: a step split into its weight products and the rest, which add up to the step run by run.
            const Spread& products = r.decodeInt8ProductsMs;
            if (QLatin1String(dtype) == QLatin1String("int8")) {
                QVERIFY(products.min > 0 && products.min <= products.median && products.median <= products.max);
                QVERIFY(products.max < step.max && r.decodeInt8ProductGBs.min > 0 && r.decodeRestMs.min > 0);
                // Two runs: each median is the mean of the two, and each run's parts add up to its step.
                QVERIFY(std::abs(products.median + r.decodeRestMs.median - step.median) < 1e-9 * step.median);
            } else {
                QCOMPARE(products.max, 0.0);
            }
            weightBytes[dtype] = r.decodeWeightBytes;
        }
        QVERIFY(weightBytes["int8"] < weightBytes["f32"] / 2);
    }

    // `--profile FILE`: a LibTorch with Kineto (pip's) writes the trace with the named steps; one without it
    // (Debian's) is refused at once with the file and the reason, and leaves no file behind.
    void benchProfileWritesATraceOrSaysWhyNot() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        BenchOptions options;
        options.modelDir = fixtureDir();
        options.runs = 1;
        options.newTokens = 2;
        options.profilePath = dir.filePath("trace.json").toStdString();
        try {
            runBenchmark(options);
        } catch (const Error& e) {
            const QString message = QString::fromUtf8(e.what());
            qInfo("%s", e.what());
            QVERIFY(message.startsWith(QString::fromStdString(options.profilePath) + ": cannot write the trace"));
            QVERIFY(message.contains("Kineto"));
            QVERIFY(!message.contains("Exception raised from"));   // no LibTorch backtrace
            QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 0);
            return;
        }
        QFile trace(QString::fromStdString(options.profilePath));
        QVERIFY(trace.open(QIODevice::ReadOnly));
        const QByteArray json = trace.readAll();
        QVERIFY(json.contains("kosmos2::vision") && json.contains("kosmos2::prefill"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"trace.json"});
    }
};

QTEST_GUILESS_MAIN(TestEngineApi)
#include "test_engine_api.moc"
