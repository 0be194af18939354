// GRIT import followed by GRIT export gives every field of every valid record back (floats to 1e-6,
// unknown fields included); human corrections replace model boxes; ODVG and COCO exports; filters.
#include "core/grit_import.h"
#include "core/sample_repository.h"
#include "core/store_export.h"
#include "core/store_stats.h"
#include "test_store_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <map>
#include <random>
#include <set>

using namespace kosmos::store;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Records with every kind of field a GRIT file holds, drawn at random (fixed seed).
std::vector<json> randomRecords(int count, std::uint32_t seed) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const std::vector<std::string> words = {"a", "red", "circle", "der", "B\xC3\xA4r", "\xE7\x8C\xAB", "\xF0\x9F\x90\xBB",
                                            "on", "the", "table"};
    std::vector<json> records;
    for (int i = 0; i < count; ++i) {
        std::vector<std::pair<int, int>> wordSpans;
        std::string caption;
        int length = 0;
        const int n = 2 + static_cast<int>(random() % 8);
        for (int w = 0; w < n; ++w) {
            if (w) {
                caption += ' ';
                ++length;
            }
            const std::string& word = words[random() % words.size()];
            const int start = length;
            caption += word;
            length += static_cast<int>(QString::fromStdString(word).toUcs4().size());
            wordSpans.emplace_back(start, length);
        }
        json record = {{"key", "r" + std::to_string(seed) + "-" + std::to_string(i)},
                       {"id", static_cast<std::int64_t>(random()) * 1000},
                       {"url", "https://example.com/" + std::to_string(i) + ".jpg"},
                       {"caption", caption},
                       {"width", 100 + random() % 1000},
                       {"height", 100 + random() % 1000},
                       {"clip_similarity_vitb32", unit(random)},
                       {"clip_similarity_vitl14", unit(random)}};
        for (const char* list : {"noun_chunks", "ref_exps"}) {
            json entries = json::array();
            const int m = static_cast<int>(random() % 4);
            for (int e = 0; e < m; ++e) {
                const auto [a, b] = wordSpans[random() % wordSpans.size()];
                const double x0 = unit(random) * 0.5;
                const double y0 = unit(random) * 0.5;
                entries.push_back({a, b, x0, y0, x0 + unit(random) * 0.5, y0 + unit(random) * 0.5, unit(random)});
            }
            if (random() % 7 != 0) record[list] = entries;   // sometimes absent
        }
        if (i % 3 == 0) record["aesthetic"] = {{"score", unit(random)}, {"model", "laion"}, {"tags", {1, "two", nullptr}}};
        if (i % 5 == 0) record["id"] = "id-as-text";
        if (i % 11 == 0) record["url"] = nullptr;
        records.push_back(record);
    }
    return records;
}

std::map<std::string, json> byKey(const std::vector<json>& records) {
    std::map<std::string, json> out;
    for (const json& record : records) out[record["key"].get<std::string>()] = record;
    return out;
}

} // namespace

class TestGritRoundtrip : public QObject {
    Q_OBJECT

private slots:
    void gritExportReturnsEveryField() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        fs::copy(store_test::kSamplesDir, root + "/mini", fs::copy_options::recursive);
        std::vector<json> records = store_test::readJsonl(root + "/mini/grit-mini.jsonl");
        const std::vector<json> random = randomRecords(300, 7);
        std::string text;
        for (const json& record : random) text += record.dump() + "\n";
        store_test::writeFile(root + "/mini/random.jsonl", text);
        records.insert(records.end(), random.begin(), random.end());

        AnnotationStore store(root + "/store.db");
        ImportOptions options;
        options.batchSize = 64;
        const ImportSummary summary =
            importSources(store, {root + "/mini/grit-mini.jsonl", root + "/mini/random.jsonl"}, options);
        QCOMPARE(summary.rejected, std::int64_t(0));
        QCOMPARE(summary.imported, std::int64_t(records.size()));

