// Parity of the pure Kosmos-2 processor functions with transformers v4.40 (processing_kosmos2.py):
// post_process_generation on every fixture string, box <-> patch index conversion, object tokens.
#include <QElapsedTimer>
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "model/error.h"
#include "model/grounding.h"

using nlohmann::json;

namespace {

json loadJson(const std::string& name) {
    const std::string path = std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return json::parse(in);
}

// Strings that the fixtures do not cover, with the results of transformers v4.40's
// clean_text_and_extract_entities_with_bboxes (post_process_generation) on them: 4-byte code points in spans,
// Unicode digits in patch indices (Python's \d), '<...>' across a newline, nested '<', Unicode whitespace,
// a phrase spanning lines, an all-space phrase (negative span), a broken multi-object list, several </image>,
// a space between </phrase> and <object>, the empty string, and patch indices beyond 64 bits.
const char* const kExtraCases = R"json(
[
{"text": "\ud83d\udc31 A cat<phrase> \u732b \ud83d\udc31 </phrase><object><patch_index_0044><patch_index_0863></object> sits<phrase> ok</phrase><object><patch_index_0001><patch_index_0002></object>", "no_cleanup": "\ud83d\udc31 A cat<phrase> \u732b \ud83d\udc31 </phrase><object><patch_index_0044><patch_index_0863></object> sits<phrase> ok</phrase><object><patch_index_0001><patch_index_0002></object>", "cleaned_text": "\ud83d\udc31 A cat \u732b \ud83d\udc31  sits ok", "entities": [["\u732b \ud83d\udc31", [8, 11], [[0.390625, 0.046875, 0.984375, 0.828125]]], ["ok", [18, 20], [[0.03125, 0.0, 0.09375, 0.03125]]]]},
{"text": "<object><patch_index_\u0664\u0664><patch_index_863></object> arabic digits<phrase> x</phrase><object><patch_index_\uff11\uff12><patch_index_0100></object>", "no_cleanup": "<object><patch_index_\u0664\u0664><patch_index_863></object> arabic digits<phrase> x</phrase><object><patch_index_\uff11\uff12><patch_index_0100></object>", "cleaned_text": "arabic digits x", "entities": [["<patch_index_44><patch_index_863>", [-1, -1], [[0.390625, 0.046875, 0.984375, 0.828125]]], ["x", [14, 15], [[0.390625, 0.015625, 0.140625, 0.109375]]]]},
{"text": "a <b\nc> d<phrase> e</phrase><object><patch_index_0005><patch_index_0911></object> <unclosed", "no_cleanup": "a <b\nc> d<phrase> e</phrase><object><patch_index_0005><patch_index_0911></object> <unclosed", "cleaned_text": "a <b\nc> d e <unclosed", "entities": [["e", [10, 11], [[0.171875, 0.015625, 0.484375, 0.890625]]]]},
{"text": "x<a<b>y<phrase> z</phrase><object><patch_index_0010><patch_index_0020></object></object>", "no_cleanup": "x<a<b>y<phrase> z</phrase><object><patch_index_0010><patch_index_0020></object></object>", "cleaned_text": "xy z", "entities": [["z", [3, 4], [[0.3125, 0.0, 0.65625, 0.03125]]]]},
{"text": "\u3000\u00a0 lead<phrase>\u2003mid\u2003</phrase><object><patch_index_0000><patch_index_0033></object>\u2029", "no_cleanup": "\u3000\u00a0 lead<phrase>\u2003mid\u2003</phrase><object><patch_index_0000><patch_index_0033></object>\u2029", "cleaned_text": "lead\u2003mid", "entities": [["mid", [5, 8], [[0.015625, 0.015625, 0.046875, 0.046875]]]]},
{"text": "<phrase> multi\nline</phrase><object><patch_index_0031><patch_index_0992></delimiter_of_multi_objects/><patch_index_0000><patch_index_0000></object>", "no_cleanup": "<phrase> multi\nline</phrase><object><patch_index_0031><patch_index_0992></delimiter_of_multi_objects/><patch_index_0000><patch_index_0000></object>", "cleaned_text": "multi\nline", "entities": [["multi\nline", [0, 10], [[0.984375, 0.015625, 0.015625, 0.984375], [0.0, 0.0, 0.03125, 0.03125]]]]},
{"text": "<phrase>   </phrase><object><patch_index_0003><patch_index_0004></object> tail", "no_cleanup": "<phrase>   </phrase><object><patch_index_0003><patch_index_0004></object> tail", "cleaned_text": "tail", "entities": [["", [-1, -4], [[0.09375, 0.0, 0.15625, 0.03125]]]]},
{"text": "<object><patch_index_0001><patch_index_0002></delimiter_of_multi_objects/></object><object><patch_index_0003><patch_index_0040></delimiter_of_multi_objects/><patch_index_0041><patch_index_0042></object>", "no_cleanup": "<object><patch_index_0001><patch_index_0002></delimiter_of_multi_objects/></object><object><patch_index_0003><patch_index_0040></delimiter_of_multi_objects/><patch_index_0041><patch_index_0042></object>", "cleaned_text": "", "entities": [["<patch_index_3><patch_index_40>", [0, 0], [[0.109375, 0.015625, 0.265625, 0.046875]]], ["<patch_index_41><patch_index_42>", [0, 0], [[0.28125, 0.03125, 0.34375, 0.0625]]]]},
{"text": "before</image>middle</image> after<phrase> y</phrase><object><patch_index_1023><patch_index_0000></object>", "no_cleanup": " after<phrase> y</phrase><object><patch_index_1023><patch_index_0000></object>", "cleaned_text": "after y", "entities": [["y", [6, 7], [[0.984375, 0.984375, 0.015625, 0.015625]]]]},
{"text": "<phrase> p</phrase> <object><patch_index_0001><patch_index_0002></object>", "no_cleanup": "<phrase> p</phrase> <object><patch_index_0001><patch_index_0002></object>", "cleaned_text": "p", "entities": [["<patch_index_1><patch_index_2>", [2, 2], [[0.03125, 0.0, 0.09375, 0.03125]]]]},
{"text": "", "no_cleanup": "", "cleaned_text": "", "entities": []},
{"text": "<><phrase>a</phrase><object><patch_index_00000000000000000000000000000007><patch_index_99999999999999999999999999></object>", "no_cleanup": "<><phrase>a</phrase><object><patch_index_00000000000000000000000000000007><patch_index_99999999999999999999999999></object>", "cleaned_text": "a", "entities": [["a", [0, 1], [[0.234375, 0.015625, 0.984375, 9.765625e+22]]]]}
]
)json";

