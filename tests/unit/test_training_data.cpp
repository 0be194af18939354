// Training data: GRIT records (lenient per entity, strict per record), the training sequences and their
// labels, augmentation that keeps boxes true, the deterministic sample stream, evaluation helpers.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch's headers.
#include "training/augment.h"
#include "training/evaluation.h"
#include "training/grounded_record.h"
#include "training/sequence_builder.h"
#include "training/trainer.h"
#include "training/training_data.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "core/sample_repository.h"
#include "core/store.h"
#include "model/engine/engine.h"
#include "model/error.h"
#include "model/processor.h"
#include "model/tokenizer.h"
#include "model/tokens.h"
#include "test_training_support.h"

#include <QtTest>

using namespace kosmos;
using namespace kosmos::training;

namespace {

std::string patchPair(const Box& b) {
    const auto [ul, lr] = boxToPatchIndices(b);
    return patchIndexToken(ul) + patchIndexToken(lr);
}

GroundedRecord twoObjectRecord() {
    std::vector<std::string> notes;
    std::string problem;
    const std::string json = R"({"key":"k","caption":"An image of a red square and a blue circle.","image":"a.png",
        "noun_chunks":[[12,24,0.1,0.2,0.3,0.4,1.0],[29,42,0.5,0.5,0.9,0.8,1.0]],"ref_exps":[]})";
    auto record = parseGritRecord(json, "/data", "t line 1", problem, notes);
    if (!record) throw Error("fixture record rejected: " + problem);
    return *record;
}

BoxDetail detail(const Box& box) {
    BoxDetail d;
    d.box = box;
    return d;
}

// Answers like a model would, from a script: REC prompts by phrase, captions by image width.
class ScriptedEngine : public Engine {
public:
    std::map<std::string, Box> recAnswers;                       // phrase -> box
    std::map<int, std::vector<std::pair<std::string, Box>>> captions;   // image width -> entities
    int batches = 0;

    GenerationResult generate(const GenerationRequest& r, const TokenCallback&, const std::atomic<bool>*) override {
        GenerationResult result;
        if (r.prompt.find("<phrase>") != std::string::npos) {
            const auto start = r.prompt.find("<phrase> ") + 9, end = r.prompt.find("</phrase>");
            const std::string phrase = r.prompt.substr(start, end - start);
            if (recAnswers.count(phrase)) result.entities.push_back({phrase, {0, 0}, {detail(recAnswers[phrase])}});
        } else {
            for (const auto& [phrase, box] : captions[r.image.width])
                result.entities.push_back({phrase, {0, 0}, {detail(box)}});
        }
        return result;
    }
    std::vector<GenerationResult> generateBatch(const std::vector<GenerationRequest>& requests,
                                                const std::atomic<bool>* cancel) override {
        ++batches;
        std::vector<GenerationResult> out;
        for (const auto& r : requests) out.push_back(generate(r, {}, cancel));
        return out;
    }
    const ModelSummary& summary() const override { return mSummary; }
    const Tokenizer& tokenizer() const override { return mTokenizer; }

private:
    ModelSummary mSummary;
    Tokenizer mTokenizer = Tokenizer::load(testing::fixtureModel());
};

} // namespace

class TestTrainingData : public QObject {
    Q_OBJECT

private slots:
    void parsesGritRecord() {
        const GroundedRecord r = twoObjectRecord();
        QCOMPARE(r.key, std::string("k"));
        QCOMPARE(r.imagePath, std::string("/data/a.png"));
        QCOMPARE(r.nounChunks.size(), std::size_t(2));
        QCOMPARE(r.nounChunks[0].text, std::string("a red square"));
        QCOMPARE(r.nounChunks[1].text, std::string("a blue circle"));
        QCOMPARE(r.refExps.size(), std::size_t(2));   // empty ref_exps: the noun chunks
        QCOMPARE(r.nounChunks[1].boxes[0][2], 0.9);
    }

