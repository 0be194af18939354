// One test per crash the fuzzers found (fuzz/RESULTS.md), stating what the fixed parser now does with the
// input that crashed it. The inputs themselves are in fuzz/regressions/<target>/ (replayed by test_fuzz_replay).
#include "core/grit_codec.h"
#include "core/grit_import.h"
#include "core/media/image_io.h"
#include "core/store.h"
#include "model/engine/config.h"
#include "model/error.h"

#include "error_text.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace kosmos;
using namespace kosmos::store;
using kosmos::reliability::errorOf;

namespace {

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

    // fuzz_grit_record: the record scanner read a number too large for a double ("0.1e3091") as infinity,
    // while the document parser refuses it; records passed the scanner whose unknown fields could then not be
    // parsed again. Now the scanner refuses it too, and both parsers agree.
    void gritNumberOverflowIsInvalidJson() {
        const std::string record = R"({"key":"a","caption":"a red circle","score":1e999})";
        Sample sample;
        std::optional<std::string> image;
        const std::string problem = decodeGritText(record, sample, image);
        QCOMPARE(problem, std::string("invalid JSON: number out of range at byte 44"));
        GritJson json;
        QCOMPARE(parseJsonRecord(record, json), std::string("invalid JSON: number out of range at byte 44"));
        // Too small reads as zero, as the document parser reads it.
        QCOMPARE(decodeGritText(R"({"key":"a","caption":"a","score":1e-999,"x":-2e-400})", sample, image), std::string());
        QCOMPARE(parseJsonRecord(R"({"score":1e-999})", json), std::string());
        // A long mantissa makes a negative exponent huge, not tiny.
        const std::string huge = R"({"key":"a","caption":"a","n":1)" + std::string(400, '0') + "e-10}";
        QVERIFY(decodeGritText(huge, sample, image).find("number out of range") != std::string::npos);
    }