// Compares post_process_generation output with a fixture record: text, [[name, [s, e], [[x0,y0,x1,y1]...]]...].
void expectPostProcessed(const kosmos::PostProcessed& got, const std::string& expectedText, const json& expectedEntities,
                         const std::string& what) {
    QVERIFY2(got.caption == expectedText, (what + ": caption '" + got.caption + "' expected '" + expectedText + "'").c_str());
    QVERIFY2(got.entities.size() == expectedEntities.size(),
             (what + ": " + std::to_string(got.entities.size()) + " entities, expected " +
              std::to_string(expectedEntities.size())).c_str());
    for (std::size_t i = 0; i < got.entities.size(); ++i) {
        const kosmos::Entity& e = got.entities[i];
        const json& x = expectedEntities[i];
        const std::string where = what + " entity " + std::to_string(i);
        QVERIFY2(e.phrase == x[0].get<std::string>(), (where + ": phrase '" + e.phrase + "'").c_str());
        QVERIFY2(e.span.first == x[1][0].get<int>() && e.span.second == x[1][1].get<int>(),
                 (where + ": span (" + std::to_string(e.span.first) + ", " + std::to_string(e.span.second) + ")").c_str());
        QVERIFY2(e.boxes.size() == x[2].size(), (where + ": box count").c_str());
        for (std::size_t b = 0; b < e.boxes.size(); ++b)
            for (std::size_t c = 0; c < 4; ++c)   // exact: the values are sums of multiples of 1/64
                QVERIFY2(e.boxes[b][c] == x[2][b][c].get<double>(),
                         (where + ": box " + std::to_string(b) + " coordinate " + std::to_string(c) + " = " +
                          std::to_string(e.boxes[b][c])).c_str());
    }
}

} // namespace

class TestGrounding : public QObject {
    Q_OBJECT

private:
    json mReference;

private slots:
    void initTestCase() { mReference = loadJson("reference.json"); }

    void postProcessFixtureStrings() {
        const json& records = mReference.at("post_process_generation");
        QCOMPARE(records.size(), std::size_t(14));
        for (std::size_t i = 0; i < records.size(); ++i) {
            const json& r = records[i];
            const std::string text = r.at("text");
            const std::string what = "post_process_generation[" + std::to_string(i) + "]";
            expectPostProcessed(kosmos::postProcessGeneration(text), r.at("cleaned_text"), r.at("entities"), what);
            QVERIFY2(kosmos::postProcessNoCleanup(text) == r.at("no_cleanup").get<std::string>(), (what + ": no_cleanup").c_str());
        }
    }

