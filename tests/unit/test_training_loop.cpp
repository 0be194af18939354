// The training loop on the tiny fixture model: the loss goes down, gradients match finite differences,
// checkpoints reload to identical logits, a resumed run continues the same loss curve, LoRA trains its
// adapters only and exports base + scale * B @ A, a full disk leaves the previous checkpoint whole,
// and `init` makes a loadable model whose image embeddings depend on the image.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch's headers.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "model/engine/checkpoint.h"
#include "model/engine/engine.h"
#include "model/engine/kosmos2_loader.h"
#include "model/error.h"
#include "model/tokenizer.h"
#include "training/adamw.h"
#include "training/init_weights.h"
#include "training/lora.h"
#include "training/model_folder.h"
#include "training/trainer.h"
#include "training/trainer_state.h"
#include "training/training_data.h"
#include "training/training_step.h"
#include "test_training_support.h"

#include <QtTest>

using namespace kosmos;
using namespace kosmos::training;
namespace fs = std::filesystem;

namespace {

std::map<std::string, at::Tensor> readAll(const std::string& path) {
    const SafetensorsFile file = SafetensorsFile::open(path);
    std::map<std::string, at::Tensor> out;
    for (const auto& info : file.tensors()) out[info.name] = mappedTensor(file, info).clone();
    return out;
}

double maxDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

TrainerOptions baseOptions(const std::string& data, const std::string& out) {
    TrainerOptions o;
    o.modelDir = testing::fixtureModel();
    o.dataPath = data;
    o.outDir = out;
    o.batchSize = 4;
    o.seed = 3;
    o.threads = 1;
    o.blasThreads = 1;
    return o;
}

// A batch of the first `rows` samples of the stream.
TrainingBatch makeBatch(const std::string& data, int rows, double refExpRatio = 0.5) {
    ReadReport report;
    static const Tokenizer tokenizer = Tokenizer::load(testing::fixtureModel());
    DataOptions options;
    options.refExpRatio = refExpRatio;
    TrainingData stream(std::make_shared<const std::vector<GroundedRecord>>(readGritJsonl(data, report)), tokenizer,
                        PreprocessConfig{}, options);
    std::vector<PreparedSample> samples;
    for (int i = 0; i < rows; ++i) samples.push_back(stream.prepare(i));
    std::vector<const TrainingSequence*> seqs;
    std::vector<const std::vector<float>*> pixels;
    for (const auto& s : samples) {
        seqs.push_back(&s.sequence);
        pixels.push_back(&s.pixels);
    }
    return collateBatch(seqs, pixels, 224, 1);
}

Kosmos2ForConditionalGeneration loadFixture(at::ScalarType dtype = at::kFloat) {
    CheckpointLoadOptions load;
    load.dtype = dtype;
    load.zeroCopy = false;
    return loadKosmos2(testing::fixtureModel(), load);
}

at::Tensor fullLogits(Kosmos2ForConditionalGeneration& model, const TrainingBatch& batch) {
    at::NoGradGuard noGrad;
    auto& text = model->text_model->model;
    const at::Tensor embeds = model->imageEmbeds(batch.pixelValues);
    const at::Tensor positions = positionIdsFromInputIds(batch.inputIds, 1, at::Tensor());
    const at::Tensor mask = buildAttentionMask(batch.attentionMask, batch.inputIds.size(1), at::kFloat);
    return model->text_model->logits(text(batch.inputIds, positions, embeds, batch.imageMask, mask, nullptr));
}

} // namespace

class TestTrainingLoop : public QObject {
    Q_OBJECT

    QTemporaryDir mDir;
    std::string mData;

private slots:
    void initTestCase() {
        QVERIFY(mDir.isValid());
        mData = testing::writeShapesDataset(mDir.path().toStdString() + "/data", 8, 48);
    }

