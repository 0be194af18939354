// Parity of prompt building with transformers v4.40 Kosmos2Processor.__call__ on the fixtures: preprocessed
// text, input_ids, attention_mask, image_embeds_position_mask, batch padding (right and left) and the errors.
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/error.h"
#include "model/processor.h"
#include "model/tokenizer.h"

using nlohmann::json;
using Ids = std::vector<std::int64_t>;

namespace {

const std::string kModelDir = std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny";

json loadReference() {
    std::ifstream in(kModelDir + "/reference.json");
    if (!in) throw std::runtime_error("cannot open reference.json");
    return json::parse(in);
}

// transformers' bboxes argument: per phrase a list of (x0, y0, x1, y1) floats or (ul, lr) ints.
std::vector<std::vector<kosmos::BoxInput>> boxesOf(const json& bboxes) {
    std::vector<std::vector<kosmos::BoxInput>> out;
    if (bboxes.is_null()) return out;
    for (const json& phrase : bboxes) {
        std::vector<kosmos::BoxInput> boxes;
        for (const json& box : phrase) {
            if (box.size() == 2 && box[0].is_number_integer())
                boxes.emplace_back(kosmos::PatchPair{box[0].get<int>(), box[1].get<int>()});
            else
                boxes.emplace_back(box.get<kosmos::Box>());
        }
        out.push_back(std::move(boxes));
    }
    return out;
}

kosmos::ProcessorOptions optionsFor(const json& c) {
    kosmos::ProcessorOptions options;
    options.withImage = !c.at("image").is_null();
    return options;
}

std::string show(const Ids& ids) {
    std::string s;
    for (std::size_t i = 0; i < ids.size() && i < 120; ++i) s += (i ? "," : "") + std::to_string(ids[i]);
    return s;
}

} // namespace

class TestProcessor : public QObject {
    Q_OBJECT

private:
    json mReference;
    std::optional<kosmos::Tokenizer> mTokenizer;

    kosmos::ProcessedText process(const json& c) const {
        return kosmos::processPromptWithBoxInputs(*mTokenizer, c.at("text"), boxesOf(c.at("bboxes")), optionsFor(c));
    }

    kosmos::ProcessedText processText(const std::string& text) const {
        return kosmos::processPrompt(*mTokenizer, text);
    }

private slots:
    void initTestCase() {
        mReference = loadReference();
        mTokenizer = kosmos::Tokenizer::load(kModelDir);
    }

    void preprocessedTextOfEveryCase() {
        for (const json& c : mReference.at("cases")) {
            const std::string got = kosmos::preprocessPrompt(c.at("text"), boxesOf(c.at("bboxes")), optionsFor(c));
            QVERIFY2(got == c.at("preprocessed_text").get<std::string>(), (c.at("name").get<std::string>() + ": " + got).c_str());
        }
    }

    void inputIdsOfEveryCase() {
        for (const json& c : mReference.at("cases")) {
            const std::string name = c.at("name");
            const kosmos::ProcessedText got = process(c);
            QVERIFY2(got.inputIds == c.at("input_ids").get<Ids>(), (name + ": " + show(got.inputIds)).c_str());
            QVERIFY2(got.attentionMask == c.at("attention_mask").get<Ids>(), name.c_str());
            if (c.contains("image_embeds_position_mask"))
                QVERIFY2(got.imageEmbedsPositionMask == c.at("image_embeds_position_mask").get<Ids>(), name.c_str());
            else
                QVERIFY(std::all_of(got.imageEmbedsPositionMask.begin(), got.imageEmbedsPositionMask.end(),
                                    [](std::int64_t v) { return v == 0; }));
            QCOMPARE(got.preprocessedText, c.at("preprocessed_text").get<std::string>());
            QCOMPARE(static_cast<int>(got.inputIds.size()), c.at("logits_stats").at("shape")[1].get<int>());
        }
    }

    void promptPlusGenerationDecodesAsTransformers() {
        // The fixture's fast-style decode of the whole generated sequence (prompt ids + new ids).
        for (const json& c : mReference.at("cases")) {
            Ids ids = process(c).inputIds;
            const Ids generated = c.at("new_token_ids").get<Ids>();
            ids.insert(ids.end(), generated.begin(), generated.end());
            QCOMPARE(mTokenizer->decode(ids), c.at("generated_text_fast_style_EMULATED").get<std::string>());
        }
    }