    void postProcessCaseTexts() {
        int withEntities = 0;
        for (const json& c : mReference.at("cases")) {
            const std::string name = c.at("name");
            const std::string slow = c.at("generated_text_skip_special");
            const json& expected = c.at("post_process_generation");
            expectPostProcessed(kosmos::postProcessGeneration(slow), expected.at("text"), expected.at("entities"), name + " (slow decode)");
            QVERIFY2(kosmos::postProcessNoCleanup(slow) == c.at("post_process_generation_no_cleanup").get<std::string>(),
                     (name + ": no_cleanup").c_str());
            const std::string fast = c.at("generated_text_fast_style_EMULATED");
            const json& expectedFast = c.at("post_process_generation_of_fast_style_EMULATED");
            expectPostProcessed(kosmos::postProcessGeneration(fast), expectedFast.at("text"), expectedFast.at("entities"),
                                name + " (fast-style decode)");
            withEntities += expectedFast.at("entities").empty() ? 0 : 1;
        }
        QVERIFY(withEntities >= 1);   // the bboxes case yields entities, so spans and boxes were compared
    }

    void postProcessBatchRows() {
        for (const json& row : mReference.at("batch_generation").at("rows")) {
            const std::string text = row.at("generated_text_fast_style_EMULATED");
            const kosmos::PostProcessed got = kosmos::postProcessGeneration(text);
            // No entities in these degenerate outputs; the caption is the text after </image> without tags.
            QVERIFY(got.entities.empty());
            QVERIFY(got.caption.find('<') == std::string::npos);
            QVERIFY(!got.caption.empty());
        }
    }