    void dropsInvalidEntitiesAndSkipsRecordsWithoutBoxes() {
        std::vector<std::string> notes;
        std::string problem;
        auto partial = parseGritRecord(
            R"({"caption":"a red square and a dot","image":"x.png","noun_chunks":[[0,12,0.1,0.1,0.5,0.5,1],[17,22,0.5,0.5,1.5,0.9,1]]})",
            "", "f line 2", problem, notes);
        QVERIFY(partial.has_value());
        QCOMPARE(partial->nounChunks.size(), std::size_t(1));
        QCOMPARE(notes.size(), std::size_t(1));
        QVERIFY2(notes[0].find("outside [0,1]") != std::string::npos, notes[0].c_str());

        notes.clear();
        auto none = parseGritRecord(
            R"({"caption":"a red square","image":"x.png","noun_chunks":[[0,12,0.6,0.1,0.5,0.5,1],[0,40,0.1,0.1,0.2,0.2,1]],"ref_exps":[[0,12,"a",0,1,1]]})",
            "", "f line 3", problem, notes);
        QVERIFY(!none.has_value());
        QVERIFY2(problem.find("no usable box") != std::string::npos, problem.c_str());
        QCOMPARE(notes.size(), std::size_t(3));   // inverted box, span past the caption, non-numeric box

        QVERIFY(!parseGritRecord(R"({"caption":"x","noun_chunks":[[0,1,0,0,1,1,1]]})", "", "l", problem, notes));
        QVERIFY(problem.find("'image'") != std::string::npos);
        QVERIFY(!parseGritRecord("[1,2", "", "l", problem, notes));
        QVERIFY(problem.find("invalid JSON") != std::string::npos);
    }

    void groupsBoxesOfOneSpanAndDropsOverlaps() {
        std::vector<std::string> notes;
        std::string problem;
        auto r = parseGritRecord(
            R"({"caption":"two red squares","image":"x.png","noun_chunks":[[0,15,0.1,0.1,0.2,0.2,1],[0,15,0.6,0.6,0.8,0.8,1],[4,15,0.1,0.1,0.3,0.3,1]]})",
            "", "l", problem, notes);
        QVERIFY(r.has_value());
        QCOMPARE(r->nounChunks.size(), std::size_t(1));
        QCOMPARE(r->nounChunks[0].boxes.size(), std::size_t(2));
        QCOMPARE(notes.size(), std::size_t(1));   // the overlapping span
        const std::string text = groundedCaptionText(*r);
        const std::string expected = std::string("<grounding><phrase> two red squares</phrase><object>") +
                                     patchPair({0.1, 0.1, 0.2, 0.2}) + tokens::kDelimiter +
                                     patchPair({0.6, 0.6, 0.8, 0.8}) + "</object>";
        QCOMPARE(text, expected);
    }

    void readsJsonlAndReportsEachSkippedLine() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        testing::writeShapesDataset(root, 2, 64);
        {
            std::ofstream out(root + "/data.jsonl", std::ios::app);
            out << "{not json\n\n";
            out << R"({"caption":"a red square","image":"images/missing.png","noun_chunks":[[0,12,0.1,0.1,0.5,0.5,1]]})" << "\n";
            out << R"({"caption":"a red square","image":"images/000.png","noun_chunks":[[0,12,0.9,0.1,0.5,0.5,1]]})" << "\n";
        }
        ReadReport report;
        const auto records = readGritJsonl(root + "/data.jsonl", report);
        QCOMPARE(records.size(), std::size_t(2));
        QCOMPARE(report.records, std::size_t(5));
        QCOMPARE(report.skipped, std::size_t(3));
        QCOMPARE(report.droppedEntities, std::size_t(1));
        bool line3 = false, line5 = false, line6 = false;
        for (const auto& m : report.messages) {
            line3 = line3 || (m.find("line 3") != std::string::npos && m.find("invalid JSON") != std::string::npos);
            line5 = line5 || (m.find("line 5") != std::string::npos && m.find("does not exist") != std::string::npos);
            line6 = line6 || (m.find("line 6") != std::string::npos && m.find("no usable box") != std::string::npos);
        }
        QVERIFY(line3 && line5 && line6);
        QVERIFY(std::filesystem::exists(records[0].imagePath));

