// Imports: every kind of bad record reported with file, line/member and reason while the rest is
// imported; re-runs skip what is stored; img2dataset folders; webdataset shards (also truncated).
#include "core/grit_import.h"
#include "core/image_probe.h"
#include "core/sample_repository.h"
#include "core/sha256.h"
#include "core/store_stats.h"
#include "test_store_support.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <filesystem>

using namespace kosmos::store;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Collected {
    std::vector<ImportIssue> issues;
    ImportSummary summary;

    const ImportIssue* at(const std::string& location) const {
        for (const auto& issue : issues) {
            if (issue.location == location) return &issue;
        }
        return nullptr;
    }
};

Collected runImport(AnnotationStore& store, const std::vector<std::string>& sources, ImportOptions options = {}) {
    Collected out;
    options.onIssue = [&](const ImportIssue& issue) { out.issues.push_back(issue); };
    out.summary = importSources(store, sources, options);
    return out;
}

std::string line(const json& record) { return record.dump() + "\n"; }

} // namespace

class TestGritImport : public QObject {
    Q_OBJECT

private slots:
    void reportsEveryKindOfBadRecordAndImportsTheRest() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        fs::create_directories(root + "/images");
        store_test::writeFile(root + "/images/ok.png", store_test::samplePng());
        store_test::writeFile(root + "/images/ok.jpg", store_test::sampleJpeg());
        store_test::writeFile(root + "/images/text.png", "this is not an image at all");
        const std::string png = store_test::samplePng();
        store_test::writeFile(root + "/images/cut.png", png.substr(0, png.size() / 2));
        const std::string jpeg = store_test::sampleJpeg();
        store_test::writeFile(root + "/images/cut.jpg", jpeg.substr(0, 20));

        json unknown = store_test::gritRecord("extra", "images/ok.jpg");
        unknown["laion_meta"] = {{"aesthetic", 5.5}};
        std::string text;
        text += line(store_test::gritRecord("good", "images/ok.png"));                                   // 1
        text += "{\"key\": \"broken\", \"caption\": \n";                                                 // 2
        json span = store_test::gritRecord("span");
        span["noun_chunks"][0][1] = 13;
        text += line(span);                                                                              // 3
        json range = store_test::gritRecord("range");
        range["ref_exps"][0][4] = 1.25;
        text += line(range);                                                                             // 4
        json inverted = store_test::gritRecord("inverted");
        inverted["noun_chunks"][0][3] = 0.7;
        text += line(inverted);                                                                          // 5
        text += line(store_test::gritRecord("missing", "images/nope.png"));                              // 6
        text += line(store_test::gritRecord("garbage", "images/text.png"));                              // 7
        text += line(store_test::gritRecord("cut", "images/cut.png"));                                   // 8
        text += line(store_test::gritRecord("good", "images/ok.png"));                                   // 9
        json big = store_test::gritRecord("big");
        big["padding"] = std::string(5000, 'x');
        text += line(big);                                                                               // 10
        text += "\n";                                                                                    // 11
        text += line(unknown);                                                                           // 12
        text += line(store_test::gritRecord("cutjpeg", "images/cut.jpg"));                               // 13
        text += line(store_test::gritRecord("nourl"));                                                   // 14
        store_test::writeFile(root + "/data.jsonl", text);

        AnnotationStore store(root + "/store.db");
        ImportOptions options;
        options.limits.maxRecordBytes = 4096;
        options.batchSize = 2;
        std::vector<std::int64_t> commits;
        options.onCommit = [&](std::int64_t n) { commits.push_back(n); };
        const Collected first = runImport(store, {root + "/data.jsonl"}, options);
        for (const auto& issue : first.issues) qInfo("%s %s: %s", issue.file.c_str(), issue.location.c_str(), issue.message.c_str());

