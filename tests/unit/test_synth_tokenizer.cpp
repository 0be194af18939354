// The demo tokenizer trained by spm_train on the shapes captions and prompts: deterministic, small, covers
// every character, and the project's Tokenizer encodes every caption and prompt without <unk> and back.
// Skips when spm_train (Debian package sentencepiece) is not installed.
#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include "datasets/shapes_generator.h"
#include "datasets/tokenizer_training.h"
#include "model/error.h"
#include "model/tokenizer.h"

using namespace kosmos::synth;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> vocabPieces(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> pieces;
    std::string line;
    while (std::getline(in, line)) pieces.push_back(line.substr(0, line.find('\t')));
    return pieces;
}

} // namespace

class TestSynthTokenizer : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (std::system("command -v spm_train >/dev/null 2>&1") != 0) QSKIP("spm_train is not installed");
    }

    void trainsADeterministicSmallTokenizer() {
        const std::vector<std::string> captions = datasetCaptions(4, 300, SampleLimits{}, 2);
        QCOMPARE(captions.size(), size_t{300});
        QTemporaryDir one, two;
        TokenizerTrainingOptions options;
        options.outDir = one.path().toStdString();
        const std::string model = trainTokenizer(captions, options);
        QCOMPARE(QString::fromStdString(model), one.path() + "/sentencepiece.bpe.model");
        options.outDir = two.path().toStdString();
        trainTokenizer(captions, options);
        const std::string bytes = readAll(model);
        QVERIFY(bytes.size() > 1000);
        QVERIFY(bytes == readAll(two.path().toStdString() + "/sentencepiece.bpe.model"));
        QVERIFY(readAll(one.path().toStdString() + "/spm_corpus.txt") == tokenizerCorpus(captions));
        QCOMPARE(QDir(one.path()).entryList(QStringList() << ".spm-train*", QDir::Hidden | QDir::AllEntries | QDir::NoDotAndDotDot).size(), 0);

        const std::vector<std::string> pieces = vocabPieces(one.path().toStdString() + "/sentencepiece.bpe.vocab");
        QVERIFY(pieces.size() >= 60 && pieces.size() <= size_t{kDefaultVocabSize});
        QCOMPARE(QString::fromStdString(pieces[0]), QString("<unk>"));
        QCOMPARE(QString::fromStdString(pieces[1]), QString("<s>"));
        QCOMPARE(QString::fromStdString(pieces[2]), QString("</s>"));
        const std::set<std::string> pieceSet(pieces.begin(), pieces.end());
        std::set<char> characters;
        for (const std::string& caption : captions) characters.insert(caption.begin(), caption.end());
        for (const std::string& prompt : tokenizerPrompts()) characters.insert(prompt.begin(), prompt.end());
        characters.erase(' ');
        for (char c : characters) QVERIFY2(pieceSet.count(std::string(1, c)), std::string(1, c).c_str());

        // The project's tokenizer reads it; nothing falls to <unk> and decoding gives the text back.
        const kosmos::Tokenizer tokenizer = kosmos::Tokenizer::load(one.path().toStdString());
        std::vector<std::string> texts = captions;
        texts.insert(texts.end(), tokenizerPrompts().begin(), tokenizerPrompts().end());
        size_t longest = 0;
        for (const std::string& text : texts) {
            const std::vector<std::int64_t> ids = tokenizer.encode(text);
            QVERIFY(!ids.empty());
            for (std::int64_t id : ids) QVERIFY2(id != tokenizer.unkId(), text.c_str());
            QCOMPARE(QString::fromStdString(tokenizer.decode(ids)), QString::fromStdString(text));
            longest = std::max(longest, ids.size());
        }
        qInfo("%zu pieces; longest caption or prompt: %zu tokens", pieces.size(), longest);
    }

    void failuresNameTheCause() {
        QTemporaryDir dir;
        TokenizerTrainingOptions options;
        options.outDir = dir.path().toStdString();
        options.program = "/nonexistent/spm_train";
        try {
            trainTokenizer({"A red circle."}, options);
            QFAIL("a missing spm_train was not reported");
        } catch (const kosmos::Error& e) {
            QVERIFY2(std::string(e.what()).find("/nonexistent/spm_train") != std::string::npos, e.what());
        }
        options.program.clear();
        options.vocabSize = 10;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, trainTokenizer({"A red circle."}, options));
        options.vocabSize = kDefaultVocabSize;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, trainTokenizer({}, options));
        // The output folder is a file.
        options.outDir = dir.path().toStdString() + "/file";
        std::ofstream(options.outDir) << "x";
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, trainTokenizer({"A red circle."}, options));
        // The trainer exits with an error status (`false` stands in for a failing spm_train).
        options.outDir = dir.path().toStdString() + "/out";
        options.program = "false";
        try {
            trainTokenizer({"A red circle."}, options);
            QFAIL("a failing trainer was not reported");
        } catch (const kosmos::Error& e) {
            QVERIFY2(std::string(e.what()).find("status 1") != std::string::npos, e.what());
        }
        QVERIFY(!QFile::exists(QString::fromStdString(options.outDir + "/sentencepiece.bpe.model")));
    }
};

QTEST_GUILESS_MAIN(TestSynthTokenizer)
#include "test_synth_tokenizer.moc"