    void addEosAppendsEndOfSequence() {
        const json& c = mReference.at("cases")[0];
        kosmos::ProcessorOptions options;
        options.addEos = true;
        const kosmos::ProcessedText got = kosmos::processPrompt(*mTokenizer, c.at("text"), {}, options);
        Ids expected = c.at("input_ids").get<Ids>();
        expected.push_back(mTokenizer->eosId());
        QCOMPARE(got.inputIds, expected);
        QCOMPARE(got.imageEmbedsPositionMask.size(), expected.size());
        QCOMPARE(got.imageEmbedsPositionMask.back(), std::int64_t(0));
    }

    void batchProcessorRightPadding() {
        const json& b = mReference.at("batch_processor");
        QCOMPARE(b.at("padding_side").get<std::string>(), std::string("right"));
        std::vector<kosmos::ProcessedText> rows;
        for (const json& text : b.at("texts")) rows.push_back(processText(text));
        rows = kosmos::padBatch(rows, false);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            QCOMPARE(rows[i].inputIds, b.at("input_ids")[i].get<Ids>());
            QCOMPARE(rows[i].attentionMask, b.at("attention_mask")[i].get<Ids>());
            QCOMPARE(rows[i].imageEmbedsPositionMask, b.at("image_embeds_position_mask")[i].get<Ids>());
        }
    }

    void batchGenerationLeftPadding() {
        const json& b = mReference.at("batch_generation");
        QCOMPARE(b.at("padding_side").get<std::string>(), std::string("left"));
        std::vector<kosmos::ProcessedText> rows;
        for (const json& text : b.at("texts")) rows.push_back(processText(text));
        rows = kosmos::padBatch(rows, true, mTokenizer->padId());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            QCOMPARE(rows[i].inputIds, b.at("input_ids")[i].get<Ids>());
            QCOMPARE(rows[i].attentionMask, b.at("attention_mask")[i].get<Ids>());
            QCOMPARE(rows[i].imageEmbedsPositionMask, b.at("image_embeds_position_mask")[i].get<Ids>());
        }
        QCOMPARE(kosmos::padBatch({}, true).size(), std::size_t(0));
    }

    void promptErrors() {
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, processText(""));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, processText(" \t\n "));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, processText("<groundin>An image of"));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, processText("<grounding><phrase> a cat</phrases>"));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, processText("\xff\xfe an image"));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, processText(std::string(kosmos::kMaxPromptBytes + 1, 'a')));
        // Phrase / box-list count mismatch, and a box that is not a box.
        QVERIFY_THROWS_EXCEPTION(kosmos::Error,
                                 kosmos::processPrompt(*mTokenizer, "<phrase> a</phrase>", {{}, {}}));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error,
                                 kosmos::processPrompt(*mTokenizer, "<phrase> a</phrase>", {{kosmos::Box{0.5, 0.5, 0.2, 0.9}}}));
        // Token limit: the first case has exactly 71 ids.
        kosmos::ProcessorOptions options;
        options.maxTokens = 70;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::processPrompt(*mTokenizer, "<grounding>An image of", {}, options));
        options.maxTokens = 71;
        QCOMPARE(kosmos::processPrompt(*mTokenizer, "<grounding>An image of", {}, options).inputIds.size(), std::size_t(71));
        const std::string longPrompt = [] { std::string s; for (int i = 0; i < 3000; ++i) s += "cat "; return s; }();
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, processText(longPrompt));
        options = {};
        options.numImageTokens = 0;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::processPrompt(*mTokenizer, "an image", {}, options));
    }

    void tagCheck() {
        // Every token of the vocabulary passes; near misses are reported.
        kosmos::checkPromptTags("<grounding><phrase> a</phrase><object><patch_index_0000><patch_index_1023>"
                                "</delimiter_of_multi_objects/><patch_index_0512><patch_index_0999></object></doc></chunk>"
                                "</line><image></image><s></s><pad><unk><mask>");
        kosmos::checkPromptTags("a < b, b > c, x <= y, <3, <<>>, < space >, <1st>, <->");
        for (const char* bad : {"<groundin>", "<patch_index_1024>", "<patch_index_12>", "<patch_index_00012>", "</phrases>",
                                "<Grounding>", "<object/>", "<b>"}) {
            bool threw = false;
            try {
                kosmos::checkPromptTags(std::string("An image of ") + bad + " x");
            } catch (const kosmos::Error& e) {
                threw = std::string(e.what()).find(bad) != std::string::npos;   // the message names the tag
            }
            QVERIFY2(threw, bad);
        }
    }
};

QTEST_GUILESS_MAIN(TestProcessor)
#include "test_processor.moc"