        QCOMPARE(first.summary.imported, std::int64_t(3));
        QCOMPARE(first.summary.rejected, std::int64_t(10));
        QCOMPARE(first.issues.size(), std::size_t(10));
        const auto expect = [&](const char* location, RejectReason reason, const char* words) {
            const ImportIssue* issue = first.at(location);
            QVERIFY2(issue, location);
            QCOMPARE(issue->reason, reason);
            QVERIFY2(issue->message.find(words) != std::string::npos, issue->message.c_str());
            QCOMPARE(QString::fromStdString(issue->file), QString::fromStdString(root + "/data.jsonl"));
        };
        expect("line 2", RejectReason::InvalidJson, "invalid JSON");
        expect("line 3", RejectReason::SpanOutsideCaption, "noun_chunks[0]: span [0, 13] outside the caption");
        expect("line 4", RejectReason::BoxOutOfRange, "ref_exps[0]: box");
        expect("line 5", RejectReason::BoxInverted, "inverted");
        expect("line 6", RejectReason::MissingImage, "nope.png");
        expect("line 7", RejectReason::UnreadableImage, "text.png");
        expect("line 8", RejectReason::UnreadableImage, "truncated PNG");
        expect("line 9", RejectReason::DuplicateKey, "duplicate key 'good'");
        expect("line 10", RejectReason::TooLarge, "longer than");
        expect("line 13", RejectReason::UnreadableImage, "JPEG");
        QCOMPARE(first.summary.rejectedBy.at(RejectReason::UnreadableImage), std::int64_t(3));
        QCOMPARE(commits, (std::vector<std::int64_t>{2, 3}));

        const auto good = getSampleByKey(store, "good");
        QVERIFY(good && good->image);
        QCOMPARE(QString::fromStdString(good->image->path), QString::fromStdString(root + "/images/ok.png"));
        QCOMPARE(good->image->width, 40);
        QCOMPARE(good->image->height, 30);
        QCOMPARE(QString::fromStdString(good->image->format), QStringLiteral("png"));
        QCOMPARE(QString::fromStdString(good->image->contentHash), QString::fromStdString(sha256Hex(png)));
        QCOMPARE(QString::fromStdString(good->sourceLocation), QStringLiteral("line 1"));
        const auto extra = getSampleByKey(store, "extra");
        QCOMPARE(extra->image->width, 32);
        QCOMPARE(QString::fromStdString(extra->image->format), QStringLiteral("jpeg"));
        QCOMPARE(QString::fromStdString(extra->extraJson), QStringLiteral(R"({"laion_meta":{"aesthetic":5.5}})"));
        QVERIFY(!getSampleByKey(store, "nourl")->image);
        QCOMPARE(computeStats(store).changes, std::int64_t(3));