    // fuzz_grit_record, consequence in the import: an img2dataset record with such a number and its caption in
    // the .txt beside it made the caption fallback index a discarded document, and the exception ended the
    // whole import. Now the record is rejected and the import goes on.
    void img2datasetCaptionFallbackRejectsInsteadOfThrowing() {
        QTemporaryDir dir;
        const std::string shard = dir.filePath("00000").toStdString();
        std::filesystem::create_directories(shard);
        const auto write = [&](const std::string& name, const std::string& text) {
            std::ofstream(shard + "/" + name, std::ios::binary) << text;
        };
        std::ifstream png(std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny/images/checker_224x224.png", std::ios::binary);
        const std::string pngBytes((std::istreambuf_iterator<char>(png)), std::istreambuf_iterator<char>());
        write("000000001.png", pngBytes);
        write("000000002.png", pngBytes);
        write("000000001.json", R"({"key":"bad","score":1e999})");
        write("000000001.txt", "a red circle");
        // fuzz_img2dataset (caption-not-utf8): a caption file that is not UTF-8 threw out of the import while the
        // record was written back as JSON; now it is rejected by name.
        write("000000003.png", pngBytes);
        write("000000003.json", R"({"key":"latin1"})");
        write("000000003.txt", "a r\xE9" "d circle \xFF");
        write("000000002.json", R"({"key":"good"})");
        write("000000002.txt", "a blue square");
        AnnotationStore store(":memory:");
        std::vector<ImportIssue> issues;
        ImportOptions options;
        options.onIssue = [&](const ImportIssue& issue) { issues.push_back(issue); };
        ImportSummary summary;
        const QString error = errorOf([&] { summary = importSources(store, {dir.path().toStdString()}, options); });
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(summary.imported, std::int64_t(1));
        QCOMPARE(summary.rejected, std::int64_t(2));
        QCOMPARE(int(issues.size()), 2);
        QCOMPARE(issues[0].reason, RejectReason::InvalidJson);
        QVERIFY2(issues[0].message.find("number out of range") != std::string::npos, issues[0].message.c_str());
        QVERIFY2(issues[1].message.find("the caption file is not valid UTF-8") != std::string::npos,
                 issues[1].message.c_str());
    }

    // fuzz_image (tiff-repeated-width-tag.tif): a TIFF directory with ImageWidth twice (12, then 2). The probe
    // took the last, the decoder the first, so the pixel bound checked before decoding was not the decoded
    // image's. A repeated size tag is now refused before any pixel is decoded.
    void tiffRepeatedSizeTagIsRefused() {
        const std::string path = std::string(KOSMOS_FUZZ_DIR) + "/regressions/image/tiff-repeated-width-tag.tif";
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QCOMPARE(bytes.size(), std::size_t(532));
        const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
        QString error = errorOf([&] { probeImageBytes(data, bytes.size(), "tiff-repeated-width-tag.tif"); });
        QVERIFY2(error.contains("repeats ImageWidth or ImageLength"), qPrintable(error));
        error = errorOf([&] { loadImageBytes(data, bytes.size(), "tiff-repeated-width-tag.tif", ImageLoadLimits{}); });
        QVERIFY2(error.contains("tiff-repeated-width-tag.tif"), qPrintable(error));
    }

    // fuzz_image (pnm-comment-after-number.pgm, 32 bytes): "P5\n2# 9\"\n25...". The format makes it 2 x 25 (a
    // comment may follow a number directly); OpenCV's decoder swallows the byte after a number, so to it the
    // comment's text is the height: 2 x 9. A header read two ways is refused, since the pixel bound checked
    // before decoding must be the decoded image's ("60000#60000" would be 60000 x 1 to the probe and
    // 60000 x 60000 to the decoder). Comments end at a carriage return too, as in the decoder.
    void pnmHeaderReadTwoWaysIsRefused() {
        const std::string path = std::string(KOSMOS_FUZZ_DIR) + "/regressions/image/pnm-comment-after-number.pgm";
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QCOMPARE(bytes.size(), std::size_t(32));
        auto probeError = [](const std::string& file) {
            return errorOf([&] {
                probeImageBytes(reinterpret_cast<const std::uint8_t*>(file.data()), file.size(), "header.pgm");
            });
        };
        auto loadError = [](const std::string& file) {
            return errorOf([&] {
                loadImageBytes(reinterpret_cast<const std::uint8_t*>(file.data()), file.size(), "header.pgm",
                               ImageLoadLimits{});
            });
        };
        QString error = probeError(bytes);
        QVERIFY2(error.contains("comment right after a number"), qPrintable(error));
        QVERIFY2(loadError(bytes).contains("header.pgm"), qPrintable(loadError(bytes)));
        const std::string bomb = std::string("P5 60000#60000\n1 255\n") + std::string(16, '\x7f');
        QVERIFY2(probeError(bomb).contains("comment right after a number"), qPrintable(probeError(bomb)));
        QVERIFY(!loadError(bomb).isEmpty());
        // Comments on their own line, ended by a newline or a carriage return, are read alike by both.
        for (const std::string& header : {std::string("P5\n# made by hand\n3 2\n255\n"), std::string("P5\n#\r3 2\n255\n")}) {
            const std::string file = header + std::string(6, '\x40');
            const auto* data = reinterpret_cast<const std::uint8_t*>(file.data());
            const ImageHeader probed = probeImageBytes(data, file.size(), "ok.pgm");
            QCOMPARE(probed.width, 3);
            QCOMPARE(probed.height, 2);
            const ImageU8 image = loadImageBytes(data, file.size(), "ok.pgm", ImageLoadLimits{});
            QCOMPARE(image.width, 3);
            QCOMPARE(image.height, 2);
        }
    }

    // fuzz_grit_record: a record repeating a field ("id": 3, later "id": 111.0e+2) decoded to the first id
    // plus the second kept as an unknown field, while the parsed document kept only the second: the two
    // decoders disagreed and an export dropped one of the values. Repeated fields are now refused by both.
    void gritRepeatedFieldsAreRefused() {
        Sample sample;
        std::optional<std::string> image;
        QCOMPARE(decodeGritText(R"({"key":"a","id":3,"caption":"a red circle","id":111.0e+2})", sample, image),
                 std::string("duplicate field 'id'"));
        QCOMPARE(decodeGritText(R"({"key":"a","caption":"x","noun_chunks":[[0,1,0,0,1,1,1]],"noun_chunks":null})",
                                sample, image),
                 std::string("duplicate field 'noun_chunks'"));
        // Escapes do not hide a repetition: "k\u0065y" is "key".
        QCOMPARE(decodeGritText(R"({"key":"a","k\u0065y":"b","caption":"x"})", sample, image),
                 std::string("duplicate field 'key'"));
        GritJson json;
        QCOMPARE(parseJsonRecord(R"({"key":"a","id":3,"id":4})", json), std::string("duplicate field 'id'"));
        // The empty name repeated (fuzz_grit_record, duplicate-empty-field.json): refused by both, as any other.
        QCOMPARE(parseJsonRecord(R"({"key":"a","":"","caption":"x","":""})", json), std::string("duplicate field ''"));
        QCOMPARE(decodeGritText(R"({"key":"a","":"","caption":"x","":""})", sample, image),
                 std::string("duplicate field ''"));
        // Repeated names inside a value are not fields of the record.
        QCOMPARE(parseJsonRecord(R"({"key":"a","extra":{"id":1},"id":2})", json), std::string());
        QCOMPARE(decodeGritText(R"({"key":"a","caption":"x","extra":{"id":1},"id":2})", sample, image), std::string());
        QCOMPARE(sample.gritId, std::optional<std::int64_t>(2));
    }
};

QTEST_GUILESS_MAIN(TestParserRegressions)
#include "test_parser_regressions.moc"
