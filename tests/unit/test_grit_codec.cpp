// GRIT JSON <-> Sample: every field kept (unknown ones and known ones of another type included),
// spans in code points, each way a record can be bad, and which entities an export writes.
#include "core/grit_codec.h"
#include "core/sample.h"
#include "test_store_support.h"

#include <QtTest>

#include <random>

using namespace kosmos::store;
using json = GritJson;

namespace {

std::string decodeProblem(const std::string& text) {
    json record;
    if (std::string problem = parseJsonRecord(text, record); !problem.empty()) return problem;
    Sample sample;
    std::optional<std::string> image;
    return decodeGrit(record, sample, image);
}

} // namespace

class TestGritCodec : public QObject {
    Q_OBJECT

private slots:
    void decodesThePublishedFields() {
        const json record = json::parse(store_test::readFile(store_test::kSamplesDir + "/grit-mini.jsonl").substr(
            0, store_test::readFile(store_test::kSamplesDir + "/grit-mini.jsonl").find('\n')));
        Sample sample;
        std::optional<std::string> image;
        QCOMPARE(QString::fromStdString(decodeGrit(record, sample, image)), QString());
        QCOMPARE(QString::fromStdString(sample.key), QStringLiteral("shapes_0"));
        QCOMPARE(*sample.gritId, std::int64_t(0));
        QCOMPARE(*sample.width, std::int64_t(40));
        QCOMPARE(QString::fromStdString(*image), QStringLiteral("images/shapes_0.png"));
        QCOMPARE(sample.entities.size(), std::size_t(4));
        QCOMPARE(sample.entities[0].kind, EntityKind::NounChunk);
        QCOMPARE(sample.entities[3].kind, EntityKind::RefExp);
        QCOMPARE(QString::fromStdString(sample.entities[1].phrase), QStringLiteral("a blue square"));
        QCOMPARE(sample.entities[1].boxes[0][0], 0.6);
        QCOMPARE(*sample.entities[1].confidence, 1.0);
        QVERIFY(sample.extraJson.empty());
        QCOMPARE(sample.gritLists, kHasNounChunks | kHasRefExps);
    }

    void keepsUnknownFieldsAndOddTypes() {
        const json record = {{"key", "x"},
                             {"id", "not-a-number"},
                             {"url", nullptr},
                             {"caption", "two dogs"},
                             {"width", 640.5},
                             {"height", 480},
                             {"clip_similarity_vitb32", 0},
                             {"noun_chunks", {store_test::entry(0, 8, 0, 0, 1, 1, 1)}},
                             {"ref_exps", nullptr},
                             {"status", "success"},
                             {"exif", {{"Make", "Canon"}, {"nested", {1, {{"a", true}}}}}}};
        Sample sample;
        std::optional<std::string> image;
        QCOMPARE(QString::fromStdString(decodeGrit(record, sample, image)), QString());
        QVERIFY(!sample.gritId);
        QVERIFY(!sample.url);
        QVERIFY(!sample.width);
        QCOMPARE(*sample.height, std::int64_t(480));
        QCOMPARE(sample.gritLists, kHasNounChunks);
        const json extra = json::parse(sample.extraJson);
        QCOMPARE(extra.size(), std::size_t(6));
        QCOMPARE(QString::fromStdString(extra["id"].get<std::string>()), QStringLiteral("not-a-number"));
        QVERIFY(extra["ref_exps"].is_null());
        const json back = json::parse(encodeGrit(sample, effectiveEntities(sample, {}), {}).dump());
        std::string where;
        QVERIFY2(store_test::sameJson(record, back, 0.0, where), where.c_str());
    }

    void spansCountCodePoints() {
        // "Ein Bär 🐻 und ein Igel": code points, as Python indexes the caption.
        const std::string caption = "Ein B\xC3\xA4r \xF0\x9F\x90\xBB und ein Igel";
        const json record = {{"key", "u"}, {"caption", caption},
                             {"noun_chunks", {store_test::entry(4, 7, 0.1, 0.1, 0.2, 0.2), store_test::entry(8, 9, 0, 0, 1, 1),
                                              store_test::entry(14, 22, 0.5, 0.5, 0.6, 0.6)}}};
        Sample sample;
        std::optional<std::string> image;
        QCOMPARE(QString::fromStdString(decodeGrit(record, sample, image)), QString());
        QCOMPARE(utf8Length(caption), std::int64_t(22));
        QCOMPARE(QString::fromStdString(sample.entities[0].phrase), QString::fromUtf8("B\xC3\xA4r"));
        QCOMPARE(QString::fromStdString(sample.entities[1].phrase), QString::fromUtf8("\xF0\x9F\x90\xBB"));
        QCOMPARE(QString::fromStdString(sample.entities[2].phrase), QStringLiteral("ein Igel"));
        const json beyond = {{"key", "u"}, {"caption", caption}, {"noun_chunks", {store_test::entry(14, 23, 0, 0, 1, 1)}}};
        QVERIFY(decodeGrit(beyond, sample, image).find("outside the caption") != std::string::npos);
        QCOMPARE(utf8Length("\xC3"), std::int64_t(-1));
        QCOMPARE(utf8Length("\xED\xA0\x80"), std::int64_t(-1));   // a UTF-16 surrogate
    }

