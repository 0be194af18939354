// One test per crash the fuzzers found (fuzz/RESULTS.md), stating what the fixed parser now does with the
// input that crashed it. The inputs themselves are in fuzz/regressions/<target>/ (replayed by test_fuzz_replay).
#include "model/engine/config.h"
#include "model/error.h"

#include <QtTest>

using namespace kosmos;

namespace {

QString errorOf(const std::function<void()>& work) {
    try {
        work();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        return QStringLiteral("NOT A kosmos::Error: ") + QString::fromStdString(e.what());
    }
    return {};
}

const char* kVision = R"("vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                          "num_attention_heads": 4, "image_size": 224, "patch_size": 14})";

std::string configWithText(const std::string& textConfig) {
    return std::string("{") + kVision + R"(, "text_config": {)" + textConfig + "}}";
}

} // namespace

class TestParserRegressions : public QObject {
    Q_OBJECT

private slots:
    // fuzz_config: a number too large for a double ("1e309") made nlohmann throw out_of_range, which
    // escaped parseConfig as a foreign exception instead of a one-line kosmos::Error.
    void configNumberOverflowIsAnError() {
        const QString error = errorOf([] { parseConfig(R"({"model_type":1e309, "text_config": {}})", "config.json"); });
        QVERIFY2(error.startsWith(QStringLiteral("config.json: invalid JSON")), qPrintable(error));
        GenerationDefaults g;
        const QString generation = errorOf([&] { applyGenerationConfig(g, R"({"top_k": 1e400})", "generation_config.json"); });
        QVERIFY2(generation.startsWith(QStringLiteral("generation_config.json: invalid JSON")), qPrintable(generation));
    }

    // fuzz_config (UBSan): an integer field given as a float outside int's range was converted with a plain
    // cast, undefined behaviour; now integers must be integers in range.
    void configIntegerFieldsAreCheckedIntegers() {
        const auto config = [](const std::string& hiddenSize) {
            return std::string(R"({"text_config": {}, "vision_config": {"hidden_size": )") + hiddenSize + "}}";
        };
        QString error = errorOf([&] { parseConfig(config("1e300"), "config.json"); });
        QVERIFY2(error.contains(QStringLiteral("vision_config.hidden_size: must be an integer in range, got 1e+300")),
                 qPrintable(error));
        error = errorOf([&] { parseConfig(config("2.5"), "config.json"); });
        QVERIFY2(error.contains(QStringLiteral("must be an integer in range, got 2.5")), qPrintable(error));
        error = errorOf([&] { parseConfig(config("4294967328"), "config.json"); });   // 2^32 + 32: no wrap-around
        QVERIFY2(error.contains(QStringLiteral("must be an integer in range")), qPrintable(error));
        // An integral float is read as the integer (some writers produce 32.0).
        QCOMPARE(parseConfig(config("64.0"), "config.json").vision.hiddenSize, 64);
        error = errorOf([&] { parseConfig(configWithText(R"("vocab_size": -1e300)"), "config.json"); });
        QVERIFY2(error.contains(QStringLiteral("text_config.vocab_size: must be an integer in range")), qPrintable(error));

        GenerationDefaults g;
        error = errorOf([&] { applyGenerationConfig(g, R"({"eos_token_id": [2, 1e300]})", "generation_config.json"); });
        QVERIFY2(error.contains(QStringLiteral("eos_token_id: must be an integer or a list of integers")), qPrintable(error));
        applyGenerationConfig(g, R"({"eos_token_id": [2.0, 7], "max_new_tokens": 30.0})", "generation_config.json");
        QCOMPARE(g.eosTokenIds, (std::vector<std::int64_t>{2, 7}));
        QCOMPARE(g.maxNewTokens, 30);
    }
};

QTEST_GUILESS_MAIN(TestParserRegressions)
#include "test_parser_regressions.moc"