        JsonlReadOptions limited;
        limited.limit = 1;
        ReadReport second;
        QCOMPARE(readGritJsonl(root + "/data.jsonl", second, limited).size(), std::size_t(1));
        ReadReport third;
        QVERIFY_THROWS_EXCEPTION(Error, readGritJsonl(root + "/nothing.jsonl", third));
    }

    void buildsGroundedCaptionAndReferringExpressionSequences() {
        const Tokenizer tokenizer = Tokenizer::load(testing::fixtureModel());
        const GroundedRecord r = twoObjectRecord();
        const std::string caption = groundedCaptionText(r);
        QCOMPARE(caption, std::string("<grounding>An image of<phrase> a red square</phrase><object>") +
                              patchPair({0.1, 0.2, 0.3, 0.4}) + "</object> and<phrase> a blue circle</phrase><object>" +
                              patchPair({0.5, 0.5, 0.9, 0.8}) + "</object>.");
        const TrainingSequence seq = buildSequence(tokenizer, caption);
        QCOMPARE(seq.promptLength, std::size_t(68));   // <s> <image> 64 slots </image> <grounding>
        QCOMPARE(seq.inputIds[67], tokenizer.tagId(tokens::kGrounding));
        QCOMPARE(seq.inputIds.back(), tokenizer.eosId());
        QCOMPARE(seq.labels.size(), seq.inputIds.size());
        for (std::size_t i = 0; i < seq.inputIds.size(); ++i) {
            QCOMPARE(seq.labels[i], i < 68 ? kIgnoreLabel : seq.inputIds[i]);
            QCOMPARE(seq.imageMask[i], std::int64_t(i >= 2 && i < 66 ? 1 : 0));
        }
        // What evaluation prompts with is exactly the start of what training teaches.
        const ProcessedText prompt = processPrompt(tokenizer, "<grounding>An image of");
        QVERIFY(std::equal(prompt.inputIds.begin(), prompt.inputIds.end(), seq.inputIds.begin()));
        const std::string rec = referringExpressionText(r.refExps[1]);
        QCOMPARE(rec, std::string("<grounding><phrase> a blue circle</phrase><object>") +
                          patchPair({0.5, 0.5, 0.9, 0.8}) + "</object>");
        const TrainingSequence recSeq = buildSequence(tokenizer, rec);
        const ProcessedText recPrompt = processPrompt(tokenizer, referringExpressionPrompt("a blue circle"));
        QVERIFY(std::equal(recPrompt.inputIds.begin(), recPrompt.inputIds.end(), recSeq.inputIds.begin()));
        QCOMPARE(recSeq.inputIds.size(), recPrompt.inputIds.size() + 5);   // <object> ul lr </object> </s>
        QVERIFY_THROWS_EXCEPTION(Error, buildSequence(tokenizer, caption, 70));
    }

    void cropAndFlipKeepBoxesOnTheirPixels() {
        testing::ShapeSample s{"red", {220, 30, 30}, "square", {0.25, 0.5, 0.5, 0.75}};
        const ImageU8 original = testing::drawImage(200, 100, {s});
        GroundedRecord record;
        record.caption = "a red square";
        record.nounChunks.push_back({0, 12, "a red square", {s.box}});
        record.refExps = record.nounChunks;
        AugmentOptions options;
        options.cropProbability = 1.0;
        options.minCropScale = 0.5;
        int cropped = 0;
        for (std::uint64_t seed = 0; seed < 20; ++seed) {
            ImageU8 image = original;
            GroundedRecord r = record;
            augmentSample(image, r, options, seed);
            cropped += image.width < original.width || image.height < original.height;
            const Box& b = r.nounChunks[0].boxes[0];
            QCOMPARE(r.refExps[0].boxes[0], b);
            const auto at = [&](double x, double y) {
                const int px = std::min(image.width - 1, static_cast<int>(x * image.width));
                const int py = std::min(image.height - 1, static_cast<int>(y * image.height));
                return image.pixels[(static_cast<std::size_t>(py) * image.width + px) * 3];
            };
            // Inside the box: the shape's red; just outside: background.
            QCOMPARE(int(at(b[0] + 0.01, b[1] + 0.02)), 220);
            QCOMPARE(int(at(b[2] - 0.01, b[3] - 0.02)), 220);
            if (b[0] > 0.02) QCOMPARE(int(at(b[0] - 0.02, (b[1] + b[3]) / 2)), 235);
        }
        QVERIFY(cropped > 10);

        ImageU8 flipped = original;
        GroundedRecord r = record;
        flipImage(flipped);
        flipRecord(r);
        QCOMPARE(r.nounChunks[0].boxes[0], (Box{0.5, 0.5, 0.75, 0.75}));
        QCOMPARE(int(flipped.pixels[(60 * 200 + 120) * 3]), 220);
        QCOMPARE(int(flipped.pixels[(60 * 200 + 60) * 3]), 235);
        // Off by default: nothing changes.
        ImageU8 same = original;
        GroundedRecord untouched = record;
        augmentSample(same, untouched, AugmentOptions{}, 7);
        QVERIFY(same.pixels == original.pixels);
        QCOMPARE(untouched.nounChunks[0].boxes[0], s.box);
    }

    void sampleStreamIsDeterministicAndMixesForms() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        ReadReport report;
        auto records = std::make_shared<const std::vector<GroundedRecord>>(
            readGritJsonl(testing::writeShapesDataset(root, 6, 32), report));
        const Tokenizer tokenizer = Tokenizer::load(testing::fixtureModel());
        DataOptions options;
        options.seed = 5;
        TrainingData a(records, tokenizer, PreprocessConfig{}, options), b(records, tokenizer, PreprocessConfig{}, options);
        std::set<std::size_t> epoch0, epoch1;
        std::vector<std::size_t> order0, order1;
        int rec = 0;
        for (std::uint64_t p = 0; p < 12; ++p) {
            const PreparedSample x = a.prepare(p), y = b.prepare(p);
            QVERIFY(x.problem.empty());
            QCOMPARE(x.sequence.inputIds, y.sequence.inputIds);
            QVERIFY(x.pixels == y.pixels);
            QCOMPARE(x.pixels.size(), std::size_t(3 * 224 * 224));
            rec += x.form == SequenceForm::ReferringExpression;
            (p < 6 ? epoch0 : epoch1).insert(x.record);
            (p < 6 ? order0 : order1).push_back(x.record);
        }
        QCOMPARE(epoch0.size(), std::size_t(6));   // each epoch visits every record once
        QCOMPARE(epoch1.size(), std::size_t(6));
        QVERIFY(order0 != order1);                 // in a new order
        QVERIFY(rec > 0 && rec < 12);

        options.refExpRatio = 1.0;
        TrainingData onlyRec(records, tokenizer, PreprocessConfig{}, options);
        for (std::uint64_t p = 0; p < 6; ++p) QVERIFY(onlyRec.prepare(p).form == SequenceForm::ReferringExpression);
        options.refExpRatio = 0.0;
        TrainingData onlyCaption(records, tokenizer, PreprocessConfig{}, options);
        for (std::uint64_t p = 0; p < 6; ++p) QVERIFY(onlyCaption.prepare(p).form == SequenceForm::GroundedCaption);

        BatchPrefetcher prefetcher(a, 4, 3, 2);
        const auto first = prefetcher.next(), second = prefetcher.next();
        QCOMPARE(first.size(), std::size_t(3));
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE(first[i].sequence.inputIds, a.prepare(4 + i).sequence.inputIds);
            QCOMPARE(second[i].sequence.inputIds, a.prepare(7 + i).sequence.inputIds);
        }

        QVERIFY_THROWS_EXCEPTION(Error, TrainingData(std::make_shared<const std::vector<GroundedRecord>>(), tokenizer,
                                                     PreprocessConfig{}, options));
    }

    // Pictures kept already resized give the same pixels as decoding and resizing again; the budget is kept
    // and crops switch the cache off (they need the original picture).
    void imageCacheKeepsPixelsWithinItsBudget() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        ReadReport report;
        auto records = std::make_shared<const std::vector<GroundedRecord>>(
            readGritJsonl(testing::writeShapesDataset(root, 6, 300), report));
        const Tokenizer tokenizer = Tokenizer::load(testing::fixtureModel());
        PreprocessConfig preprocess;
        preprocess.size = 112;
        DataOptions plain;
        plain.seed = 3;
        DataOptions cached = plain;
        cached.imageCacheBytes = 4 * 112 * 112 * 3;   // room for four of the six pictures
        TrainingData a(records, tokenizer, preprocess, plain), b(records, tokenizer, preprocess, cached);
        for (std::uint64_t p = 0; p < 18; ++p) {   // three epochs: later ones read the cache
            const PreparedSample x = a.prepare(p), y = b.prepare(p);
            QVERIFY(y.problem.empty());
            QCOMPARE(x.record, y.record);
            QVERIFY(x.pixels == y.pixels);
        }
        QCOMPARE(a.cachedImages(), std::size_t(0));
        QCOMPARE(b.cachedImages(), std::size_t(4));

        cached.augment.cropProbability = 0.5;
        TrainingData cropped(records, tokenizer, preprocess, cached);
        for (std::uint64_t p = 0; p < 6; ++p) QVERIFY(cropped.prepare(p).problem.empty());
        QCOMPARE(cropped.cachedImages(), std::size_t(0));
    }

    void unreadableImageIsSkippedWithAMessage() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        ReadReport report;
        auto list = readGritJsonl(testing::writeShapesDataset(root, 1, 32), report);
        {
            std::ofstream broken(list[0].imagePath, std::ios::trunc);
            broken << "not a png";
        }
        const Tokenizer tokenizer = Tokenizer::load(testing::fixtureModel());
        TrainingData data(std::make_shared<const std::vector<GroundedRecord>>(list), tokenizer, PreprocessConfig{},
                          DataOptions{});
        const PreparedSample s = data.prepare(0);
        QVERIFY(s.problem.find("skipped in training") != std::string::npos);
        QVERIFY(s.sequence.inputIds.empty());
    }

    void emptyTrainingSetIsAClearError() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        { std::ofstream(root + "/empty.jsonl") << "\n"; }
        TrainerOptions options;
        options.modelDir = testing::fixtureModel();
        options.dataPath = root + "/empty.jsonl";
        options.outDir = root + "/out";
        try {
            Trainer(options).run();
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("no usable training record") != std::string::npos, e.what());
        }
        QVERIFY(!std::filesystem::exists(root + "/out"));
    }

    void scoresReferringExpressionsAndCaptions() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        const Box redCircle{0.1, 0.1, 0.4, 0.4}, blueSquare{0.5, 0.5, 0.9, 0.9}, greenStar{0.2, 0.6, 0.5, 0.9};
        saveImagePng(root + "/a.png", testing::drawImage(40, 30, {}));
        saveImagePng(root + "/b.png", testing::drawImage(50, 30, {}));
        std::ofstream(root + "/eval.jsonl")
            << testing::gritRecord("a", "a.png", 40, 30,
                                   {{"red", {0, 0, 0}, "circle", redCircle}, {"blue", {0, 0, 0}, "square", blueSquare}})
                   .dump()
            << "\n"
            << testing::gritRecord("b", "b.png", 50, 30, {{"green", {0, 0, 0}, "star", greenStar}}).dump() << "\n";
        ReadReport report;
        const auto records = readGritJsonl(root + "/eval.jsonl", report);
        QCOMPARE(records.size(), std::size_t(2));

        ScriptedEngine engine;
        engine.recAnswers["a red circle"] = {0.12, 0.1, 0.42, 0.38};   // IoU ~0.8
        engine.recAnswers["a blue square"] = {0.1, 0.1, 0.4, 0.4};     // the wrong object
        engine.captions[40] = {{"a red circle", {0.1, 0.12, 0.4, 0.42}},   // match
                               {"a blue square", {0.0, 0.0, 0.2, 0.2}},    // right name, wrong place
                               {"a yellow star", blueSquare}};             // right place, wrong name
        engine.captions[50] = {{"the green stars", greenStar}};
        EvalOptions options;
        options.batchSize = 2;
        const EvalReport r = evaluate(engine, records, options);
        QCOMPARE(r.recN, std::size_t(3));
        QCOMPARE(r.recCorrect, std::size_t(1));
        QCOMPARE(r.captionN, std::size_t(2));
        QCOMPARE(r.captionObjects, std::size_t(3));
        QCOMPARE(r.captionEntities, std::size_t(4));
        QCOMPARE(r.captionMatched, std::size_t(2));
        QCOMPARE(r.precision, 0.5);
        QVERIFY(std::abs(r.recall - 2.0 / 3.0) < 1e-12);
        QVERIFY(std::abs(r.f1 - 4.0 / 7.0) < 1e-12);
        QVERIFY(engine.batches >= 3);

        options.task = "caption";
        options.limit = 1;
        const EvalReport captionOnly = evaluate(engine, records, options);
        QVERIFY(!captionOnly.hasRec);
        QCOMPARE(captionOnly.captionN, std::size_t(1));
        options.task = "vqa";
        QVERIFY_THROWS_EXCEPTION(Error, evaluate(engine, records, options));
    }

    void readsTheAnnotationStoreWithFilters() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        ReadReport fileReport;
        const auto files = readGritJsonl(testing::writeShapesDataset(root, 3, 32), fileReport);
        const std::string db = root + "/store.db";
        {
            store::AnnotationStore annotations(db);
            const auto add = [&](const std::string& key, int image, store::Split split, store::ReviewState review,
                                 std::vector<store::EntityRecord> entities) {
                store::Sample s;
                s.key = key;
                s.caption = "An image of a red square.";
                s.split = split;
                s.review = review;
                store::ImageInfo info;
                info.path = files[image].imagePath;
                s.image = info;
                s.entities = std::move(entities);
                store::putSample(annotations, s, "test");
            };
            store::EntityRecord imported;
            imported.spanStart = 12;
            imported.spanEnd = 24;
            imported.phrase = "a red square";
            imported.boxes = {{0.1, 0.1, 0.3, 0.3}};
            store::EntityRecord human = imported;
            human.source = store::EntitySource::Human;
            human.author = "ana";
            human.boxes = {{0.5, 0.5, 0.7, 0.7}};
            add("train-1", 0, store::Split::Train, store::ReviewState::Unreviewed, {imported});
            add("train-2", 1, store::Split::Train, store::ReviewState::Corrected, {imported, human});
            add("val-1", 2, store::Split::Validation, store::ReviewState::Accepted, {imported});
            add("bad-1", 0, store::Split::Train, store::ReviewState::Rejected, {imported});
        }
        StoreQuery query;
        query.dbPath = db;
        query.split = "train";
        ReadReport report;
        const auto train = readStoreRecords(query, report);
        QCOMPARE(train.size(), std::size_t(2));   // the rejected one is left out
        QCOMPARE(train[0].key, std::string("train-1"));
        QCOMPARE(train[1].nounChunks.size(), std::size_t(1));
        QCOMPARE(train[1].nounChunks[0].boxes[0], (Box{0.5, 0.5, 0.7, 0.7}));   // the person's correction wins
        QCOMPARE(train[1].imagePath, files[1].imagePath);
        query.split.reset();
        query.review = "rejected";
        QCOMPARE(readStoreRecords(query, report).front().key, std::string("bad-1"));
        query.review.reset();
        query.source = "human";
        QCOMPARE(readStoreRecords(query, report).size(), std::size_t(1));
        query.source = "robots";
        QVERIFY_THROWS_EXCEPTION(Error, readStoreRecords(query, report));
        query.source.reset();
        query.dbPath = root + "/none.db";
        QVERIFY_THROWS_EXCEPTION(Error, readStoreRecords(query, report));
    }

    void evaluationHelpers() {
        QCOMPARE(boxIou({0, 0, 0.5, 0.5}, {0, 0, 0.5, 0.5}), 1.0);
        QCOMPARE(boxIou({0, 0, 0.5, 0.5}, {0.5, 0.5, 1, 1}), 0.0);
        QVERIFY(std::abs(boxIou({0, 0, 0.5, 0.5}, {0.25, 0, 0.75, 0.5}) - 1.0 / 3.0) < 1e-12);
        QCOMPARE(shapeNameOf("an Orange star").colour, std::string("orange"));
        QCOMPARE(shapeNameOf("an Orange star").shape, std::string("star"));
        QCOMPARE(shapeNameOf("two red circles").shape, std::string("circle"));
        QVERIFY(shapeNameOf("a reddish thing").colour.empty());
        EvalReport r;
        r.hasRec = true;
        r.recN = 4;
        r.recAccuracy = 0.75;
        const auto json = nlohmann::json::parse(evalReportJson(r));
        QCOMPARE(json["rec"]["n"].get<int>(), 4);
        QVERIFY(!json.contains("caption"));
        QCOMPARE(json["skipped"].get<int>(), 0);   // always there, so a script can tell nothing was left out
    }
};

QTEST_GUILESS_MAIN(TestTrainingData)
#include "test_training_data.moc"
