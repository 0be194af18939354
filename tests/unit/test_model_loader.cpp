// Broken checkpoints get one clear error naming the file, tensor and reason.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch's headers.
#include <ATen/ATen.h>
#include <filesystem>
#include <fstream>

#include "model/engine/checkpoint.h"
#include "model/engine/config.h"
#include "model/engine/engine.h"
#include "model/engine/kosmos2_loader.h"
#include "model/engine/random_init.h"
#include "model/error.h"

#include <QtTest>

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
namespace fs = std::filesystem;

namespace {

std::string fixtureDir() { return std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny"; }

std::map<std::string, at::Tensor> fixtureWeights() {
    const SafetensorsFile file = SafetensorsFile::open(fixtureDir() + "/model.safetensors");
    std::map<std::string, at::Tensor> out;
    for (const auto& info : file.tensors()) out[info.name] = mappedTensor(file, info).clone();
    return out;
}

// A copy of the fixture folder whose weights are `weights`.
std::string makeModel(const QTemporaryDir& dir, const std::map<std::string, at::Tensor>& weights) {
    const std::string path = dir.path().toStdString();
    for (const auto& entry : fs::directory_iterator(fixtureDir()))
        if (entry.is_regular_file() && entry.path().filename() != "model.safetensors")
            fs::copy_file(entry.path(), path + "/" + entry.path().filename().string(), fs::copy_options::overwrite_existing);
    saveTensors(path + "/model.safetensors", weights);
    return path;
}

QString loadError(const std::string& dir) {
    try {
        Engine::load(dir);
    } catch (const kosmos::Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestModelLoader : public QObject {
    Q_OBJECT

private slots:
    void fixtureLoadsAndTiesLmHead() {
        CheckpointLoadOptions options;
        auto model = loadKosmos2(fixtureDir(), options);
        QVERIFY(model->text_model->lm_head->weight.data_ptr() == model->text_model->model->embed_tokens->weight.data_ptr());
        std::set<std::string> names;
        for (const auto& p : model->named_parameters()) names.insert(p.key());
        const SafetensorsFile file = SafetensorsFile::open(fixtureDir() + "/model.safetensors");
        for (const auto& info : file.tensors()) QVERIFY2(names.count(info.name), info.name.c_str());
        QCOMPARE(names.size(), file.tensors().size() + 1);   // + the tied lm_head
    }

    void halfPrecisionFileLoadsIntoFloatModel() {
        QTemporaryDir dir;
        auto weights = fixtureWeights();
        for (auto& [name, t] : weights) t = t.to(at::kBFloat16);
        const std::string path = makeModel(dir, weights);
        CheckpointLoadOptions options;
        auto model = loadKosmos2(path, options);
        QCOMPARE(model->text_model->model->layer_norm->weight.scalar_type(), at::kFloat);
        auto original = fixtureWeights();
        const double diff =
            (model->text_model->model->layer_norm->weight - original["text_model.model.layer_norm.weight"]).abs().max().item<double>();
        QVERIFY(diff < 1e-2);
    }

    void missingTensor() {
        QTemporaryDir dir;
        auto weights = fixtureWeights();
        weights.erase("text_model.model.layers.1.ffn.fc2.weight");
        const QString error = loadError(makeModel(dir, weights));
        QVERIFY2(error.contains(QStringLiteral("'text_model.model.layers.1.ffn.fc2.weight' is missing")), qPrintable(error));
    }

    void wrongShape() {
        QTemporaryDir dir;
        auto weights = fixtureWeights();
        weights["image_to_text_projection.latent_query"] = at::zeros({63, 64});
        const QString error = loadError(makeModel(dir, weights));
        QVERIFY2(error.contains(QStringLiteral("model.safetensors: tensor 'image_to_text_projection.latent_query' has shape [63, 64], expected [64, 64]")),
                 qPrintable(error));
    }

    void wrongDtype() {
        QTemporaryDir dir;
        auto weights = fixtureWeights();
        weights["vision_model.model.post_layernorm.bias"] = at::zeros({32}, at::kLong);
        const QString error = loadError(makeModel(dir, weights));
        QVERIFY2(error.contains(QStringLiteral("has dtype I64")), qPrintable(error));
    }

    void unexpectedTensor() {
        QTemporaryDir dir;
        auto weights = fixtureWeights();
        weights["text_model.model.layers.2.extra"] = at::zeros({2});
        const QString error = loadError(makeModel(dir, weights));
        QVERIFY2(error.contains(QStringLiteral("unexpected tensor 'text_model.model.layers.2.extra'")), qPrintable(error));
    }

    void truncatedFile() {
        QTemporaryDir dir;
        const std::string path = makeModel(dir, fixtureWeights());
        fs::resize_file(path + "/model.safetensors", fs::file_size(path + "/model.safetensors") / 2);
        const QString error = loadError(path);
        QVERIFY2(error.contains(QStringLiteral("model.safetensors")), qPrintable(error));
    }

    void hugeHeaderLength() {
        QTemporaryDir dir;
        const std::string path = makeModel(dir, fixtureWeights());
        std::ofstream out(path + "/model.safetensors", std::ios::binary | std::ios::trunc);
        const std::uint64_t length = ~0ull >> 1;
        out.write(reinterpret_cast<const char*>(&length), 8);
        out << "{}";
        out.close();
        const QString error = loadError(path);
        QVERIFY2(error.contains(QStringLiteral("model.safetensors")) && error.contains(QStringLiteral("header")),
                 qPrintable(error));
    }

    void badConfigJson() {
        QTemporaryDir dir;
        const std::string path = makeModel(dir, fixtureWeights());
        std::ofstream(path + "/config.json", std::ios::trunc) << "{\"text_config\": {\"embed_dim\": ";
        const QString error = loadError(path);
        QVERIFY2(error.contains(QStringLiteral("config.json: invalid JSON")), qPrintable(error));
    }

    void impossibleConfigValue() {
        QVERIFY(throwsError([&] { parseConfig(R"({"text_config": {"embed_dim": 63, "attention_heads": 4}, "vision_config": {}})", "config.json"); }));
        try {
            parseConfig(R"({"text_config": {"layers": -2}, "vision_config": {}})", "config.json");
            QFAIL("accepted negative layers");
        } catch (const kosmos::Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("text_config.layers")), e.what());
        }
        try {
            parseConfig(R"({"text_config": {}})", "config.json");
            QFAIL("accepted a config without vision_config");
        } catch (const kosmos::Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("vision_config")), e.what());
        }
    }