    void postProcessExtraCases() {
        const json cases = json::parse(kExtraCases);
        QCOMPARE(cases.size(), std::size_t(12));
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const json& r = cases[i];
            const std::string text = r.at("text");
            const std::string what = "extra case " + std::to_string(i);
            expectPostProcessed(kosmos::postProcessGeneration(text), r.at("cleaned_text"), r.at("entities"), what);
            QVERIFY2(kosmos::postProcessNoCleanup(text) == r.at("no_cleanup").get<std::string>(), (what + ": no_cleanup").c_str());
        }
    }

    void postProcessRejectsIndexBeyondFloat() {
        // Python raises OverflowError converting such an int to float; we raise kosmos::Error.
        const std::string huge(400, '9');
        const std::string text = "<phrase> a</phrase><object><patch_index_0001><patch_index_" + huge + "></object>";
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::postProcessGeneration(text));
        // Just inside the double range is still a box, as in Python.
        const std::string big = "<object><patch_index_0001><patch_index_" + std::string(300, '9') + "></object>";
        const kosmos::PostProcessed ok = kosmos::postProcessGeneration(big);
        QCOMPARE(ok.entities.size(), std::size_t(1));
        QCOMPARE(ok.entities[0].boxes[0][3], 9.765625e+296);   // Python: (int("9" * 300) // 32) * (1 / 32) + 1 / 64
    }

    void postProcessInvalidUtf8() {
        // Bytes that are not UTF-8 read as one U+FFFD each (Python would never see them); output stays UTF-8.
        const std::string text = "\xff\xfe<phrase> a</phrase><object><patch_index_0044><patch_index_0863></object>";
        const kosmos::PostProcessed got = kosmos::postProcessGeneration(text);
        QCOMPARE(got.caption, std::string("\xEF\xBF\xBD\xEF\xBF\xBD a"));
        QVERIFY(kosmos::isValidUtf8(got.caption));
        QCOMPARE(got.entities.size(), std::size_t(1));
        QCOMPARE(got.entities[0].span, std::make_pair(3, 4));
    }

    void postProcessHostileSizeIsLinear() {
        // Many tags and lone '<': a quadratic scan would take minutes here.
        std::string text;
        for (int i = 0; i < 100000; ++i) text += "<phrase>";
        text += std::string(200000, '<');
        for (int i = 0; i < 50000; ++i) text += "<object><patch_index_1>";
        text += "\n>";
        QElapsedTimer timer;
        timer.start();
        const kosmos::PostProcessed got = kosmos::postProcessGeneration(text);
        QVERIFY(got.entities.empty());
        QCOMPARE(got.caption, std::string(">"));   // as transformers: every '<' run closes at the next '>'; "\n" stripped
        // '<' that never meet a '>' before the newline: Python's regex rescans from each of them.
        const std::string opens = std::string(300000, '<') + "\n>";
        QCOMPARE(kosmos::postProcessGeneration(opens).caption, opens);
        QVERIFY2(timer.elapsed() < 5000, std::to_string(timer.elapsed()).c_str());
    }

    void patchIndexToBoxExamples() {
        // transformers' docstring and the reference's golden example.
        const kosmos::Box snowman = kosmos::patchIndicesToBox(44, 863);
        QCOMPARE(snowman, (kosmos::Box{0.390625, 0.046875, 0.984375, 0.828125}));
        const kosmos::Box fire = kosmos::patchIndicesToBox(5, 911);
        QCOMPARE(fire, (kosmos::Box{0.171875, 0.015625, 0.484375, 0.890625}));
        // Same cell, same column, same row: full cells (fixture record 7).
        QCOMPARE(kosmos::patchIndicesToBox(100, 100), (kosmos::Box{0.125, 0.09375, 0.15625, 0.125}));
        QCOMPARE(kosmos::patchIndicesToBox(3, 995), (kosmos::Box{0.09375, 0.0, 0.125, 1.0}));
        QCOMPARE(kosmos::patchIndicesToBox(64, 95), (kosmos::Box{0.0, 0.0625, 1.0, 0.09375}));
        // Python floor semantics for a negative index: -1 % 32 = 31, -1 // 32 = -1.
        QCOMPARE(kosmos::patchIndicesToBox(-1, 40), (kosmos::Box{31.5 / 32, -0.5 / 32, 8.5 / 32, 1.5 / 32}));
    }

    void boxToPatchIndexRoundTrip() {
        QCOMPARE(kosmos::boxToPatchIndices({0.390625, 0.046875, 0.984375, 0.828125}), std::make_pair(44, 863));
        // Every pair whose lower-right cell is not left of / above the upper-left one survives the round trip.
        int checked = 0;
        for (int ul = 0; ul < 1024; ++ul)
            for (int lr = 0; lr < 1024; ++lr) {
                if (lr % 32 < ul % 32 || lr / 32 < ul / 32) continue;
                const auto back = kosmos::boxToPatchIndices(kosmos::patchIndicesToBox(ul, lr));
                if (back != std::make_pair(ul, lr))
                    QFAIL(("round trip of (" + std::to_string(ul) + ", " + std::to_string(lr) + ") gave (" +
                           std::to_string(back.first) + ", " + std::to_string(back.second) + ")").c_str());
                ++checked;
            }
        QCOMPARE(checked, 528 * 528);
        // The fixture's boxes -> the patch tokens transformers wrote into its preprocessed text.
        const json& c = mReference.at("cases")[3];
        const std::string pre = c.at("preprocessed_text");
        const json& b = c.at("bboxes");
        const auto first = kosmos::boxToPatchIndices(b[0][0].get<kosmos::Box>());
        const auto third = kosmos::boxToPatchIndices(b[1][1].get<kosmos::Box>());
        QVERIFY(pre.find(kosmos::patchIndexToken(first.first) + " " + kosmos::patchIndexToken(first.second)) != std::string::npos);
        QVERIFY(pre.find(kosmos::patchIndexToken(third.first) + " " + kosmos::patchIndexToken(third.second)) != std::string::npos);
        QCOMPARE(first, std::make_pair(549, 921));
    }

    void boxValidation() {
        using kosmos::Box;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::boxToPatchIndices(Box{0.5, 0.1, 0.5, 0.2}));   // x1 == x0
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::boxToPatchIndices(Box{0.1, 0.3, 0.5, 0.2}));   // y1 < y0
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::boxToPatchIndices(Box{-0.1, 0.1, 0.5, 0.2}));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::boxToPatchIndices(Box{0.1, 0.1, 1.5, 0.2}));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::boxToPatchIndices(Box{0.1, std::nan(""), 0.5, 0.2}));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::boxToPatchIndices(Box{0.1, 0.1, 0.5, 0.2}, 0));
        QCOMPARE(kosmos::boxToPatchIndices(Box{0.0, 0.0, 1.0, 1.0}), std::make_pair(0, 1023));
    }

    void patchTokensMatchVocabulary() {
        const json added = loadJson("added_tokens.json");
        for (int i = 0; i < 1024; ++i) {
            const std::string token = kosmos::patchIndexToken(i);
            QVERIFY2(added.contains(token) && added.at(token).get<int>() == 1013 + i, token.c_str());
        }
    }

    void objectTokensAsGenerated() {
        // Every entity of the fixture strings, written back as object tokens, appears in the generated text.
        int checked = 0;
        for (const json& r : mReference.at("post_process_generation")) {
            const std::string text = r.at("text");
            for (const json& e : r.at("entities")) {
                if (e[0].get<std::string>().rfind("<patch_index_", 0) == 0) continue;   // phrase-less object
                std::vector<kosmos::Box> boxes;
                for (const json& b : e[2]) boxes.push_back(b.get<kosmos::Box>());
                if (boxes[0][3] > 1.0) continue;                                         // out-of-range record
                const std::string tokens = kosmos::objectTokens(boxes);
                QVERIFY2(text.find(tokens) != std::string::npos, tokens.c_str());
                ++checked;
            }
        }
        QVERIFY(checked >= 7);
        QCOMPARE(kosmos::objectTokens({}), std::string());
    }

    void insertBoxesForms() {
        const std::string text = "<grounding><phrase> a</phrase> and<phrase> b</phrase> and<phrase> c</phrase>";
        const std::string out = kosmos::insertBoxInputs(
            text, {{kosmos::PatchPair{0, 1023}}, {}, {kosmos::Box{0.25, 0.25, 0.75, 0.75}, kosmos::PatchPair{1, 2}}});
        QCOMPARE(out, std::string("<grounding><phrase> a</phrase><object> <patch_index_0000> <patch_index_1023> </object> and"
                                  "<phrase> b</phrase> and<phrase> c</phrase><object> <patch_index_0264> <patch_index_0759> "
                                  "</delimiter_of_multi_objects/> <patch_index_0001> <patch_index_0002> </object>"));
        QCOMPARE(kosmos::insertBoxes(text, {}), text);
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::insertBoxes(text, {{}, {}}));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::insertBoxInputs(text, {{kosmos::PatchPair{0, 1024}}, {}, {}}));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::insertBoxInputs(text, {{kosmos::PatchPair{-1, 3}}, {}, {}}));
        // re "<phrase>.+?</phrase>": at least one character, no newline inside, lazy.
        QCOMPARE(kosmos::insertBoxes("<phrase></phrase>x</phrase>", {{kosmos::Box{0, 0, 1, 1}}}),
                 std::string("<phrase></phrase>x</phrase><object> <patch_index_0000> <patch_index_1023> </object>"));
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, kosmos::insertBoxes("<phrase>a\nb</phrase>", {{kosmos::Box{0, 0, 1, 1}}}));
    }

    void normalizePromptAsPython() {
        for (const json& c : mReference.at("cases")) {
            if (!c.at("bboxes").is_null()) continue;
            const std::string pre = c.at("preprocessed_text");
            const std::string norm = kosmos::normalizePrompt(c.at("text"));
            QVERIFY2(pre.size() >= norm.size() && pre.compare(pre.size() - norm.size(), norm.size(), norm) == 0, norm.c_str());
            QVERIFY(c.at("image").is_null() ? pre == norm : pre[pre.size() - norm.size() - 1] == ' ');
        }
        // str.strip(): Unicode whitespace (ideographic space, NBSP, paragraph separator, \x1c) goes, ZWSP stays.
        QCOMPARE(kosmos::normalizePrompt("\xE3\x80\x80\xC2\xA0 x y\xE2\x80\xA9\x1c"), std::string("x y"));
        QCOMPARE(kosmos::normalizePrompt("\xE2\x80\x8B x"), std::string("\xE2\x80\x8B x"));
        QCOMPARE(kosmos::normalizePrompt(" \t\n "), std::string());
        QCOMPARE(kosmos::normalizePrompt(" \xff a \xfe "), std::string("\xff a \xfe"));   // foreign bytes kept
    }

    void utf8Validation() {
        QVERIFY(kosmos::isValidUtf8("caf\xC3\xA9 \xF0\x9F\x90\xB1 \xEF\xBF\xBD"));
        QVERIFY(!kosmos::isValidUtf8("\xC0\xAF"));          // overlong
        QVERIFY(!kosmos::isValidUtf8("\xED\xA0\x80"));      // surrogate
        QVERIFY(!kosmos::isValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
        QVERIFY(!kosmos::isValidUtf8("abc\xE2\x82"));       // truncated
    }

    void pixelBoxes() {
        const kosmos::Box px = kosmos::toPixelBox(kosmos::patchIndicesToBox(44, 863), 640, 480);
        QCOMPARE(px, (kosmos::Box{250.0, 22.5, 630.0, 397.5}));
    }
};

QTEST_GUILESS_MAIN(TestGrounding)
#include "test_grounding.moc"
