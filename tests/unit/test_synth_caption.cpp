// Captions of the shapes world: templates, list grammar without Oxford comma, articles, spans.
#include <QtTest>

#include "datasets/caption.h"
#include "test_synth_checks.h"

using namespace kosmos::synth;

class TestSynthCaption : public QObject {
    Q_OBJECT

private slots:
    void articleFollowsTheNextWord() {
        QCOMPARE(QString::fromStdString(std::string(articleFor("orange"))), QString("an"));
        QCOMPARE(QString::fromStdString(std::string(articleFor("red"))), QString("a"));
        QCOMPARE(QString::fromStdString(std::string(articleFor("Umber"))), QString("an"));
        QCOMPARE(QString::fromStdString(itemPhrase({"orange", "star"})), QString("an orange star"));
        QCOMPARE(QString::fromStdString(itemPhrase({"black", "hexagon"})), QString("a black hexagon"));
    }

    void templatesAndLists() {
        const CaptionItem red{"red", "circle"}, orange{"orange", "star"}, blue{"blue", "square"};
        QCOMPARE(QString::fromStdString(buildCaption(CaptionTemplate::AnImageOf, {red}).text),
                 QString("An image of a red circle."));
        QCOMPARE(QString::fromStdString(buildCaption(CaptionTemplate::APictureShowing, {red, orange}).text),
                 QString("A picture showing a red circle and an orange star."));
        QCOMPARE(QString::fromStdString(buildCaption(CaptionTemplate::BareList, {orange, red, blue}).text),
                 QString("An orange star, a red circle and a blue square."));
        QCOMPARE(QString::fromStdString(buildCaption(CaptionTemplate::BareList, {red}).text),
                 QString("A red circle."));
    }

    void spansIndexEachItem() {
        const std::vector<CaptionItem> items = {{"orange", "star"}, {"pink", "diamond"}, {"green", "hexagon"},
                                                {"yellow", "triangle"}, {"purple", "circle"}};
        for (int t = 0; t < kCaptionTemplateCount; ++t) {
            const Caption caption = buildCaption(static_cast<CaptionTemplate>(t), items);
            QCOMPARE(caption.spans.size(), items.size());
            std::vector<std::string> phrases;
            for (size_t i = 0; i < items.size(); ++i) {
                const CaptionSpan& span = caption.spans[i];
                std::string text = caption.text.substr(static_cast<size_t>(span.start), static_cast<size_t>(span.end - span.start));
                std::string expected = itemPhrase(items[i]);
                if (t == static_cast<int>(CaptionTemplate::BareList) && i == 0) expected[0] = static_cast<char>(std::toupper(expected[0]));
                QCOMPARE(QString::fromStdString(text), QString::fromStdString(expected));
                phrases.push_back(itemPhrase(items[i]));
            }
            // The independent grammar of the checks gives the same text and spans.
            std::vector<std::pair<int, int>> spans;
            QCOMPARE(QString::fromStdString(synthchecks::expectedCaption(t, phrases, &spans)),
                     QString::fromStdString(caption.text));
            for (size_t i = 0; i < spans.size(); ++i) {
                QCOMPARE(spans[i].first, caption.spans[i].start);
                QCOMPARE(spans[i].second, caption.spans[i].end);
            }
            QVERIFY(caption.text.find(", and") == std::string::npos);
        }
    }

    void checkerRejectsBrokenLines() {
        synthchecks::CheckedRecord record;
        const std::string good =
            R"({"key":"k","id":1,"url":"","caption":"A red circle and an orange star.","width":300,"height":300,)"
            R"("noun_chunks":[[0,12,0.1,0.1,0.3,0.3,1.0],[17,31,0.5,0.5,0.7,0.6,1.0]],)"
            R"("ref_exps":[[0,12,0.1,0.1,0.3,0.3,1.0],[17,31,0.5,0.5,0.7,0.6,1.0]],"image":"images/000001.png"})";
        QCOMPARE(QString::fromStdString(synthchecks::checkLine(good, record)), QString());
        auto broken = [&](const std::string& from, const std::string& to) {
            std::string line = good;
            size_t at;
            while ((at = line.find(from)) != std::string::npos) line.replace(at, from.size(), to);
            synthchecks::CheckedRecord r;
            return !synthchecks::checkLine(line, r).empty();
        };
        QVERIFY(broken("an orange", "a orange"));                 // article
        QVERIFY(broken("circle and", "circle, and"));             // Oxford comma (spans shift too)
        QVERIFY(broken("0.5,0.5,0.7,0.6", "0.2,0.2,0.4,0.4"));   // overlap
        QVERIFY(broken("0.5,0.5,0.7,0.6", "0.45,0.5,0.96,0.6")); // side over 50%
        QVERIFY(broken("0.5,0.5,0.7,0.6", "0.5,0.5,0.52,0.52")); // side under 10%
        QVERIFY(broken("orange star", "orange blob"));            // unknown shape
        QVERIFY(broken("\"width\":300", "\"width\":700"));        // size range
        QVERIFY(broken("[17,31,0.5", "[16,31,0.5"));              // span off the item
        QVERIFY(broken("0.5,0.5,0.7,0.6", "0.05,0.5,0.25,0.6"));  // not left to right
    }
};

QTEST_GUILESS_MAIN(TestSynthCaption)
#include "test_synth_caption.moc"