        // A second run stores nothing twice and reports the same bad records.
        const Collected second = runImport(store, {root + "/data.jsonl"}, options);
        QCOMPARE(second.summary.imported, std::int64_t(0));
        QCOMPARE(second.summary.alreadyStored, std::int64_t(3));
        QCOMPARE(second.summary.rejected, std::int64_t(10));
        QCOMPARE(countSamples(store, {}), std::int64_t(3));
    }

    void sourcesThatCannotBeReadAreReported() {
        QTemporaryDir dir;
        AnnotationStore store(":memory:");
        const std::string good = dir.filePath("good.jsonl").toStdString();
        store_test::writeFile(good, line(store_test::gritRecord("a")));
        const Collected result = runImport(store, {dir.filePath("nope.jsonl").toStdString(), good});
        QCOMPARE(result.summary.sourcesFailed, std::int64_t(1));
        QCOMPARE(result.summary.imported, std::int64_t(1));
        QCOMPARE(result.issues.size(), std::size_t(1));
        QCOMPARE(result.issues[0].reason, RejectReason::SourceFailed);
        // The issue names the file; its message says why, without naming the file again.
        QVERIFY2(result.issues[0].file.find("nope.jsonl") != std::string::npos, result.issues[0].file.c_str());
        QVERIFY2(result.issues[0].message.rfind("cannot open", 0) == 0, result.issues[0].message.c_str());
    }

    void importsImg2datasetFolders() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString() + "/out";
        fs::create_directories(root + "/00000");
        const auto put = [&](const std::string& name, const std::string& content) {
            store_test::writeFile(root + "/" + name, content);
        };
        json first = store_test::gritRecord("000000000");
        first["status"] = "success";
        put("00000/000000000.jpg", store_test::sampleJpeg());
        put("00000/000000000.json", first.dump());
        put("00000/000000000.txt", "a red circle");
        json failed = store_test::gritRecord("000000001");
        failed["status"] = "failed_to_download";
        put("00000/000000001.json", failed.dump());
        put("00000/000000002.png", "garbage");
        put("00000/000000002.json", store_test::gritRecord("000000002").dump());
        json noKey = store_test::gritRecord("ignored");
        noKey.erase("key");
        noKey.erase("caption");
        put("00000/000000003.png", store_test::samplePng());
        put("00000/000000003.json", noKey.dump());
        put("00000/000000003.txt", "a red circle");
        put("00000_stats.json", R"({"count": 4})");
        put("00000/000000004.json", "{");

        AnnotationStore store(":memory:");
        const Collected result = runImport(store, {root});
        QCOMPARE(result.summary.imported, std::int64_t(2));
        QCOMPARE(result.summary.rejected, std::int64_t(3));
        QCOMPARE(result.at("00000/000000001.json")->reason, RejectReason::MissingImage);
        QCOMPARE(result.at("00000/000000002.json")->reason, RejectReason::UnreadableImage);
        QCOMPARE(result.at("00000/000000004.json")->reason, RejectReason::InvalidJson);
        QCOMPARE(QString::fromStdString(result.issues[0].file), QString::fromStdString(root));
        const auto sample = getSampleByKey(store, "000000003");   // key from the file name, caption from .txt
        QVERIFY(sample);
        QCOMPARE(QString::fromStdString(sample->caption), QStringLiteral("a red circle"));
        QCOMPARE(QString::fromStdString(sample->image->path), QString::fromStdString(root + "/00000/000000003.png"));
        QCOMPARE(QString::fromStdString(getSampleByKey(store, "000000000")->extraJson),
                 QStringLiteral(R"({"status":"success"})"));
    }

    void readsFoldersInNameOrder() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        std::vector<std::string> expected;
        for (const std::string shard : {"00002", "00000", "00001"}) {
            fs::create_directories(root + "/" + shard);
            for (int i = 9; i >= 0; --i) {
                const std::string name = shard + "/00000" + std::to_string(i) + ".json";
                store_test::writeFile(root + "/" + name, "{");
                expected.push_back(name);
            }
        }
        std::sort(expected.begin(), expected.end());

        AnnotationStore store(":memory:");
        const Collected result = runImport(store, {root});
        std::vector<std::string> reported;
        for (const ImportIssue& issue : result.issues) reported.push_back(issue.location);
        QCOMPARE(reported, expected);
    }

    // Links: a linked shard folder is read (once, however many links lead to it, and a loop ends); a link to a
    // record that does not exist is a rejected record, not a silent gap.
    void followsLinkedShardFolders() {
        QTemporaryDir dir;
        const std::string shards = dir.path().toStdString() + "/shards";
        const std::string root = dir.path().toStdString() + "/dataset";
        fs::create_directories(shards + "/00001");
        fs::create_directories(root + "/00000");
        store_test::writeFile(shards + "/00001/000000010.json", store_test::gritRecord("000000010").dump());
        store_test::writeFile(shards + "/00001/000000010.jpg", store_test::sampleJpeg());
        store_test::writeFile(root + "/00000/000000000.json", store_test::gritRecord("000000000").dump());
        store_test::writeFile(root + "/00000/000000000.jpg", store_test::sampleJpeg());
        fs::create_directory_symlink(shards + "/00001", root + "/00001");
        fs::create_directory_symlink(shards + "/00001", root + "/00001-again");
        fs::create_directory_symlink(root, root + "/00000/loop");
        fs::create_symlink(root + "/00000/gone.json", root + "/00000/000000001.json");

        AnnotationStore store(":memory:");
        const Collected result = runImport(store, {root});
        QCOMPARE(result.summary.imported, std::int64_t(2));
        QVERIFY(getSampleByKey(store, "000000010"));
        QCOMPARE(result.issues.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(result.issues[0].location), QStringLiteral("00000/000000001.json"));
        QCOMPARE(QString::fromStdString(result.issues[0].message), QStringLiteral("a link to a file that does not exist"));
    }

    void importsWebdatasetShardsAndResumes() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        const std::string shard = root + "/shard-00001.tar";
        json noKey = store_test::gritRecord("x");
        noKey.erase("key");
        store_test::writeTar(shard, {{"000000000.jpg", store_test::sampleJpeg()},
                                     {"000000000.json", store_test::gritRecord("000000000").dump()},
                                     {"000000000.txt", "a red circle"},
                                     {"000000001.json", store_test::gritRecord("000000001").dump()},
                                     {"000000002.jpg", "not a jpeg"},
                                     {"000000002.json", store_test::gritRecord("000000002").dump()},
                                     {"000000003.png", store_test::samplePng()},
                                     {"000000003.json", noKey.dump()},
                                     {"000000004.jpg", store_test::sampleJpeg()},
                                     {"../../escape/000000005.png", store_test::samplePng()},
                                     {"../../escape/000000005.json", store_test::gritRecord("000000005").dump()}});
        AnnotationStore store(root + "/store.db");
        ImportOptions options;
        options.mediaDir = root + "/media";
        Collected result = runImport(store, {shard}, options);
        QCOMPARE(result.summary.imported, std::int64_t(3));
        QCOMPARE(result.summary.rejected, std::int64_t(3));
        QCOMPARE(result.at("member 000000001.json")->reason, RejectReason::MissingImage);
        QCOMPARE(result.at("member 000000002.json")->reason, RejectReason::UnreadableImage);
        QCOMPARE(result.at("member 000000004.json")->reason, RejectReason::InvalidRecord);   // no JSON member
        const auto first = getSampleByKey(store, "000000000");
        const std::string media = root + "/media/shard-00001-" + sha256Hex(shard).substr(0, 8);
        QCOMPARE(QString::fromStdString(first->image->path), QString::fromStdString(media + "/000000000.jpg"));
        QCOMPARE(store_test::readFile(first->image->path), store_test::sampleJpeg());
        QCOMPARE(QString::fromStdString(first->sourceFile), QString::fromStdString(shard));
        const auto third = getSampleByKey(store, "000000003");
        QCOMPARE(third->image->width, 40);
        const auto escaped = getSampleByKey(store, "000000005");
        QVERIFY(escaped);
        QVERIFY(escaped->image->path.rfind(media + "/", 0) == 0);
        QVERIFY(!fs::exists(root + "/escape"));
        QVERIFY(!fs::exists(fs::path(root).parent_path() / "escape"));

        result = runImport(store, {shard}, options);
        QCOMPARE(result.summary.imported, std::int64_t(0));
        QCOMPARE(result.summary.alreadyStored, std::int64_t(3));

        // Compressed shards read the same.
        const std::string compressed = root + "/shard-00002.tar.gz";
        store_test::writeTar(compressed, {{"000000010.png", store_test::samplePng()},
                                          {"000000010.json", store_test::gritRecord("000000010").dump()}},
                             true);
        QVERIFY(store_test::readFile(compressed).substr(0, 2) == "\x1f\x8b");
        result = runImport(store, {compressed}, options);
        QCOMPARE(result.summary.imported, std::int64_t(1));
        QCOMPARE(QString::fromStdString(getSampleByKey(store, "000000010")->image->path),
                 QString::fromStdString(root + "/media/shard-00002-" + sha256Hex(compressed).substr(0, 8) +
                                        "/000000010.png"));

        // Shards of the same name in two folders (train/ and val/ sets) keep their images apart.
        fs::create_directories(root + "/train");
        fs::create_directories(root + "/val");
        store_test::writeTar(root + "/train/00000.tar", {{"000000000.jpg", store_test::sampleJpeg()},
                                                         {"000000000.json", store_test::gritRecord("train-0").dump()}});
        store_test::writeTar(root + "/val/00000.tar", {{"000000000.jpg", store_test::samplePng()},   // same name
                                                       {"000000000.json", store_test::gritRecord("val-0").dump()}});
        result = runImport(store, {root + "/train/00000.tar", root + "/val/00000.tar"}, options);
        QCOMPARE(result.summary.imported, std::int64_t(2));
        const auto trainImage = getSampleByKey(store, "train-0")->image;
        const auto valImage = getSampleByKey(store, "val-0")->image;
        QVERIFY(trainImage->path != valImage->path);
        QCOMPARE(store_test::readFile(valImage->path), store_test::samplePng());
        QCOMPARE(valImage->width, 40);

        // A shard cut short: what precedes the damage is imported, the shard is reported.
        const std::string whole = store_test::readFile(shard);
        const std::string cut = root + "/cut.tar";
        store_test::writeFile(cut, whole.substr(0, 512 * 9 + 100));
        AnnotationStore other(root + "/other.db");
        result = runImport(other, {cut}, options);
        QCOMPARE(result.summary.sourcesFailed, std::int64_t(1));
        QVERIFY(result.summary.imported >= 1);
        QCOMPARE(countSamples(other, {}), result.summary.imported);
    }

    void probesImageHeadersWithoutDecoding() {
        ImageProbe probe;
        QCOMPARE(QString::fromStdString(probeImageBytes(store_test::samplePng(), probe)), QString());
        QCOMPARE(QString::fromStdString(probe.format), QStringLiteral("png"));
        QCOMPARE(probe.width, 40);
        QCOMPARE(probe.height, 30);
        QCOMPARE(QString::fromStdString(probeImageBytes(store_test::sampleJpeg(), probe)), QString());
        QCOMPARE(QString::fromStdString(probe.format), QStringLiteral("jpeg"));
        QCOMPARE(probe.width, 32);
        QCOMPARE(probe.height, 32);
        const auto le16 = [](int v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; };
        const auto le32 = [&](int v) { return le16(v & 0xFFFF) + le16(v >> 16); };
        // A GIF is refused by name: the engine's decoder reads none.
        const std::string gif = "GIF89a" + le16(300) + le16(200) + std::string(20, '\0');
        QVERIFY(probeImageBytes(gif, probe).find("a GIF image, which the model cannot read") != std::string::npos);
        // Larger than the model reads: refused from the header (a 100000 x 100000 IHDR with its checksum).
        std::string huge = store_test::samplePng();
        const auto be32 = [](std::uint32_t v) {
            return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                               static_cast<char>(v)};
        };
        huge.replace(16, 8, be32(100000) + be32(100000));
        std::uint32_t crc = 0xFFFFFFFFu;
        for (std::size_t i = 12; i < 29; ++i) {
            crc ^= static_cast<unsigned char>(huge[i]);
            for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
        huge.replace(29, 4, be32(~crc));
        const std::string hugeProblem = probeImageBytes(huge, probe);
        QVERIFY2(hugeProblem.find("png image of 100000x100000 pixels, more than the") != std::string::npos,
                 hugeProblem.c_str());
        const std::string bmp = "BM" + le32(522) + le32(0) + le32(54) + le32(40) + le32(17) + le32(-9) + le16(1) +
                                le16(24) + le32(0) + std::string(20, '\0') + std::string(52 * 9, '\0');
        QCOMPARE(QString::fromStdString(probeImageBytes(bmp, probe)), QString());
        QCOMPARE(probe.width, 17);
        QCOMPARE(probe.height, 9);   // top-down rows: negative height
        std::string webp = "RIFF" + le32(30) + "WEBPVP8X" + le32(10) + std::string(4, '\0');
        webp += le16(639) + std::string(1, '\0') + le16(479) + std::string(1, '\0') + std::string(10, '\0');
        QCOMPARE(QString::fromStdString(probeImageBytes(webp, probe)), QString());
        QCOMPARE(probe.width, 640);
        QCOMPARE(probe.height, 480);
        // TIFF (little- and big-endian directories) and PNM, as the engine's reader reads them.
        const std::string tiff = "II*" + std::string(1, '\0') + le32(8) + le16(2) + le16(256) + le16(3) + le32(1) +
                                 le16(300) + le16(0) + le16(257) + le16(4) + le32(1) + le32(200) + le32(0);
        QCOMPARE(QString::fromStdString(probeImageBytes(tiff, probe)), QString());
        QCOMPARE(QString::fromStdString(probe.format), QStringLiteral("tiff"));
        QCOMPARE(probe.width, 300);
        QCOMPARE(probe.height, 200);
        const auto be16s = [](int v) { return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; };
        const std::string bigTiff = "MM" + be16s(42) + be32(8) + be16s(1) + be16s(256) + be16s(3) + be32(1) +
                                    be16s(64) + be16s(0) + be32(0);
        QVERIFY(probeImageBytes(bigTiff, probe).find("TIFF without valid ImageWidth/ImageLength") != std::string::npos);
        QCOMPARE(QString::fromStdString(probeImageBytes("P6\n# a comment\n64 48\n255\n" + std::string(64 * 48 * 3, 'x'),
                                                        probe)),
                 QString());
        QCOMPARE(QString::fromStdString(probe.format), QStringLiteral("pnm"));
        QCOMPARE(probe.width, 64);
        QCOMPARE(probe.height, 48);
        QVERIFY(probeImageBytes("P5\n10000 10000\n255\n", probe).find("pixels") != std::string::npos);
        // A binary PNM's samples or an uncompressed BMP's rows that run past the end of the file.
        const std::string cutPpm = probeImageBytes("P6\n64 48\n255\n" + std::string(64 * 48 * 3 - 1, 'x'), probe);
        QVERIFY2(cutPpm.find("truncated (PNM samples need 9216 bytes from byte 13; the file has 9215)") !=
                     std::string::npos,
                 cutPpm.c_str());
        const std::string bmpHeader = "BM" + le32(0) + le32(0) + le32(54) + le32(40) + le32(4) + le32(4) + le16(1) +
                                      le16(24) + le32(0) + std::string(20, '\0');
        QCOMPARE(QString::fromStdString(probeImageBytes(bmpHeader + std::string(48, 'x'), probe)), QString());
        const std::string cutBmp = probeImageBytes(bmpHeader + std::string(47, 'x'), probe);
        QVERIFY2(cutBmp.find("truncated (BMP rows end at byte 102; the file has 101 bytes)") != std::string::npos,
                 cutBmp.c_str());
        QVERIFY(probeImageBytes("P3\n", probe).find("truncated") != std::string::npos);
        // Damage found from the header alone.
        std::string png = store_test::samplePng();
        png[20] = static_cast<char>(png[20] ^ 0x40);   // width byte: the IHDR checksum no longer matches
        QVERIFY(probeImageBytes(png, probe).find("checksum") != std::string::npos);
        // The chunks are walked to IEND: bytes after it are read as the decoder reads them (ignored); a chunk
        // running past the end of the file, one without a valid type and an unknown critical one are refused.
        const std::string sample = store_test::samplePng();
        QCOMPARE(QString::fromStdString(probeImageBytes(sample + std::string(100, 'z'), probe)), QString());
        const std::string cut = probeImageBytes(sample.substr(0, 60), probe);
        QCOMPARE(QString::fromStdString(cut),
                 QStringLiteral("truncated PNG (chunk 'IDAT' at byte 33 declares 347 bytes; the file ends at byte 60)"));
        std::string badType = sample;
        badType[37] = '#';
        QCOMPARE(QString::fromStdString(probeImageBytes(badType, probe)),
                 QStringLiteral("damaged PNG (the chunk at byte 33 has no valid type)"));
        std::string unknown = sample;
        unknown[37] = 'Q';
        QVERIFY2(probeImageBytes(unknown, probe).find("damaged PNG (unknown critical chunk 'Q") == 0,
                 probeImageBytes(unknown, probe).c_str());
        const std::string jpeg = store_test::sampleJpeg();
        QVERIFY(!probeImageBytes(jpeg.substr(0, jpeg.size() / 8), probe).empty());
        // A JPEG cut inside its image data (which libjpeg would fill with grey) is refused, as decoding refuses it;
        // bytes after its end-of-image marker are not.
        QCOMPARE(QString::fromStdString(probeImageBytes(jpeg.substr(0, jpeg.size() - 2), probe)),
                 QStringLiteral("truncated JPEG (no end-of-image marker after its image data)"));
        QCOMPARE(QString::fromStdString(probeImageBytes(jpeg + std::string(70000, 'z'), probe)), QString());
        QVERIFY(!probeImageBytes(std::string(), probe).empty());
        QVERIFY(!probeImageBytes(std::string(3, '\xFF'), probe).empty());
        // Every prefix of a valid file is either refused or read without going past its end.
        for (std::size_t n = 0; n < jpeg.size(); ++n) probeImageBytes(jpeg.substr(0, n), probe);
        for (std::size_t n = 0; n + 12 < store_test::samplePng().size(); ++n) {
            QVERIFY(!probeImageBytes(store_test::samplePng().substr(0, n), probe).empty());
        }
    }

    // Files over 1 MiB are read through a window, not whole: a PNG of 80,000 small chunks walked across many
    // windows, with bytes after IEND, and the same file cut short.
    void probesLargePngFilesChunkByChunk() {
        QTemporaryDir dir;
        const std::string png = store_test::samplePng();
        const std::string text = std::string("\0\0\0\4teXtabcd", 12) + "crc!";   // checksums beyond IHDR's unread
        std::string large = png.substr(0, 33);
        for (int i = 0; i < 80000; ++i) large += text;
        large += png.substr(33) + std::string(70000, 'z');
        QVERIFY(large.size() > (1u << 20));
        const std::string path = dir.filePath("large.png").toStdString();
        store_test::writeFile(path, large);
        ImageProbe probe;
        bool missing = false;
        QCOMPARE(QString::fromStdString(probeImageFile(path, probe, missing)), QString());
        QCOMPARE(probe.width, 40);
        QCOMPARE(probe.byteSize, static_cast<std::int64_t>(large.size()));
        const std::size_t keep = 33 + 60000 * text.size() + 6;   // inside a chunk's header
        store_test::writeFile(path, large.substr(0, keep));
        QCOMPARE(QString::fromStdString(probeImageFile(path, probe, missing)),
                 QString::fromStdString("unreadable image " + path + ": truncated PNG (no IEND chunk; the file ends at "
                                        "byte " + std::to_string(keep) + ")"));
    }

    void checkFindsFilesThatAreGone() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        store_test::writeFile(root + "/a.png", store_test::samplePng());
        store_test::writeFile(root + "/b.jpg", store_test::sampleJpeg());
        store_test::writeFile(root + "/data.jsonl", line(store_test::gritRecord("a", "a.png")) +
                                                        line(store_test::gritRecord("b", "b.jpg")));
        AnnotationStore store(root + "/store.db");
        runImport(store, {root + "/data.jsonl"});
        CheckReport report = checkStore(store);
        QVERIFY(report.ok());
        QCOMPARE(report.imagesChecked, std::int64_t(2));
        fs::remove(root + "/a.png");
        store_test::writeFile(root + "/b.jpg", store_test::sampleJpeg() + "x");
        report = checkStore(store);
        QVERIFY(!report.ok());
        QCOMPARE(report.missingFileCount, std::int64_t(1));
        QCOMPARE(report.changedFileCount, std::int64_t(1));
        QCOMPARE(QString::fromStdString(report.missingFiles[0]), QString::fromStdString(root + "/a.png"));
        deleteSample(store, getSampleByKey(store, "b")->id, "human:ana");
        QCOMPARE(checkStore(store).orphanImageCount, std::int64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestGritImport)
#include "test_grit_import.moc"
