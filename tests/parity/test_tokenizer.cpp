// Tokenizer parity against transformers' XLMRobertaTokenizer + Kosmos-2 added tokens (fixtures' reference.json),
// run in a process that has LibTorch (and its protobuf) loaded: the sentencepiece crash trap must not fire.
#include <ATen/ATen.h>
#include <link.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/error.h"
#include "model/spm_loader.h"
#include "model/tokenizer.h"
#include "model/tokens.h"

using kosmos::Tokenizer;
using Ids = std::vector<std::int64_t>;

namespace {

const std::string kModelDir = std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny";

nlohmann::json readReference() {
    std::ifstream in(kModelDir + "/reference.json");
    return nlohmann::json::parse(in);
}

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const QString& path, const std::string& bytes) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Ids idsOf(const nlohmann::json& array) { return array.get<Ids>(); }

QString q(const std::string& text) { return QString::fromStdString(text); }
QString q(const nlohmann::json& text) { return QString::fromStdString(text.get<std::string>()); }

QByteArray show(const Ids& ids) {
    QByteArray out("[");
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + QByteArray::number(qint64(ids[i]));
    return out + "]";
}

bool protobufLoaded() {
    bool found = false;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            if (info->dlpi_name && std::strstr(info->dlpi_name, "libprotobuf")) *static_cast<bool*>(data) = true;
            return 0;
        },
        &found);
    return found;
}