    void optimizerScheduleAndClipping() {
        QCOMPARE(scheduledLearningRate(1, 10, 2, 1.0), 0.5);
        QCOMPARE(scheduledLearningRate(2, 10, 2, 1.0), 1.0);
        QCOMPARE(scheduledLearningRate(3, 10, 2, 1.0), 1.0);
        QVERIFY(std::abs(scheduledLearningRate(10, 10, 2, 1.0) - 0.5 * (1 + std::cos(M_PI * 7 / 8))) < 1e-12);
        QVERIFY(std::abs(scheduledLearningRate(10, 10, 2, 1.0, 0.1) - (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * 7 / 8)))) < 1e-12);

        // One AdamW step by hand: m = (1-b1) g, v = (1-b2) g^2, bias-corrected update lr * g / (|g| + eps).
        at::Tensor w = at::full({2}, 1.0, at::kDouble).requires_grad_(true);
        at::Tensor b = at::full({2}, 1.0, at::kDouble).requires_grad_(true);
        AdamWOptions options;
        options.weightDecay = 0.1;
        at::Tensor slow = at::full({1}, 1.0, at::kDouble).requires_grad_(true);   // lrScale 0.25: a quarter of the rate
        AdamW adam({{"w", w, true}, {"b", b, false}, {"slow", slow, true, 0.25}}, options);
        (w * at::tensor({0.5, -2.0}, at::kDouble)).sum().add((b * 3).sum()).add((slow * 5).sum()).backward();
        adam.step(0.01);
        QVERIFY(std::abs(slow[0].item<double>() - (1 * (1 - 0.0025 * 0.1) - 0.0025 * 5 / (5 + 1e-8))) < 1e-12);
        QVERIFY(std::abs(w[0].item<double>() - (1 * (1 - 0.01 * 0.1) - 0.01 * 0.5 / (0.5 + 1e-8))) < 1e-12);
        QVERIFY(std::abs(w[1].item<double>() - (1 * (1 - 0.01 * 0.1) + 0.01 * 2 / (2 + 1e-8))) < 1e-12);
        QVERIFY(std::abs(b[0].item<double>() - (1 - 0.01 * 3 / (3 + 1e-8))) < 1e-12);   // no decay
        QCOMPARE(adam.steps(), std::int64_t(1));
        QCOMPARE(adam.state().size(), std::size_t(6));

        // Global-norm clipping: norm of (3, 4) and (12) is 13, scaled to 6.5.
        at::Tensor x = at::zeros({2}).requires_grad_(true), y = at::zeros({1}).requires_grad_(true);
        (x * at::tensor({3.0f, 4.0f})).sum().add((y * 12).sum()).backward();
        const double norm = clipGradNorm({{"x", x, true}, {"y", y, true}}, 6.5);
        QVERIFY(std::abs(norm - 13.0) < 1e-5);
        QVERIFY(std::abs(x.grad()[1].item<double>() - 2.0) < 1e-5);
        QVERIFY(std::abs(y.grad()[0].item<double>() - 6.0) < 1e-5);
    }

    void lossDecreases() {
        TrainerOptions o = baseOptions(mData, mDir.path().toStdString() + "/loss");
        o.mode = "full";
        o.steps = 16;
        o.learningRate = 2e-3;
        o.warmupSteps = 2;
        const TrainerResult r = Trainer(o).run();
        QCOMPARE(r.steps, std::int64_t(16));
        QCOMPARE(r.losses.size(), std::size_t(16));
        const double first = (r.losses[0] + r.losses[1]) / 2, last = (r.losses[14] + r.losses[15]) / 2;
        qInfo("loss %.4f -> %.4f", first, last);
        QVERIFY2(last < 0.85 * first, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));
        // The checkpoint is a model folder the engine loads, with the trainer state beside it.
        QVERIFY(fs::exists(o.outDir + "/" + kTrainerStateJson));
        QVERIFY(fs::exists(o.outDir + "/sentencepiece.bpe.model"));
        const auto weights = readAll(o.outDir + "/model.safetensors");
        QVERIFY(!weights.count("text_model.lm_head.weight"));   // tied: left out, as transformers saves it
        // The padding row stays as loaded (transformers zeroes it on load); the rest of the table trained.
        const auto base = readAll(testing::fixtureModel() + "/model.safetensors");
        const at::Tensor before = base.at("text_model.model.embed_tokens.weight");
        const at::Tensor after = weights.at("text_model.model.embed_tokens.weight");
        QVERIFY(at::equal(after[1], before[1]));
        QVERIFY(!at::equal(after, before));
        QCOMPARE(readTrainerState(o.outDir).step, std::int64_t(16));
        auto engine = Engine::load(o.outDir);
        QVERIFY(engine->summary().parameters > 0);
    }

    void gradientsMatchFiniteDifferences() {
        Kosmos2ForConditionalGeneration model = loadFixture(at::kDouble);
        const TrainingBatch batch = makeBatch(mData, 2);
        at::Tensor loss = languageModelLoss(model, batch);
        loss.backward();
        auto params = model->named_parameters();
        const std::vector<std::pair<std::string, std::int64_t>> probes = {
            {"vision_model.model.encoder.layers.0.mlp.fc1.weight", 37},
            {"vision_model.model.post_layernorm.weight", 5},
            {"image_to_text_projection.latent_query", 123},
            {"image_to_text_projection.dense.bias", 9},
            {"text_model.model.layers.1.self_attn.q_proj.weight", 200},
            {"text_model.model.layers.0.ffn.ffn_layernorm.bias", 17},
            {"text_model.model.embed_tokens.weight", 1007 * 64 + 3},   // <phrase>'s row, also the tied lm_head
        };
        at::NoGradGuard noGrad;
        for (const auto& [name, index] : probes) {
            at::Tensor p = params[name];
            at::Tensor flat = p.view({-1});
            const double analytic = p.grad().view({-1})[index].item<double>();
            const double h = 1e-6, saved = flat[index].item<double>();
            flat[index] = saved + h;
            const double up = languageModelLoss(model, batch).item<double>();
            flat[index] = saved - h;
            const double down = languageModelLoss(model, batch).item<double>();
            flat[index] = saved;
            const double numeric = (up - down) / (2 * h);
            qInfo("%s[%lld]: analytic %.10g numeric %.10g", name.c_str(), static_cast<long long>(index), analytic, numeric);
            QVERIFY2(std::abs(analytic - numeric) <= 1e-6 * std::max(1.0, std::abs(numeric)) + 1e-8, name.c_str());
            QVERIFY(std::abs(analytic) > 1e-9);   // a probe that could fail
        }
    }

    void checkpointingGivesTheSameGradients() {
        const TrainingBatch batch = makeBatch(mData, 3);
        std::map<std::string, at::Tensor> grads[2];
        double losses[2];
        for (int mode = 0; mode < 2; ++mode) {
            Kosmos2ForConditionalGeneration model = loadFixture();
            ForwardOptions options;
            options.checkpointing = mode == 1;
            at::Tensor loss = languageModelLoss(model, batch, options);
            loss.backward();
            losses[mode] = loss.item<double>();
            for (const auto& item : model->named_parameters())
                if (item.value().grad().defined()) grads[mode][item.key()] = item.value().grad().clone();
        }
        QCOMPARE(losses[0], losses[1]);
        QCOMPARE(grads[0].size(), grads[1].size());
        QVERIFY(grads[0].count("vision_model.model.encoder.layers.1.self_attn.q_proj.weight"));
        double worst = 0;
        for (const auto& [name, g] : grads[0]) worst = std::max(worst, maxDiff(g, grads[1][name]));
        qInfo("checkpointing: max gradient difference %.3g", worst);
        QVERIFY(worst < 1e-6);
    }

    void savedCheckpointReloadsToIdenticalLogits() {
        Kosmos2ForConditionalGeneration model = loadFixture();
        {
            at::NoGradGuard noGrad;   // move the weights away from the fixture's
            for (auto& p : model->parameters()) p.add_(at::randn_like(p) * 0.01);
        }
        const TrainingBatch batch = makeBatch(mData, 2);
        const std::string out = mDir.path().toStdString() + "/reload";
        {
            StagingFolder staging(out);
            writeConfigFiles(staging.path(), model->config, testing::fixtureModel());
            copyTokenizerFiles(staging.path(), testing::fixtureModel());
            writeWeights(staging.path(), model);
            staging.commit();
        }
        CheckpointLoadOptions load;
        load.zeroCopy = false;
        Kosmos2ForConditionalGeneration reloaded = loadKosmos2(out, load);
        const double diff = maxDiff(fullLogits(model, batch), fullLogits(reloaded, batch));
        qInfo("reloaded logits: max difference %.3g", diff);
        QCOMPARE(diff, 0.0);

        // LoRA: the exported model (adapters merged) gives the adapted model's logits.
        LoraOptions lora;
        lora.targets = {"all-linear"};
        auto modules = enableLora(model, lora, 1);
        {
            at::NoGradGuard noGrad;
            for (auto& m : modules) m.linear->loraB.normal_(0, 0.05);
        }
        const std::string merged = mDir.path().toStdString() + "/merged";
        {
            StagingFolder staging(merged);
            writeConfigFiles(staging.path(), model->config, testing::fixtureModel());
            copyTokenizerFiles(staging.path(), testing::fixtureModel());
            writeWeights(staging.path(), model);
            staging.commit();
        }
        Kosmos2ForConditionalGeneration mergedModel = loadKosmos2(merged, load);
        model->eval();
        const double loraDiff = maxDiff(fullLogits(model, batch), fullLogits(mergedModel, batch));
        qInfo("merged LoRA logits: max difference %.3g", loraDiff);
        QVERIFY(loraDiff < 1e-4);
        QVERIFY(maxDiff(fullLogits(mergedModel, batch), fullLogits(reloaded, batch)) > 1e-3);
    }

    void resumeNamesTheSettingsItOverrides() {
        TrainerOptions saved;
        saved.mode = "lora";
        saved.batchSize = 4;
        saved.learningRate = 2e-4;
        TrainerOptions given;
        given.batchSize = 8;        // the default, but given: after running out of memory, say
        given.freezeVision = 1;     // what the saved -1 means for LoRA
        given.givenSettings = {"batch_size", "freeze_vision"};
        QCOMPARE(settingsKeptOnResume(given, saved), std::vector<std::string>{"batch_size 4 (not 8)"});
        given.givenSettings.clear();   // not known: only values away from their defaults count
        QVERIFY(settingsKeptOnResume(given, saved).empty());
        given.learningRate = 1e-3;
        QCOMPARE(settingsKeptOnResume(given, saved), std::vector<std::string>{"learning_rate 0.0002 (not 0.001)"});
    }

    void resumeContinuesTheSameLossCurve_data() {
        QTest::addColumn<QString>("mode");
        QTest::newRow("full") << QStringLiteral("full");
        QTest::newRow("lora") << QStringLiteral("lora");   // the adapter comes back from adapter/
    }

    void resumeContinuesTheSameLossCurve() {
        QFETCH(QString, mode);
        const std::string root = mDir.path().toStdString() + "/resume-" + mode.toStdString();
        TrainerOptions o = baseOptions(mData, root + "/straight");
        o.mode = mode.toStdString();
        o.steps = 4;
        o.learningRate = 1e-3;
        o.warmupSteps = 1;
        o.dropout = 0.1;   // dropout masks must come back the same too
        const TrainerResult straight = Trainer(o).run();
        QCOMPARE(straight.losses.size(), std::size_t(4));

        // Cancelled after step 2 (a checkpoint of step 2 is saved), then resumed to step 4.
        o.outDir = root + "/split";
        std::atomic<bool> cancel{false};
        TrainerCallbacks callbacks;
        callbacks.onProgress = [&](const TrainerProgress& p) {
            if (p.step == 2) cancel = true;
        };
        const TrainerResult first = Trainer(o).run(callbacks, &cancel);
        QVERIFY(first.cancelled);
        QCOMPARE(first.steps, std::int64_t(2));
        QCOMPARE(readTrainerState(o.outDir).step, std::int64_t(2));
        TrainerOptions resume = baseOptions(mData, root + "/split");
        resume.resumeDir = root + "/split";   // no steps given: the checkpoint's total of 4
        resume.learningRate = 0.5;   // ignored: the checkpoint's settings win, and a warning says so
        std::vector<std::string> messages;
        TrainerCallbacks heard;
        heard.onMessage = [&](const std::string& m) { messages.push_back(m); };
        const TrainerResult second = Trainer(resume).run(heard);
        QVERIFY(std::any_of(messages.begin(), messages.end(), [](const std::string& m) {
            return m.find("keeps its checkpoint's settings: learning_rate 0.001 (not 0.5)") != std::string::npos;
        }));
        QCOMPARE(second.stepsThisRun, std::int64_t(2));
        QCOMPARE(second.steps, std::int64_t(4));
        for (int i = 0; i < 2; ++i) {
            qInfo("step %d: %.8f straight, %.8f resumed", i + 3, straight.losses[2 + i], second.losses[i]);
            QVERIFY(std::abs(straight.losses[2 + i] - second.losses[i]) < 1e-5);
            QCOMPARE(first.losses[i], straight.losses[i]);
        }
        QCOMPARE(readTrainerState(o.outDir).losses.size(), std::size_t(4));
        const auto a = readAll(root + "/straight/model.safetensors"), b = readAll(root + "/split/model.safetensors");
        double worst = 0;
        for (const auto& [name, t] : a) worst = std::max(worst, maxDiff(t, b.at(name)));
        qInfo("straight vs resumed weights: max difference %.3g", worst);
        QVERIFY(worst < 1e-5);
        // A finished checkpoint is not overwritten by accident.
        QVERIFY_THROWS_EXCEPTION(Error, Trainer(baseOptions(mData, root + "/split")).run());
        if (mode == QLatin1String("lora")) {
            // The checkpoint's own weights hold its adapter: given as the model (a trailing slash too), the run
            // trains on the checkpoint's base instead, and says so.
            TrainerOptions onItself = baseOptions(mData, root + "/split");
            onItself.resumeDir = root + "/split";
            onItself.modelDir = root + "/split/";
            onItself.steps = 5;
            std::vector<std::string> said;
            TrainerCallbacks listen;
            listen.onMessage = [&](const std::string& m) { said.push_back(m); };
            QCOMPARE(Trainer(onItself).run(listen).steps, std::int64_t(5));
            QVERIFY(std::any_of(said.begin(), said.end(), [](const std::string& m) {
                return m.find("training on the checkpoint's base model") != std::string::npos;
            }));
        }
    }

    void loraTrainsOnlyAdaptersAndMergesOnExport() {
        TrainerOptions o = baseOptions(mData, mDir.path().toStdString() + "/lora");
        o.mode = "lora";
        o.steps = 3;
        o.learningRate = 1e-2;
        o.lora.rank = 4;
        o.lora.alpha = 8;
        const TrainerResult r = Trainer(o).run();
        QCOMPARE(r.steps, std::int64_t(3));
        const auto base = readAll(testing::fixtureModel() + "/model.safetensors");
        const auto exported = readAll(o.outDir + "/model.safetensors");
        // The adapter alone in adapter/ (PEFT's layout), not beside the merged weights.
        QVERIFY(!std::filesystem::exists(o.outDir + "/adapter_config.json"));
        const auto adapter = readAll(o.outDir + "/adapter/adapter_model.safetensors");
        const LoraOptions saved =
            parseAdapterConfig(readTextFile(o.outDir + "/adapter/adapter_config.json"), "adapter_config.json");
        QCOMPARE(saved.rank, 4);
        QCOMPARE(saved.alpha, 8.0);
        QCOMPARE(base.size(), exported.size());
        int adapted = 0, changed = 0;
        for (const auto& [name, weight] : base) {
            const std::string module = name.substr(0, name.size() - std::string(".weight").size());
            const std::string a = "base_model.model." + module + ".lora_A.weight";
            if (adapter.count(a)) {
                ++adapted;
                QVERIFY(name.find("vision_model.") != 0);   // vision tower frozen by default
                const at::Tensor& A = adapter.at(a);
                const at::Tensor& B = adapter.at("base_model.model." + module + ".lora_B.weight");
                const at::Tensor expected = weight.to(at::kDouble) + 2.0 * at::matmul(B.to(at::kDouble), A.to(at::kDouble));
                QVERIFY2(maxDiff(exported.at(name), expected) < 1e-6, name.c_str());
                changed += maxDiff(exported.at(name), weight) > 1e-6;
            } else {
                QVERIFY2(maxDiff(exported.at(name), weight) == 0.0, name.c_str());   // untouched
            }
        }
        // q_proj and v_proj of 2 text layers and of the image-to-text attention.
        QCOMPARE(adapted, 6);
        QCOMPARE(int(adapter.size()), 12);
        QVERIFY(changed > 0);
        auto engine = Engine::load(o.outDir);
        QVERIFY(engine->summary().parameters > 0);
    }

    void fullDiskLeavesThePreviousCheckpoint() {
        TrainerOptions o = baseOptions(mData, mDir.path().toStdString() + "/disk");
        o.mode = "full";
        o.steps = 1;
        Trainer(o).run();
        const auto before = readAll(o.outDir + "/model.safetensors");

        TrainerOptions more = o;
        more.resumeDir = o.outDir;
        more.steps = 2;
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        auto previous = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 512 * 1024;   // model.safetensors (~1 MB) cannot be written
        setrlimit(RLIMIT_FSIZE, &small);
        QString error;
        try {
            Trainer(more).run();
        } catch (const Error& e) {
            error = e.what();
        }
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, previous);
        qInfo("%s", qPrintable(error));
        QVERIFY(error.contains(QStringLiteral("model.safetensors")));
        QCOMPARE(readTrainerState(o.outDir).step, std::int64_t(1));
        const auto after = readAll(o.outDir + "/model.safetensors");
        for (const auto& [name, t] : before) QCOMPARE(maxDiff(t, after.at(name)), 0.0);
        for (const auto& entry : fs::directory_iterator(mDir.path().toStdString()))
            QVERIFY2(entry.path().filename().string().find(".tmp-") == std::string::npos, entry.path().c_str());
    }

    void cancelBeforeTheFirstStepSavesNothing() {
        TrainerOptions o = baseOptions(mData, mDir.path().toStdString() + "/never");
        std::atomic<bool> cancel{true};
        const TrainerResult r = Trainer(o).run({}, &cancel);
        QVERIFY(r.cancelled);
        QCOMPARE(r.steps, std::int64_t(0));
        QVERIFY(!fs::exists(o.outDir));
    }

    void initMakesALoadableModelThatSeesTheImage() {
        const std::string root = mDir.path().toStdString();
        // Text width 256 with 64-wide heads, as the real model's heads: there the stock init's attention
        // favours the large latent queries; one layer each keeps it small.
        nlohmann::json config = {
            {"model_type", "kosmos-2"},
            {"latent_query_num", 64},
            {"text_config", {{"embed_dim", 256}, {"layers", 1}, {"ffn_dim", 256}, {"attention_heads", 4}}},
            {"vision_config", {{"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 2},
                               {"num_attention_heads", 4}, {"patch_size", 14}, {"image_size", 224}}}};
        std::ofstream(root + "/tiny_config.json") << config.dump();
        const TrainingBatch batch = makeBatch(mData, 4);
        std::vector<double> share, noiseShare, change, spread;
        for (bool balanced : {true, false}) {
            NewModelRequest request;
            request.configPath = root + "/tiny_config.json";
            request.tokenizerPath = testing::fixtureModel() + "/sentencepiece.bpe.model";
            request.outDir = root + (balanced ? "/init" : "/init-stock");
            request.init.seed = 11;
            request.init.balancedLatentQueries = balanced;
            QVERIFY(createModelFolder(request) > 0);
            auto engine = Engine::load(request.outDir);
            QCOMPARE(engine->summary().vocabSize, std::int64_t(2037));
            const auto w = readAll(request.outDir + "/model.safetensors");
            QCOMPARE(w.at("text_model.model.layers.0.self_attn_layer_norm.weight").min().item<double>(), 1.0);
            QCOMPARE(w.at("text_model.model.layers.0.ffn.fc1.bias").abs().max().item<double>(), 0.0);
            QCOMPARE(w.at("text_model.model.embed_tokens.weight")[1].abs().max().item<double>(), 0.0);   // padding row
            QVERIFY(!w.count("text_model.lm_head.weight"));
            const double textStd = w.at("text_model.model.layers.0.self_attn.q_proj.weight").std().item<double>();
            const double visionStd = w.at("vision_model.model.encoder.layers.0.self_attn.q_proj.weight").std().item<double>();
            const double latentStd = w.at("image_to_text_projection.latent_query").std().item<double>();
            QVERIFY(std::abs(textStd - 0.02) < 0.001);
            QVERIFY(std::abs(visionStd - std::pow(32.0, -0.5) * std::pow(4.0, -0.5)) < 0.01);
            QVERIFY(std::abs(latentStd - 1.0) < 0.05);
            const double denseStd = w.at("image_to_text_projection.dense.weight").std().item<double>();
            const double resamplerQStd = w.at("image_to_text_projection.x_attn.q_proj.weight").std().item<double>();
            const double positionStd =
                w.at("vision_model.model.embeddings.position_embedding.weight").std().item<double>();
            QVERIFY(std::abs(denseStd - (balanced ? 1.0 : 0.02)) < (balanced ? 0.05 : 0.001));
            if (!balanced) QVERIFY(std::abs(resamplerQStd - 0.02) < 0.001);
            // The aligned resampler reads the identity through k_proj (balanced) ...
            const at::Tensor kProj = w.at("image_to_text_projection.x_attn.k_proj.weight");
            if (balanced) QVERIFY(at::allclose(kProj / kProj[0][0], at::eye(256)));
            QVERIFY(std::abs(positionStd - (balanced ? 0.5 : 0.02)) < (balanced ? 0.05 : 0.005));
            QVERIFY(fs::exists(request.outDir + "/tokenizer_config.json"));
            QVERIFY(fs::exists(request.outDir + "/special_tokens_map.json"));

            CheckpointLoadOptions load;
            Kosmos2ForConditionalGeneration model = loadKosmos2(request.outDir, load);
            share.push_back(imageShareOfImageEmbeddings(model, batch.pixelValues));
            if (balanced) checkAlignedStart(model, batch.pixelValues);
            at::manual_seed(5);   // noise: patches unlike each other, as in photographs
            noiseShare.push_back(imageShareOfImageEmbeddings(model, at::randn({2, 3, 224, 224})));
            at::NoGradGuard noGrad;
            const at::Tensor e = model->imageEmbeds(batch.pixelValues);
            change.push_back(((e[0] - e[1]).norm() / e[0].norm()).item<double>());
            // How much the 64 embeddings of one image differ from each other (all alike: no "where").
            spread.push_back(((e[0] - e[0].mean(0, true)).norm() / e[0].norm()).item<double>());
        }
        qInfo("image share of the image embeddings with the fix / the stock init: %.4f / %.4f on drawn shapes, "
              "%.4f / %.4f on noise; relative change between two images %.4f / %.4f; spread of the 64 "
              "embeddings %.4f / %.4f",
              share[0], share[1], noiseShare[0], noiseShare[1], change[0], change[1], spread[0], spread[1]);
        QVERIFY(share[0] > 0.5 && noiseShare[0] > 0.5);
        QVERIFY(spread[0] > 0.3 && spread[0] > 3 * spread[1]);
        QVERIFY(share[0] > 1.5 * share[1]);
        QVERIFY(noiseShare[0] > 5 * noiseShare[1]);
        QVERIFY(change[0] > 1.5 * change[1]);
        NewModelRequest again;
        again.configPath = root + "/tiny_config.json";
        again.tokenizerPath = testing::fixtureModel() + "/sentencepiece.bpe.model";
        again.outDir = root + "/init";
        QVERIFY_THROWS_EXCEPTION(Error, createModelFolder(again));   // no --overwrite
        again.outDir = root + "/data";
        again.overwrite = true;
        QVERIFY_THROWS_EXCEPTION(Error, createModelFolder(again));   // not a model folder: never replaced
    }

    // With 8 x 8 patches (the demo model's 112 px / 14 px) each of the 64 image embeddings starts with the place
    // of its patch written in the location tokens' terms, and the last decoder layer's first head copies places.
    void initWritesPlacesIntoImageEmbeddings() {
        const std::string root = mDir.path().toStdString();
        nlohmann::json config = {
            {"model_type", "kosmos-2"},
            {"latent_query_num", 64},
            {"text_config", {{"embed_dim", 192}, {"layers", 2}, {"ffn_dim", 256}, {"attention_heads", 4}}},
            {"vision_config", {{"hidden_size", 128}, {"intermediate_size", 256}, {"num_hidden_layers", 2},
                               {"num_attention_heads", 4}, {"patch_size", 14}, {"image_size", 112}}}};
        std::ofstream(root + "/places_config.json") << config.dump();
        NewModelRequest request;
        request.configPath = root + "/places_config.json";
        request.tokenizerPath = testing::fixtureModel() + "/sentencepiece.bpe.model";
        request.outDir = root + "/init-places";
        request.init.seed = 3;
        QVERIFY(createModelFolder(request) > 0);
        CheckpointLoadOptions load;
        Kosmos2ForConditionalGeneration model = loadKosmos2(request.outDir, load);
        at::NoGradGuard noGrad;
        const at::Tensor e = model->text_model->model->embed_tokens->weight;
        const Tokenizer tokenizer = Tokenizer::load(testing::fixtureModel());
        const auto location = [&](std::int64_t row, std::int64_t column) {
            return e[tokenizer.patchIndexId(static_cast<int>(row * 32 + column))];
        };
        const auto cosine = [](const at::Tensor& a, const at::Tensor& b) {
            return (a.dot(b) / (a.norm() * b.norm())).item<double>();
        };
        const TrainingBatch batch = makeBatch(mData, 2);   // drawn shapes, resized to 112 px by the model's processor
        at::Tensor pictures = at::upsample_bilinear2d(batch.pixelValues, {112, 112}, false);
        for (const bool blank : {true, false}) {
            const at::Tensor pixels = blank ? at::zeros({1, 3, 112, 112}) : pictures.narrow(0, 0, 1);
            const at::Tensor embeds = model->imageEmbeds(pixels)[0];   // [64, 192]
            double own = 0, away = 0;
            for (std::int64_t i = 0; i < 64; ++i) {
                const std::int64_t pr = i / 8, pc = i % 8;   // query i reads patch i; its centre cell is (4 pr + 2, 4 pc + 2)
                own += cosine(embeds[i], location(4 * pr + 2, 4 * pc + 2)) / 64;
                away += cosine(embeds[i], location((4 * pr + 18) % 32, (4 * pc + 18) % 32)) / 64;
            }
            qInfo("image embeddings against the location token of their patch %.3f, of a far place %.3f", own, away);
            // A picture's content takes part of the embedding (measured: 0.63 blank, 0.16 drawn shapes).
            QVERIFY(own > (blank ? 0.4 : 0.1) && own > away + 0.1);
        }
        auto& copy = model->text_model->model->layerList.back()->self_attn;
        const std::int64_t headDim = 192 / 4;
        const at::Tensor token = location(7, 20);
        const at::Tensor copied = at::matmul(copy->out_proj->weight.narrow(1, 0, headDim),
                                             at::matmul(copy->v_proj->weight.narrow(0, 0, headDim), token));
        qInfo("copy head: a location token's embedding comes out at cosine %.3f", cosine(copied, token));
        QVERIFY(cosine(copied, token) > 0.8);
    }

private:
    // The balanced init's starting points for training from scratch (InitOptions): each latent query reads
    // its own place of the image, and location tokens of neighbouring cells start alike.
    static void checkAlignedStart(Kosmos2ForConditionalGeneration& model, const at::Tensor& drawn) {
        const std::int64_t rows = 257, queries = 64;   // 16 x 16 patches + class token; 8 x 8 queries
        QCOMPARE(alignedImageRow(0, queries, rows), std::int64_t(1 + 1 * 16 + 1));
        QCOMPARE(alignedImageRow(63, queries, rows), std::int64_t(1 + 15 * 16 + 15));
        QCOMPARE(alignedImageRow(9, 64, 65), std::int64_t(10));   // 8 x 8 patches: query i reads patch i
        const auto ownRowShare = [&](const at::Tensor& pixels) {
            const at::Tensor attention = resamplerAttention(model, pixels).mean(1);   // [B, Q, rows + Q]
            const at::Tensor best = attention.argmax(-1);
            double hits = 0;
            for (std::int64_t b = 0; b < best.size(0); ++b)
                for (std::int64_t i = 0; i < queries; ++i)
                    hits += best[b][i].item<std::int64_t>() == alignedImageRow(i, queries, rows);
            return hits / static_cast<double>(best.size(0) * queries);
        };
        const double blank = ownRowShare(at::zeros({1, 3, 224, 224}));
        const double shapes = ownRowShare(drawn);
        qInfo("aligned resampler: the query's own patch is its most attended row for %.2f of the queries on a "
              "blank picture, %.2f on drawn shapes", blank, shapes);
        QCOMPARE(blank, 1.0);
        QVERIFY(shapes > 0.7);

        const at::Tensor e = model->text_model->model->embed_tokens->weight;
        const Tokenizer tokenizer = Tokenizer::load(testing::fixtureModel());
        const auto location = [&](int row, int column) { return e[tokenizer.patchIndexId(row * 32 + column)]; };
        const auto cosine = [](const at::Tensor& a, const at::Tensor& b) {
            return (a.dot(b) / (a.norm() * b.norm())).item<double>();
        };
        const double near = cosine(location(10, 10), location(10, 11)), far = cosine(location(10, 10), location(26, 3));
        const double word = cosine(location(10, 10), e[tokenizer.tokenToId("<phrase>")]);
        qInfo("location embeddings: cosine to the next cell %.3f, to a far cell %.3f, to <phrase> %.3f", near, far, word);
        QVERIFY(near > 0.5 && near > far + 0.4 && std::abs(word) < 0.3);

    }
};

QTEST_GUILESS_MAIN(TestTrainingLoop)
#include "test_training_loop.moc"
