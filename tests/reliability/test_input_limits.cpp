// Every bound of model/input_limits.h, checked where it applies: the reader's default is the stated value,
// input at the bound is accepted, one past it is refused with a message naming the limit, and nothing of
// the refused input is allocated first (sparse files stand for the huge ones).
#include "core/grit_codec.h"
#include "core/grit_import.h"
#include "core/image_probe.h"
#include "core/media/image_io.h"
#include "core/store.h"
#include "model/engine/config.h"
#include "model/error.h"
#include "model/input_limits.h"
#include "model/processor.h"
#include "model/safetensors.h"
#include "model/spm_loader.h"
#include "model/tokenizer.h"
#include "model/tokens.h"

#include "error_text.h"
#include "reliability_support.h"
#include "../unit/test_store_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

using namespace kosmos;
using namespace kosmos::reliability;

namespace {

// A safetensors file of `tensors` one-byte U8 tensors of shape [1] and `rank` dimensions for the first.
std::string safetensorsBytes(int tensors, int rank = 1, std::size_t padTo = 0) {
    nlohmann::json header = nlohmann::json::object();
    std::string data;
    for (int i = 0; i < tensors; ++i) {
        std::vector<int> shape(static_cast<std::size_t>(i == 0 ? rank : 1), 1);
        header["t" + std::to_string(i)] = {{"dtype", "U8"}, {"shape", shape}, {"data_offsets", {i, i + 1}}};
        data.push_back(static_cast<char>(i));
    }
    std::string text = header.dump();
    if (text.size() < padTo) text.append(padTo - text.size(), ' ');
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((std::uint64_t(text.size()) >> (8 * i)) & 0xFF);
    return out + text + data;
}

std::uint32_t crc32(const std::string& bytes) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char b : bytes) {
        crc ^= b;
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string pngChunk(const std::string& type, const std::string& body) {
    return be32(static_cast<std::uint32_t>(body.size())) + type + body + be32(crc32(type + body));
}

// A PNG whose header declares width x height (8-bit grey) and that has no pixel data.
std::string pngHeaderOnly(std::uint32_t width, std::uint32_t height) {
    const std::string ihdr = be32(width) + be32(height) + std::string("\x08\x00\x00\x00\x00", 5);
    return std::string("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + pngChunk("IEND", "");
}

void sparseFile(const std::string& path, std::uint64_t size) {
    writeFile(path, "");
    QCOMPARE(::truncate(path.c_str(), static_cast<off_t>(size)), 0);
}

} // namespace

class TestInputLimits : public QObject {
    Q_OBJECT

private slots:
    void defaultsAreTheStatedLimits() {
        const SafetensorsLimits st;
        QCOMPARE(st.maxHeaderBytes, limits::kMaxSafetensorsHeaderBytes);
        QCOMPARE(st.maxTensors, limits::kMaxSafetensorsTensors);
        QCOMPARE(st.maxRank, limits::kMaxTensorRank);
        QCOMPARE(st.maxIndexBytes, limits::kMaxSafetensorsIndexBytes);
        QCOMPARE(spm_abi::kMaxModelBytes, limits::kMaxSentencePieceModelBytes);
        QCOMPARE(kMaxPromptBytes, limits::kMaxPromptBytes);
        QCOMPARE(ProcessorOptions{}.maxTokens, limits::kMaxPromptTokens);
        const ImageLoadLimits image;
        QCOMPARE(image.maxPixels, limits::kMaxImagePixels);
        QCOMPARE(image.maxFileBytes, limits::kMaxImageFileBytes);
        const store::SourceLimits source;
        QCOMPARE(source.maxRecordBytes, limits::kMaxRecordBytes);
        QCOMPARE(source.maxImageBytes, limits::kMaxShardImageBytes);
        QCOMPARE(source.maxTextBytes, limits::kMaxCaptionFileBytes);
        QCOMPARE(store::kMaxJsonDepth, limits::kMaxJsonDepth);
        QCOMPARE(store::kMaxEntriesPerList, limits::kMaxEntitiesPerList);
    }

    void safetensorsHeaderBytes() {
        // The declared length is checked before anything is read: a 100 MiB + 1 claim in a small file.
        std::string bytes = safetensorsBytes(1);
        const std::uint64_t claimed = limits::kMaxSafetensorsHeaderBytes + 1;
        for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>((claimed >> (8 * i)) & 0xFF);
        const std::string path = mDir.filePath("big-header.safetensors").toStdString();
        writeFile(path, bytes);
        const QString error = errorOf([&] { SafetensorsFile::open(path); });
        QVERIFY2(error.contains(QStringLiteral("exceeds the limit of 104857600 bytes")), qPrintable(error));
        // The mechanism at a small bound: N header bytes pass, N + 1 do not.
        const std::string exact = safetensorsBytes(1, 1, 120);
        writeFile(path, exact);
        SafetensorsLimits small;
        small.maxHeaderBytes = 120;
        QVERIFY(errorOf([&] { SafetensorsFile::open(path, small); }).isEmpty());
        small.maxHeaderBytes = 119;
        QVERIFY(errorOf([&] { SafetensorsFile::open(path, small); }).contains(QStringLiteral("exceeds the limit of 119")));
    }

    void safetensorsTensorCountAndRank() {
        const std::string path = mDir.filePath("count.safetensors").toStdString();
        writeFile(path, safetensorsBytes(4));
        SafetensorsLimits small;
        small.maxTensors = 4;
        QVERIFY(errorOf([&] { SafetensorsFile::open(path, small); }).isEmpty());
        small.maxTensors = 3;
        QVERIFY(errorOf([&] { SafetensorsFile::open(path, small); }).contains(QStringLiteral("more than 3 tensors")));

        writeFile(path, safetensorsBytes(1, static_cast<int>(limits::kMaxTensorRank)));
        QVERIFY(errorOf([&] { SafetensorsFile::open(path); }).isEmpty());
        writeFile(path, safetensorsBytes(1, static_cast<int>(limits::kMaxTensorRank) + 1));
        QVERIFY(errorOf([&] { SafetensorsFile::open(path); }).contains(QStringLiteral("more than 8 dimensions")));
    }

    void safetensorsTensorSizes() {
        // A tensor's size follows from its shape, must fit in 64 bits and lie inside the file.
        const std::string path = mDir.filePath("sizes.safetensors").toStdString();
        const auto withTensor = [&](const nlohmann::json& tensor) {
            const std::string text = nlohmann::json{{"t", tensor}}.dump();
            std::string out(8, '\0');
            for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((std::uint64_t(text.size()) >> (8 * i)) & 0xFF);
            writeFile(path, out + text + std::string(16, '\0'));
            return errorOf([&] { SafetensorsFile::open(path); });
        };
        QVERIFY(withTensor({{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {0, 16}}}).isEmpty());
        QVERIFY(withTensor({{"dtype", "F32"}, {"shape", {5}}, {"data_offsets", {0, 20}}}).contains(QStringLiteral("outside the data section")));
        const QString overflow = withTensor({{"dtype", "F64"}, {"shape", {std::int64_t(1) << 40, std::int64_t(1) << 30}},
                                             {"data_offsets", {0, 16}}});
        QVERIFY2(overflow.contains(QStringLiteral("too large")), qPrintable(overflow));
        QVERIFY(withTensor({{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 16}}}).contains(QStringLiteral("do not match shape")));
    }

    void safetensorsIndexBytes() {
        const std::string dir = mDir.filePath("sharded").toStdString();
        std::filesystem::create_directories(dir);
        sparseFile(dir + "/model.safetensors.index.json", limits::kMaxSafetensorsIndexBytes + 1);
        const QString error = errorOf([&] { SafetensorsCheckpoint::open(dir); });
        QVERIFY2(error.contains(QStringLiteral("at most 16777216 bytes")), qPrintable(error));
    }

    void configBytes() {
        const std::string dir = mDir.filePath("config").toStdString();
        std::filesystem::create_directories(dir);
        sparseFile(dir + "/config.json", limits::kMaxConfigBytes + 1);
        const QString error = errorOf([&] { loadConfig(dir); });
        QVERIFY2(error.contains(QStringLiteral("16777217 bytes is too large")), qPrintable(error));
        // At the bound: the fixture's config padded with spaces to exactly 16 MiB reads.
        std::string text = readFile(std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny/config.json");
        text.append(limits::kMaxConfigBytes - text.size(), ' ');
        writeFile(dir + "/config.json", text);
        QVERIFY(errorOf([&] { loadConfig(dir); }).isEmpty());
    }

    void sentencePieceModelBytes() {
        const std::string path = mDir.filePath("huge.model").toStdString();
        sparseFile(path, limits::kMaxSentencePieceModelBytes + 1);
        const QString error = errorOf([&] { Tokenizer::load(path); });
        QVERIFY2(error.contains(QStringLiteral("more than the 268435456 allowed")), qPrintable(error));
    }

    void promptBytes() {
        const std::string atLimit(limits::kMaxPromptBytes, 'a');
        QVERIFY(errorOf([&] { preprocessPrompt(atLimit); }).isEmpty());
        const QString error = errorOf([&] { preprocessPrompt(atLimit + "a"); });
        QVERIFY2(error.contains(QStringLiteral("1048577 bytes, more than the 1048576")), qPrintable(error));
    }

    void promptTokens() {
        // <s> <image> 64 slots </image> = 67 ids, then one id per <grounding>.
        const Tokenizer tokenizer = Tokenizer::load(std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny");
        std::string prompt;
        for (std::size_t i = 0; i < limits::kMaxPromptTokens - 67; ++i) prompt += tokens::kGrounding;
        const ProcessedText ok = processPrompt(tokenizer, prompt);
        QCOMPARE(ok.inputIds.size(), limits::kMaxPromptTokens);
        const QString error = errorOf([&] { processPrompt(tokenizer, prompt + tokens::kGrounding); });
        QVERIFY2(error.contains(QStringLiteral("2049 tokens, more than the limit of 2048")), qPrintable(error));
    }

    // libpng allocates what a chunk declares before reading it: a 2 GiB text chunk in a file of a few bytes is
    // refused from the chunk lengths, before the decoder sees it.
    void pngChunkLongerThanTheFile() {
        std::string png = pngHeaderOnly(4, 4);
        png.resize(png.size() - 12);   // without IEND
        png += be32(0x7fffffffu) + "tEXt" + "comment";
        const QString error = errorOf([&] { loadImageBytes(png.data(), png.size(), "chunk.png"); });
        QVERIFY2(error.contains(QStringLiteral("chunk.png: truncated or corrupt (PNG chunk 'tEXt' at byte 33 declares "
                                               "2147483647 bytes")),
                 qPrintable(error));
    }

    void imagePixels() {
        // 8192 x 8192 is the bound: it passes the header check and fails only in the decoder (no data);
        // one more column is refused from the header, before any pixel is decoded.
        const std::string atLimit = pngHeaderOnly(8192, 8192);
        QCOMPARE(std::uint64_t(8192) * 8192, limits::kMaxImagePixels);
        const QString decodeError = errorOf([&] { loadImageBytes(atLimit.data(), atLimit.size(), "at-limit.png"); });
        QVERIFY2(decodeError.contains(QStringLiteral("truncated or corrupt")), qPrintable(decodeError));
        const std::string over = pngHeaderOnly(8193, 8192);
        const QString error = errorOf([&] { loadImageBytes(over.data(), over.size(), "bomb.png"); });
        QVERIFY2(error.contains(QStringLiteral("too large (8193 x 8192 > 67108864 pixels)")), qPrintable(error));

        // A real decompression bomb: a valid PNG of 8193 x 8192 black pixels (about 70 KB compressed).
        ImageU8 black;
        black.width = 8193;
        black.height = 8192;
        black.channels = 1;
        black.pixels.assign(std::size_t(8193) * 8192, 0);
        const std::vector<std::uint8_t> bomb = encodeImagePng(black);
        black.pixels = {};
        QVERIFY(bomb.size() < (1u << 20));
        const QString bombError = errorOf([&] { loadImageBytes(bomb, "bomb.png"); });
        QVERIFY2(bombError.contains(QStringLiteral("too large (8193 x 8192")), qPrintable(bombError));
    }

    void imageFileBytes() {
        const std::string path = mDir.filePath("huge.png").toStdString();
        sparseFile(path, limits::kMaxImageFileBytes + 1);
        const QString error = errorOf([&] { loadImageFile(path); });
        QVERIFY2(error.contains(QStringLiteral("too large (536870913 bytes > 536870912)")), qPrintable(error));
    }

    void importProbeImageSide() {
        store::ImageProbe probe;
        QVERIFY(store::probeImageBytes(pngHeaderOnly(limits::kMaxImageSide, 1), probe).empty());
        QCOMPARE(probe.width, limits::kMaxImageSide);
        const std::string problem = store::probeImageBytes(pngHeaderOnly(limits::kMaxImageSide + 1, 1), probe);
        QVERIFY2(problem.find("impossible size") != std::string::npos, problem.c_str());
    }

    void jpegSegments() {
        // SOI, then N comment segments, then a frame and a scan.
        const auto jpeg = [](int comments) {
            std::string bytes("\xFF\xD8", 2);
            for (int i = 0; i < comments; ++i) bytes += std::string("\xFF\xFE\x00\x02", 4);
            bytes += std::string("\xFF\xC0\x00\x0B\x08\x00\x10\x00\x10\x01\x01\x11\x00", 13);
            bytes += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10) + std::string(8, '\0') + "\xFF\xD9";
            return bytes;
        };
        store::ImageProbe probe;
        // The frame and the scan are segments too.
        QVERIFY(store::probeImageBytes(jpeg(limits::kMaxJpegSegments - 2), probe).empty());
        const std::string problem = store::probeImageBytes(jpeg(limits::kMaxJpegSegments - 1), probe);
        QVERIFY2(problem.find("too many segments") != std::string::npos, problem.c_str());
    }

    void recordBytes() {
        // A JSONL line of exactly the bound is read; one byte more is reported as too large.
        nlohmann::json record = store_test::gritRecord("at-limit");
        record["noun_chunks"] = nlohmann::json::array();
        record["ref_exps"] = nlohmann::json::array();
        std::string line = record.dump();
        line.append(limits::kMaxRecordBytes - line.size(), ' ');   // white space after the value is allowed
        QCOMPARE(line.size(), limits::kMaxRecordBytes);
        nlohmann::json over = record;
        over["key"] = "over-limit";
        std::string overLine = over.dump();
        overLine.append(limits::kMaxRecordBytes + 1 - overLine.size(), ' ');
        const std::string path = mDir.filePath("records.jsonl").toStdString();
        writeFile(path, line + "\n" + overLine + "\n");
        store::AnnotationStore db(":memory:");
        std::vector<store::ImportIssue> issues;
        store::ImportOptions options;
        options.onIssue = [&](const store::ImportIssue& issue) { issues.push_back(issue); };
        const store::ImportSummary summary = store::importSources(db, {path}, options);
        QCOMPARE(summary.imported, std::int64_t(1));
        QCOMPARE(summary.rejected, std::int64_t(1));
        QCOMPARE(int(issues.size()), 1);
        QCOMPARE(issues[0].reason, store::RejectReason::TooLarge);
        QCOMPARE(issues[0].location, std::string("line 2"));
    }

    void shardMemberBytes() {
        // The shard's image and caption members have their own bounds (small ones here, to keep the file small).
        const std::string path = mDir.filePath("shard.tar").toStdString();
        const std::string png = store_test::samplePng();
        const std::string json = store_test::gritRecord("000000001").dump();
        store_test::writeTar(path, {{"000000001.png", png}, {"000000001.json", json}, {"000000001.txt", "caption"}});
        store::SourceLimits limits;
        limits.maxImageBytes = png.size();
        limits.maxTextBytes = 7;
        auto source = store::openTarSource(path, limits);
        store::SourceRecord record;
        QVERIFY(source->next(record));
        QVERIFY(record.imageProblem.empty());
        QCOMPARE(record.imageBytes.size(), png.size());
        QVERIFY(record.pairedCaption.has_value());
        limits.maxImageBytes = png.size() - 1;
        limits.maxTextBytes = 6;
        source = store::openTarSource(path, limits);
        QVERIFY(source->next(record));
        QVERIFY2(record.imageProblem.find("larger than") != std::string::npos, record.imageProblem.c_str());
        QVERIFY(record.imageBytes.empty());
        QVERIFY(!record.pairedCaption.has_value());
    }

    void jsonDepth() {
        const auto nested = [](int depth) {
            nlohmann::json record = store_test::gritRecord("deep");
            std::string text = record.dump();
            text.pop_back();
            return text + ",\"deep\":" + std::string(static_cast<std::size_t>(depth), '[') +
                   std::string(static_cast<std::size_t>(depth), ']') + "}";
        };
        store::Sample sample;
        std::optional<std::string> image;
        QCOMPARE(store::decodeGritText(nested(limits::kMaxJsonDepth), sample, image), std::string());
        const std::string problem = store::decodeGritText(nested(limits::kMaxJsonDepth + 1), sample, image);
        QVERIFY2(problem.find("nested deeper than 64 levels") != std::string::npos, problem.c_str());
    }

    void entitiesPerList() {
        const auto withEntries = [](std::size_t n) {
            nlohmann::json record = store_test::gritRecord("many");
            record["noun_chunks"] = nlohmann::json::array();
            for (std::size_t i = 0; i < n; ++i) record["noun_chunks"].push_back(store_test::entry(0, 1, 0.1, 0.1, 0.2, 0.2));
            return record.dump();
        };
        store::Sample sample;
        std::optional<std::string> image;
        QCOMPARE(store::decodeGritText(withEntries(limits::kMaxEntitiesPerList), sample, image), std::string());
        QCOMPARE(sample.entities.size(), limits::kMaxEntitiesPerList + 1);   // + the ref_exps entry
        const std::string problem = store::decodeGritText(withEntries(limits::kMaxEntitiesPerList + 1), sample, image);
        QVERIFY2(problem.find("'noun_chunks' has more than 10000 entries") != std::string::npos, problem.c_str());
    }

private:
    QTemporaryDir mDir;
};

QTEST_GUILESS_MAIN(TestInputLimits)
#include "test_input_limits.moc"