// Loading must fail with a kosmos::Error whose message contains every one of `needles`.
void expectLoadError(const std::string& path, std::initializer_list<const char*> needles) {
    try {
        Tokenizer::load(path);
        QFAIL(qPrintable(QString::fromStdString("loaded without error: " + path)));
    } catch (const kosmos::Error& e) {
        const std::string message = e.what();
        for (const char* needle : needles)
            QVERIFY2(message.find(needle) != std::string::npos, qPrintable(QString::fromStdString(message)));
        QVERIFY2(message.find('\n') == std::string::npos, "error messages are one line");
    }
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private:
    nlohmann::json mRef;
    Tokenizer mTok;

private slots:
    void initTestCase() {
        // LibTorch first, as in kosmos2: its libprotobuf is in the process before sentencepiece is opened.
        const at::Tensor sum = at::ones({2}).sum();
        QCOMPARE(sum.item<float>(), 2.0f);
        mRef = readReference();
        mTok = Tokenizer::load(kModelDir);
        qInfo("sentencepiece shim: %s", kosmos::spmLibraryPath().c_str());
    }

    void torchAndTokenizerShareTheProcess() {
        const auto& first = mRef["tokenizer"]["encodings"][0];
        QCOMPARE(show(mTok.encode(first["text"].get<std::string>(), true)), show(idsOf(first["input_ids"])));
        QCOMPARE((at::arange(3) * 2).sum().item<std::int64_t>(), std::int64_t(6));   // torch still works after
        // Debian's LibTorch brings libprotobuf.so.32, the library sentencepiece's bundled copy clashes with.
        if (!protobufLoaded()) QSKIP("this LibTorch has no separate libprotobuf: the crash trap cannot occur");
        QVERIFY(protobufLoaded());
    }

    void vocabularyLayout() {
        const auto& t = mRef["tokenizer"];
        QCOMPARE(mTok.vocabSize(), t["len"].get<std::int64_t>());
        QCOMPARE(mTok.bosId(), t["special_ids"]["bos"].get<std::int64_t>());
        QCOMPARE(mTok.eosId(), t["special_ids"]["eos"].get<std::int64_t>());
        QCOMPARE(mTok.padId(), t["special_ids"]["pad"].get<std::int64_t>());
        QCOMPARE(mTok.unkId(), t["special_ids"]["unk"].get<std::int64_t>());
        QCOMPARE(mTok.maskId(), t["special_ids"]["mask"].get<std::int64_t>());
        QCOMPARE(mTok.maskId(), t["sp_model_pieces"].get<std::int64_t>() + t["fairseq_offset"].get<std::int64_t>());
        const std::initializer_list<std::pair<const char*, int>> specials = {
            {"<s>", 0}, {"<pad>", 1}, {"</s>", 2}, {"<unk>", 3}};
        for (const auto& [name, id] : specials) {
            QCOMPARE(mTok.tokenToId(name), std::int64_t(id));
            QCOMPARE(q(mTok.idToToken(id)), QString(name));
        }
        QCOMPARE(mTok.tokenToId("<mask>"), mTok.maskId());
        QCOMPARE(q(mTok.idToToken(mTok.maskId())), QString("<mask>"));
        for (const auto& entry : t["added_tokens_first"]) {
            const std::string name = entry[0];
            const std::int64_t id = entry[1];
            QCOMPARE(mTok.tokenToId(name), id);
            QCOMPARE(q(mTok.idToToken(id)), q(name));
            QVERIFY(mTok.isTagOrPatch(id));
            if (name.rfind("<patch_index_", 0) == 0) {
                QCOMPARE(mTok.patchIndexId(std::stoi(name.substr(13, 4))), id);
            } else {
                QCOMPARE(mTok.tagId(name.c_str()), id);
                QCOMPARE(mTok.patchIndexOf(id), -1);
            }
        }
        // Tags in tokens.h order right after <mask>, then the 1024 patch tokens up to the end of the vocabulary.
        for (std::size_t i = 0; i < kosmos::tokens::kTagTokens.size(); ++i)
            QCOMPARE(mTok.tagId(kosmos::tokens::kTagTokens[i]), mTok.maskId() + 1 + std::int64_t(i));
        for (int k = 0; k < kosmos::tokens::kNumPatchIndexTokens; ++k) {
            const std::int64_t id = mTok.patchIndexId(k);
            QCOMPARE(mTok.patchIndexOf(id), k);
            QCOMPARE(mTok.tokenToId(mTok.idToToken(id)), id);
        }
        QCOMPARE(mTok.patchIndexId(kosmos::tokens::kNumPatchIndexTokens - 1), mTok.vocabSize() - 1);
        QCOMPARE(mTok.patchIndexId(-1), std::int64_t(-1));
        QCOMPARE(mTok.patchIndexId(kosmos::tokens::kNumPatchIndexTokens), std::int64_t(-1));
        QVERIFY(!mTok.isTagOrPatch(mTok.maskId()));
        QVERIFY(!mTok.isTagOrPatch(mTok.vocabSize()));
        QVERIFY(mTok.idToToken(mTok.vocabSize()).empty());
        QVERIFY(mTok.idToToken(-1).empty());
        QCOMPARE(mTok.tagId("<nope>"), std::int64_t(-1));
        QCOMPARE(mTok.tokenToId("<patch_index_1024>"), std::int64_t(-1));
        QCOMPARE(mTok.tokenToId("no such piece \x01"), std::int64_t(-1));
        QCOMPARE(mTok.tokenToId(std::string("<phrase>\0x", 10)), std::int64_t(-1));
    }

    void fixtureEncodings() {
        int checked = 0;
        for (const auto& e : mRef["tokenizer"]["encodings"]) {
            const std::string text = e["text"];
            const Ids withSpecial = idsOf(e["input_ids"]);
            QCOMPARE(show(mTok.encode(text, true)), show(withSpecial));
            QCOMPARE(show(mTok.encode(text, false)), show(idsOf(e["input_ids_no_special"])));
            // convert_ids_to_tokens, and back.
            const auto tokens = e["tokens"].get<std::vector<std::string>>();
            QCOMPARE(tokens.size(), withSpecial.size());
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                QCOMPARE(q(mTok.idToToken(withSpecial[i])), q(tokens[i]));
                QCOMPARE(mTok.tokenToId(tokens[i]), withSpecial[i]);
            }
            QCOMPARE(q(mTok.decode(withSpecial)), q(e["decode_fast_style_EMULATED"]));
            ++checked;
        }
        QCOMPARE(checked, 18);
    }

    // The text part of each processed prompt: the ids after the last </image> are the tokenizer's ids of the
    // preprocessed text after the last "</image>" (text-only prompts: everything after <s>).
    void caseTextIds() {
        const std::int64_t endOfImage = mTok.tagId(kosmos::tokens::kEndOfImage);
        for (const auto& c : mRef["cases"]) {
            const Ids ids = idsOf(c["input_ids"]);
            const std::string text = c["preprocessed_text"];
            const auto cut = text.rfind(kosmos::tokens::kEndOfImage);
            Ids expected;
            std::string tail;
            if (cut == std::string::npos) {
                QCOMPARE(ids.front(), mTok.bosId());
                expected.assign(ids.begin() + 1, ids.end());
                tail = text;
            } else {
                std::size_t last = ids.size();
                while (last > 0 && ids[last - 1] != endOfImage) --last;
                QVERIFY(last > 0);
                expected.assign(ids.begin() + static_cast<std::ptrdiff_t>(last), ids.end());
                tail = text.substr(cut + std::strlen(kosmos::tokens::kEndOfImage));
            }
            QVERIFY(!expected.empty());
            QCOMPARE(show(mTok.encode(tail)), show(expected));
        }
    }

    void fastStyleDecodes() {
        int checked = 0;
        auto check = [&](const Ids& ids, const nlohmann::json& expected) {
            QCOMPARE(q(mTok.decode(ids)), q(expected));
            ++checked;
        };
        for (const auto& c : mRef["cases"]) check(idsOf(c["generated_ids"]), c["generated_text_fast_style_EMULATED"]);
        for (const auto& g : mRef["generation_cases"]) {
            check(idsOf(g["generated_ids"]), g["generated_text_fast_style_EMULATED"]);
            check(idsOf(g["new_token_ids"]), g["new_tokens_text_fast_style_EMULATED"]);
        }
        const auto& batch = mRef["batch_generation"];
        for (std::size_t i = 0; i < batch["rows"].size(); ++i) {
            check(idsOf(batch["sequences"][i]), batch["rows"][i]["generated_text_fast_style_EMULATED"]);
            check(idsOf(batch["rows"][i]["new_token_ids"]), batch["rows"][i]["new_tokens_text_fast_style_EMULATED"]);
        }
        QCOMPARE(checked, 5 + 2 * 9 + 2 * 2);
    }

    void decodeRules() {
        // Clean-up of transformers (" ." -> "." ...), and the first kept token losing one leading space.
        const Ids ids = mTok.encode("Hello , world . Is it ? yes !", false);
        QCOMPARE(q(mTok.decode(ids)), QString("Hello, world. Is it? yes!"));
        QCOMPARE(q(mTok.decode(mTok.encode("it 's do n't I 'm we 've they 're rock ' n"))),
                 QString("it's don't I'm we've they're rock'n"));
        Ids withSpecials = ids;
        withSpecials.insert(withSpecials.begin(), {mTok.padId(), mTok.bosId(), mTok.maskId()});
        QCOMPARE(q(mTok.decode(withSpecials)), q(mTok.decode(ids)));
        QVERIFY(mTok.decode(withSpecials, false).rfind("<pad><s><mask>", 0) == 0);
        QVERIFY(mTok.decode({mTok.vocabSize(), -5}).empty());   // unknown ids are dropped
    }

    void addedTokensEatSpacesOnTheirLeft() {
        // lstrip=True tokens strip Python whitespace (here U+3000 and U+00A0) on their left; <s> does not.
        QCOMPARE(show(mTok.encode("a \xe3\x80\x80\xc2\xa0<grounding>b")), show(mTok.encode("a<grounding>b")));
        QCOMPARE(show(mTok.encode("x\t<patch_index_0005>")), show(mTok.encode("x<patch_index_0005>")));
        // U+0085 is whitespace to Python but an unknown character to sentencepiece: only the strip removes it.
        QCOMPARE(show(mTok.encode("a\xc2\x85<grounding>")), show(mTok.encode("a<grounding>")));
        QVERIFY(mTok.encode("a\xc2\x85") != mTok.encode("a"));
        const Ids tags = mTok.encode("<phrase><object></object>");
        QCOMPARE(show(tags), show(Ids{mTok.tagId("<phrase>"), mTok.tagId("<object>"), mTok.tagId("</object>")}));
        // Near misses stay text.
        for (const char* text : {"<patch_index_12>", "<patch_index_1024>", "<grounding", "< s>"}) {
            for (std::int64_t id : mTok.encode(text)) QVERIFY2(!mTok.isTagOrPatch(id) && id > mTok.eosId(), text);
        }
    }

    void oddInputNeverCrashes() {
        static constexpr char kNasty[] = "\xff\xfe\x00<\x80<image>\xe2\x96";
        const std::string nasty(kNasty, sizeof kNasty - 1);
        const Ids ids = mTok.encode(nasty, true);
        QVERIFY(ids.size() >= 3);
        QCOMPARE(ids.front(), mTok.bosId());
        QCOMPARE(ids.back(), mTok.eosId());
        QVERIFY(std::find(ids.begin(), ids.end(), mTok.tagId("<image>")) != ids.end());
        for (std::int64_t id : ids) QVERIFY(id >= 0 && id < mTok.vocabSize());
        const std::string longText(200000, 'a');
        QVERIFY(!mTok.encode(longText).empty());
    }

    void loadErrors() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string root = dir.path().toStdString();
        expectLoadError(root + "/missing.model", {"missing.model"});
        expectLoadError(root, {root.c_str(), "sentencepiece.bpe.model"});   // folder without a model

        const QString garbage = dir.filePath("garbage.model");
        writeBytes(garbage, "this is not a sentencepiece model\n\x01\x02\x03");
        expectLoadError(garbage.toStdString(), {"garbage.model"});
        const QString empty = dir.filePath("empty.model");
        writeBytes(empty, "");
        expectLoadError(empty.toStdString(), {"empty.model"});

        const std::string model = readBytes(kModelDir + "/sentencepiece.bpe.model");
        QVERIFY(model.size() > 1000);
        const QString truncated = dir.filePath("truncated.model");
        writeBytes(truncated, model.substr(0, model.size() / 2));
        expectLoadError(truncated.toStdString(), {"truncated.model"});

        QVERIFY(QDir(dir.path()).mkpath("sub/sentencepiece.bpe.model"));   // a folder where the file should be
        expectLoadError(root + "/sub", {"not a regular file"});

        // Hostile normalisation rules: sentencepiece would read out of bounds with them; they must be refused.
        const std::string marker = std::string("\x0a\x08nmt_nfkc\x12", 11);
        const std::size_t at = model.find(marker);
        QVERIFY(at != std::string::npos);
        std::size_t trieSizeAt = at + marker.size();
        while (static_cast<unsigned char>(model[trieSizeAt]) & 0x80) ++trieSizeAt;   // skip the length varint
        ++trieSizeAt;
        std::string hugeTrie = model;
        hugeTrie.replace(trieSizeAt, 4, std::string("\x00\xff\xff\x7f", 4));
        const QString hostile1 = dir.filePath("hostile1.model");
        writeBytes(hostile1, hugeTrie);
        expectLoadError(hostile1.toStdString(), {"hostile1.model", "normalization"});
        std::string wildRoot = model;
        wildRoot.replace(trieSizeAt + 4, 4, std::string("\x00\xfc\xff\x7f", 4));   // root offset far outside
        const QString hostile2 = dir.filePath("hostile2.model");
        writeBytes(hostile2, wildRoot);
        expectLoadError(hostile2.toStdString(), {"hostile2.model", "normalization"});

        // An intact copy still loads: the checks above refuse for the damage, not for the location.
        const QString copy = dir.filePath("copy.model");
        writeBytes(copy, model);
        QCOMPARE(show(Tokenizer::load(copy.toStdString()).encode("An image of")), show(mTok.encode("An image of")));
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