    void reportsEachKindOfBadRecord() {
        const auto has = [](const std::string& problem, const char* expected) {
            if (problem.find(expected) != std::string::npos) return true;
            qWarning("problem was: %s", problem.c_str());
            return false;
        };
        QVERIFY(has(decodeProblem("{\"key\": \"a\", "), "invalid JSON"));
        QVERIFY(has(decodeProblem("[1, 2]"), "not a JSON object"));
        QVERIFY(has(decodeProblem(std::string(100, '[') + std::string(100, ']')), "nested deeper"));
        QVERIFY(has(decodeProblem("{\"key\": \"a\", \"caption\": \"\xFF\xFE\"}"), "invalid JSON"));
        QVERIFY(has(decodeProblem(R"({"caption": "a cat"})"), "missing 'key'"));
        QVERIFY(has(decodeProblem(R"({"key": "a"})"), "missing 'caption'"));
        QVERIFY(has(decodeProblem(R"({"key": 5, "caption": "a"})"), "'key' must be"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": 5})"), "'caption' must be"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a", "image": 3})"), "'image' must be"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": 3})"), "must be a list"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": [[0, 5, 0, 0, 1, 1]]})"),
                    "noun_chunks[0]: expected"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "ref_exps": [[0, 5, 0, 0, 1, 1, "x"]]})"),
                    "ref_exps[0]: expected"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": [[0.5, 5, 0, 0, 1, 1, 1]]})"),
                    "integers"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": [[0, 6, 0, 0, 1, 1, 1]]})"),
                    "noun_chunks[0]: span [0, 6] outside the caption"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": [[3, 3, 0, 0, 1, 1, 1]]})"),
                    "outside the caption"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": [[-1, 3, 0, 0, 1, 1, 1]]})"),
                    "outside the caption"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "ref_exps": [[0, 5, 0, 0, 1.5, 1, 1]]})"),
                    "ref_exps[0]: box [0, 0, 1.5, 1] outside [0,1]"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "ref_exps": [[0, 5, -0.1, 0, 1, 1, 1]]})"),
                    "outside [0,1]"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": [[0, 5, 0.6, 0, 0.5, 1, 1]]})"),
                    "inverted"));
        QVERIFY(has(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": [[0, 5, 0, 0.9, 1, 0.1, 1]]})"),
                    "inverted"));
        QCOMPARE(QString::fromStdString(decodeProblem(R"({"key": "a", "caption": "a cat", "noun_chunks": []})")),
                 QString());
    }

    void readsJsonStrictly() {
        Sample sample;
        std::optional<std::string> image;
        // Escapes, surrogate pairs: the caption is decoded, spans count code points.
        const std::string escaped =
            "{\"key\":\"e\",\"caption\":\"\\ud83d\\ude00 \\u00e9t\\u00E9 \\\"q\\\" \\\\ \\/\","
            "\"noun_chunks\":[[2,5,0,0,1,1,1]]}";
        QCOMPARE(QString::fromStdString(decodeGritText(escaped, sample, image)), QString());
        QCOMPARE(QString::fromStdString(sample.caption), QString::fromUtf8("\xF0\x9F\x98\x80 \xC3\xA9t\xC3\xA9 \"q\" \\ /"));
        QCOMPARE(QString::fromStdString(sample.entities[0].phrase), QString::fromUtf8("\xC3\xA9t\xC3\xA9"));
        // Numbers and literals of unknown fields come back exactly as written, white space dropped.
        const std::string spaced =
            "{ \"key\" : \"n\", \"caption\" : \"x\", \"big\" : 123456789012345678901234567890, \"tiny\": -1.5e-7,\n"
            "  \"flags\": [true, false, null, {\"a\": [ ]}], \"id\": 18446744073709551615 }";
        const std::string compact = "{\"big\":123456789012345678901234567890,\"tiny\":-1.5e-7,"
                                    "\"flags\":[true,false,null,{\"a\":[]}],\"id\":18446744073709551615}";
        QCOMPARE(QString::fromStdString(decodeGritText(spaced, sample, image)), QString());
        QCOMPARE(QString::fromStdString(sample.extraJson), QString::fromStdString(compact));
        QVERIFY(!sample.gritId);
        const auto invalid = [&](const std::string& text) {
            const std::string problem = decodeGritText(text, sample, image);
            if (problem.rfind("invalid JSON", 0) == 0) return true;
            qWarning("accepted or misread: %s -> %s", text.c_str(), problem.c_str());
            return false;
        };
        const std::string head = "{\"key\":\"a\",\"caption\":";
        const std::vector<std::string> broken = {
            head + "\"x\"} x",          head + "\"x\",}",           head + "\"x\",\"n\":01}",
            head + "\"x\",\"n\":1.}",   head + "\"x\",\"n\":.5}",   head + "\"x\",\"n\":nul}",
            head + "\"\\ud800\"}",      head + "\"\\udc00x\"}",     head + "\"\\x\"}",
            head + "\"tab\there\"}",    head + "\"x\"",             "",
            head + "\"x\",\"deep\":" + std::string(70, '[') + std::string(70, ']') + "}"};
        for (const std::string& text : broken) QVERIFY(invalid(text));
        QCOMPARE(QString::fromStdString(decodeGritText("\"just a string\"", sample, image)),
                 QStringLiteral("record is not a JSON object"));
    }

    void survivesMutatedRecords() {
        // Damaged records never crash the decoder; whatever it accepts is a valid sample.
        const std::string base = store_test::readFile(store_test::kSamplesDir + "/grit-mini.jsonl");
        const std::string alphabet = "[]{}\",:0123456789.e\\u";
        std::mt19937 random(5);
        int accepted = 0;
        for (int round = 0; round < 20000; ++round) {
            std::string text = base.substr(0, base.find('\n'));
            const int edits = 1 + static_cast<int>(random() % 4);
            for (int e = 0; e < edits && !text.empty(); ++e) {
                const std::size_t at = random() % text.size();
                switch (random() % 4) {
                case 0: text[at] = static_cast<char>(random() % 256); break;
                case 1: text.erase(at, 1 + random() % 8); break;
                case 2: text.insert(at, 1, alphabet[random() % alphabet.size()]); break;
                default: text.resize(at); break;
                }
            }
            Sample sample;
            std::optional<std::string> image;
            const std::string problem = decodeGritText(text, sample, image);
            if (problem.empty()) {
                ++accepted;
                QCOMPARE(QString::fromStdString(validateSample(sample)), QString());
            }
        }
        QVERIFY(accepted > 0);
    }

    void humanCorrectionsReplaceOverlappingEntities() {
        Sample sample;
        sample.key = "c";
        sample.caption = "a red circle and a blue square";
        const auto make = [](int s, int e, EntityKind kind, EntitySource source, double x) {
            EntityRecord entity;
            entity.spanStart = s;
            entity.spanEnd = e;
            entity.kind = kind;
            entity.source = source;
            entity.boxes = {{x, x, x + 0.1, x + 0.1}};
            return entity;
        };
        sample.entities = {make(0, 12, EntityKind::NounChunk, EntitySource::Imported, 0.0),
                           make(0, 12, EntityKind::NounChunk, EntitySource::Model, 0.1),
                           make(17, 30, EntityKind::NounChunk, EntitySource::Model, 0.2),
                           make(0, 12, EntityKind::RefExp, EntitySource::Model, 0.3),
                           make(2, 12, EntityKind::NounChunk, EntitySource::Human, 0.4)};
        auto chosen = effectiveEntities(sample, {});
        QCOMPARE(chosen.size(), std::size_t(3));
        QCOMPARE(chosen[0], &sample.entities[2]);   // another span: kept
        QCOMPARE(chosen[1], &sample.entities[3]);   // another kind: kept
        QCOMPARE(chosen[2], &sample.entities[4]);   // the correction
        chosen = effectiveEntities(sample, {EntitySource::Model});
        QCOMPARE(chosen.size(), std::size_t(3));    // without human entities, the model's stand
        chosen = effectiveEntities(sample, {EntitySource::Imported, EntitySource::Human});
        QCOMPARE(chosen.size(), std::size_t(1));
        QCOMPARE(chosen[0], &sample.entities[4]);
        // An entity with several boxes becomes one GRIT entry per box, with the same span.
        sample.entities[4].boxes.push_back({0.7, 0.7, 0.8, 0.8});
        sample.entities[4].confidence = 0.5;
        const json out = json::parse(encodeGrit(sample, {&sample.entities[4]}, "img.png").dump());
        QCOMPARE(out["noun_chunks"].size(), std::size_t(2));
        QCOMPARE(out["noun_chunks"][1][2].get<double>(), 0.7);
        QCOMPARE(out["noun_chunks"][1][6].get<double>(), 0.5);
        QCOMPARE(out["ref_exps"].size(), std::size_t(0));
        QCOMPARE(QString::fromStdString(out["image"].get<std::string>()), QStringLiteral("img.png"));
    }
};

QTEST_GUILESS_MAIN(TestGritCodec)
#include "test_grit_codec.moc"