        // Exported beside the source, `image` is the same relative path.
        const std::string out = root + "/mini/export.jsonl";
        const ExportSummary exported = exportStore(store, ExportFormat::Grit, out, {});
        QCOMPARE(exported.samples, std::int64_t(records.size()));
        const auto expected = byKey(records);
        const auto actual = byKey(store_test::readJsonl(out));
        QCOMPARE(actual.size(), expected.size());
        for (const auto& [key, record] : expected) {
            std::string where;
            QVERIFY2(actual.count(key), key.c_str());
            QVERIFY2(store_test::sameJson(record, actual.at(key), 1e-6, where), (key + where).c_str());
        }
        // Exported elsewhere, `image` still names the same file.
        fs::create_directories(root + "/elsewhere/deeper");
        exportStore(store, ExportFormat::Grit, root + "/elsewhere/deeper/out.jsonl", {});
        const auto moved = byKey(store_test::readJsonl(root + "/elsewhere/deeper/out.jsonl"));
        const std::string image = moved.at("shapes_1")["image"].get<std::string>();
        QCOMPARE(QString::fromStdString(image), QStringLiteral("../../mini/images/shapes_1.jpg"));
        QVERIFY(fs::equivalent(root + "/elsewhere/deeper/" + image, root + "/mini/images/shapes_1.jpg"));
        QVERIFY(!fs::exists(out + ".part"));
    }

    void humanCorrectionsReplaceModelBoxes() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        AnnotationStore store(root + "/store.db");
        store_test::writeFile(root + "/in.jsonl", store_test::gritRecord("s").dump() + "\n" +
                                                      store_test::gritRecord("t").dump() + "\n");
        importSources(store, {root + "/in.jsonl"}, {});
        Sample sample = *getSampleByKey(store, "s");
        EntityRecord predicted;
        predicted.kind = EntityKind::NounChunk;
        predicted.spanStart = 0;
        predicted.spanEnd = 12;
        predicted.phrase = "a red circle";
        predicted.boxes = {{0.3, 0.3, 0.4, 0.4}};
        predicted.confidence = 0.4;
        putModelPrediction(store, sample.id, "ckpt", "<grounding>An image of", {predicted});
        sample = *getSampleByKey(store, "s");
        // The person drops the imported entities and corrects the model's box.
        sample.entities.erase(sample.entities.begin(), sample.entities.begin() + 2);
        EntityRecord corrected = predicted;
        corrected.source = EntitySource::Human;
        corrected.author = "ana";
        corrected.confidence.reset();
        corrected.boxes = {{0.11, 0.21, 0.52, 0.63}};
        sample.entities.push_back(corrected);
        sample.review = ReviewState::Corrected;
        putSample(store, sample, "human:ana");

        exportStore(store, ExportFormat::Grit, root + "/all.jsonl", {});
        const auto all = byKey(store_test::readJsonl(root + "/all.jsonl"));
        const json& chunks = all.at("s")["noun_chunks"];
        QCOMPARE(chunks.size(), std::size_t(1));
        QCOMPARE(chunks[0][2].get<double>(), 0.11);
        QCOMPARE(chunks[0][6].get<double>(), 1.0);
        QCOMPARE(all.at("s")["ref_exps"].size(), std::size_t(0));
        QCOMPARE(all.at("t")["noun_chunks"][0][2].get<double>(), 0.1);

        ExportFilter modelOnly;
        modelOnly.sources = {EntitySource::Model};
        const ExportSummary summary = exportStore(store, ExportFormat::Grit, root + "/model.jsonl", modelOnly);
        QCOMPARE(summary.samples, std::int64_t(1));
        const auto model = store_test::readJsonl(root + "/model.jsonl");
        QCOMPARE(model[0]["noun_chunks"][0][2].get<double>(), 0.3);
        QCOMPARE(model[0]["noun_chunks"][0][6].get<double>(), 0.4);

        ExportFilter corrections;
        corrections.review = ReviewState::Corrected;
        QCOMPARE(exportStore(store, ExportFormat::Grit, root + "/c.jsonl", corrections).samples, std::int64_t(1));
        ExportFilter test;
        test.split = Split::Test;
        QCOMPARE(exportStore(store, ExportFormat::Grit, root + "/t.jsonl", test).samples, std::int64_t(0));
        QVERIFY(store_test::readJsonl(root + "/t.jsonl").empty());

        const StoreStats stats = computeStats(store);
        QCOMPARE(stats.samples, std::int64_t(2));
        QCOMPARE(stats.samplesByReview.at("corrected"), std::int64_t(1));
        QCOMPARE(stats.samplesByReview.at("accepted"), std::int64_t(0));
        QCOMPARE(stats.entitiesBySource.at("model"), std::int64_t(1));
        QCOMPARE(stats.entitiesBySource.at("human"), std::int64_t(1));
        QCOMPARE(stats.entitiesBySource.at("imported"), std::int64_t(2));
        QCOMPARE(stats.samplesBySplit.at("train"), std::int64_t(2));
        QCOMPARE(stats.entitiesPerSample.at(2), std::int64_t(2));
        QCOMPARE(stats.meanEntitiesPerSample, 2.0);
    }

    void odvgAndCocoUsePixelBoxes() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        fs::copy(store_test::kSamplesDir, root + "/mini", fs::copy_options::recursive);
        AnnotationStore store(root + "/store.db");
        importSources(store, {root + "/mini/grit-mini.jsonl"}, {});

        const ExportSummary odvgSummary = exportStore(store, ExportFormat::Odvg, root + "/mini/odvg.jsonl", {});
        const auto odvg = store_test::readJsonl(root + "/mini/odvg.jsonl");
        QCOMPARE(odvg.size(), std::size_t(3));
        const json& first = odvg[0];
        QCOMPARE(QString::fromStdString(first["filename"].get<std::string>()), QStringLiteral("images/shapes_0.png"));
        QCOMPARE(first["width"].get<int>(), 40);
        QCOMPARE(first["height"].get<int>(), 30);
        const json& regions = first["grounding"]["regions"];
        // Its noun chunks and referring expressions are twins (same spans, same boxes): one region each.
        QCOMPARE(regions.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(regions[0]["phrase"].get<std::string>()), QStringLiteral("a red circle"));
        QCOMPARE(QString::fromStdString(regions[1]["phrase"].get<std::string>()), QStringLiteral("a blue square"));
        QVERIFY(std::abs(regions[1]["bbox"][0].get<double>() - 24.0) < 1e-9);
        QVERIFY(std::abs(regions[1]["bbox"][3].get<double>() - 0.666667 * 30) < 1e-9);
        QCOMPARE(odvg[1]["grounding"]["regions"].size(), std::size_t(1));
        QCOMPARE(odvg[2]["grounding"]["regions"].size(), std::size_t(2));   // different spans: not twins
        QCOMPARE(odvgSummary.entities, std::int64_t(2 + 1 + 2));
        QCOMPARE(odvgSummary.boxes, std::int64_t(2 + 1 + 2));
        // Without an image file, the GRIT record's size.
        QCOMPARE(odvg[2]["width"].get<int>(), 640);
        QCOMPARE(QString::fromStdString(odvg[2]["filename"].get<std::string>()), QStringLiteral("https://example.com/42.jpg"));

        exportStore(store, ExportFormat::Coco, root + "/mini/coco.json", {});
        const json coco = json::parse(store_test::readFile(root + "/mini/coco.json"));
        QCOMPARE(coco["images"].size(), std::size_t(3));
        QCOMPARE(coco["annotations"].size(), std::size_t(4 + 2 + 2));
        QCOMPARE(coco["categories"][0]["name"].get<std::string>(), std::string("object"));
        const json& annotation = coco["annotations"][0];
        QCOMPARE(annotation["image_id"].get<std::int64_t>(), coco["images"][0]["id"].get<std::int64_t>());
        QVERIFY(std::abs(annotation["bbox"][0].get<double>() - 0.05 * 40) < 1e-9);
        QVERIFY(std::abs(annotation["bbox"][2].get<double>() - 0.5 * 40) < 1e-9);   // width, not x1
        QCOMPARE(annotation["tokens_positive"][0][0].get<int>(), 12);
        QCOMPARE(annotation["tokens_positive"][0][1].get<int>(), 24);
        QCOMPARE(QString::fromStdString(coco["images"][0]["caption"].get<std::string>()),
                 QStringLiteral("An image of a red circle and a blue square."));
        std::set<std::int64_t> ids;
        for (const json& a : coco["annotations"]) ids.insert(a["id"].get<std::int64_t>());
        QCOMPARE(ids.size(), std::size_t(8));
    }
};

QTEST_GUILESS_MAIN(TestGritRoundtrip)
#include "test_grit_roundtrip.moc"