    // The estimate that guards new random models against configs too big for the machine counts what a
    // loaded model holds (its tied lm_head as a parameter of its own), and a config of plausible sizes but
    // 10^12 weights is refused.
    void parameterEstimateAndMemoryGuard() {
        CheckpointLoadOptions options;
        auto model = loadKosmos2(fixtureDir(), options);
        double counted = 0;
        for (const auto& p : model->parameters()) counted += static_cast<double>(p.numel());
        const KosmosConfig config = loadConfig(fixtureDir());
        QCOMPARE(parameterEstimate(config), counted);
        KosmosConfig huge = config;
        huge.text.layers = 1024;
        huge.text.embedDim = 8192;
        huge.text.ffnDim = 32768;
        huge.text.attentionHeads = 64;
        try {
            requireMemoryForNewModel(huge, "big/config.json");
            QFAIL("accepted a model of about 10^12 weights");
        } catch (const kosmos::Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("big/config.json: describes a model of about")),
                     e.what());
        }
        requireMemoryForNewModel(config, "config.json");
    }

    void missingFolder() {
        const QString error = loadError("/nonexistent/model");
        QVERIFY2(error.contains(QStringLiteral("/nonexistent/model/config.json")), qPrintable(error));
    }

    void generationConfigDefaults() {
        const KosmosConfig config = loadConfig(fixtureDir());
        QCOMPARE(config.generation.eosTokenIds, std::vector<std::int64_t>{2});
        QCOMPARE(config.generation.noRepeatNgramSize, 0);
        GenerationDefaults g;
        applyGenerationConfig(g, R"({"no_repeat_ngram_size": 3, "eos_token_id": [2, 7], "max_new_tokens": 64})", "g.json");
        QCOMPARE(g.noRepeatNgramSize, 3);
        QCOMPARE(g.maxNewTokens, 64);
        QCOMPARE(g.eosTokenIds, (std::vector<std::int64_t>{2, 7}));
    }
};

QTEST_GUILESS_MAIN(TestModelLoader)
#include "test_model_loader.moc"
