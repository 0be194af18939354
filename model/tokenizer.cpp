#include "model/tokenizer.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include "model/error.h"
#include "model/spm_loader.h"
#include "model/tokens.h"

namespace kosmos {

namespace {

constexpr const char* kModelFileName = "sentencepiece.bpe.model";
constexpr std::int64_t kFairseqOffset = 1;   // fairseq puts <s> <pad> </s> <unk> first
constexpr std::int64_t kNumTags = static_cast<std::int64_t>(tokens::kTagTokens.size());
constexpr std::array<const char*, 4> kFairseqSpecials = {tokens::kBos, tokens::kPad, tokens::kEos, tokens::kUnk};
constexpr std::string_view kPatchPrefix = "<patch_index_";
constexpr std::size_t kPatchTokenLength = kPatchPrefix.size() + 4 + 1;   // "<patch_index_" dddd ">"

// "<patch_index_dddd>" at the start of `text` with dddd < 1024 -> index, else -1.
int patchIndexAt(std::string_view text) {
    if (text.size() < kPatchTokenLength || text.compare(0, kPatchPrefix.size(), kPatchPrefix) != 0 ||
        text[kPatchTokenLength - 1] != '>')
        return -1;
    int index = 0;
    for (std::size_t i = kPatchPrefix.size(); i < kPatchPrefix.size() + 4; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        index = index * 10 + (text[i] - '0');
    }
    return index < tokens::kNumPatchIndexTokens ? index : -1;
}

std::string patchToken(int index) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "<patch_index_%04d>", index);
    return buffer;
}

// Python's str.rstrip(): drops trailing Unicode whitespace (what str.isspace() accepts), UTF-8 encoded.
std::string_view rstripPython(std::string_view s) {
    // U+0085 U+00A0 U+1680 U+2000..U+200A U+2028 U+2029 U+202F U+205F U+3000
    static constexpr std::array<std::string_view, 19> kWide = {
        "\xc2\x85",     "\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
        "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
        "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
        "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
    for (;;) {
        if (s.empty()) return s;
        const unsigned char last = static_cast<unsigned char>(s.back());
        if ((last >= 0x09 && last <= 0x0d) || (last >= 0x1c && last <= 0x1f) || last == 0x20) {
            s.remove_suffix(1);
            continue;
        }
        bool stripped = false;
        for (std::string_view ws : kWide) {
            if (s.size() >= ws.size() && s.compare(s.size() - ws.size(), ws.size(), ws) == 0) {
                s.remove_suffix(ws.size());
                stripped = true;
                break;
            }
        }
        if (!stripped) return s;
    }
}

// Python str.replace: every non-overlapping occurrence, left to right.
void replaceAll(std::string& s, std::string_view from, std::string_view to) {
    std::string out;
    std::size_t start = 0;
    for (std::size_t pos; (pos = s.find(from, start)) != std::string::npos; start = pos + from.size()) {
        out.append(s, start, pos - start);
        out.append(to);
    }
    if (start == 0) return;
    out.append(s, start, std::string::npos);
    s = std::move(out);
}

// transformers' clean_up_tokenization (clean_up_tokenization_spaces=True in the checkpoint).
void cleanUpTokenization(std::string& s) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kRules = {{
        {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}}};
    for (const auto& [from, to] : kRules) replaceAll(s, from, to);
}

// The added token that starts `text` (longest match): (length, id), or (0, -1).
std::pair<std::size_t, std::int64_t> addedTokenAt(std::string_view text, std::int64_t maskId) {
    std::pair<std::size_t, std::int64_t> best{0, -1};
    auto consider = [&](std::string_view name, std::int64_t id) {
        if (name.size() > best.first && text.compare(0, name.size(), name) == 0) best = {name.size(), id};
    };
    for (std::size_t i = 0; i < kFairseqSpecials.size(); ++i)
        consider(kFairseqSpecials[i], static_cast<std::int64_t>(i));
    consider(tokens::kMask, maskId);
    for (std::size_t i = 0; i < tokens::kTagTokens.size(); ++i)
        consider(tokens::kTagTokens[i], maskId + 1 + static_cast<std::int64_t>(i));
    if (const int patch = patchIndexAt(text); patch >= 0)
        consider(text.substr(0, kPatchTokenLength), maskId + 1 + kNumTags + patch);
    return best;
}

// A piece of the input: an added token (id >= 0) or plain text for sentencepiece.
struct Segment {
    std::string_view text;
    std::int64_t id = -1;
};

} // namespace

Tokenizer Tokenizer::load(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::string file = path;
    if (fs::is_directory(path, ec)) {
        file = (fs::path(path) / kModelFileName).string();
        if (!fs::exists(file, ec)) throw Error("model folder '" + path + "' has no " + kModelFileName);
    } else if (!fs::exists(path, ec)) {
        throw Error("tokenizer model '" + path + "': no such file or folder");
    }
    Tokenizer tokenizer;
    tokenizer.mSpm = SentencePiece::load(file);
    tokenizer.mSpmSize = tokenizer.mSpm->pieceCount();
    // The fairseq layout shadows sentencepiece's first three pieces (<unk> <s> </s>) with its own four.
    if (tokenizer.mSpmSize < 3)
        throw Error("tokenizer model '" + file + "': " + std::to_string(tokenizer.mSpmSize) +
                    " pieces, an XLM-R style model has at least 3");
    return tokenizer;
}

std::int64_t Tokenizer::maskId() const { return mSpmSize + kFairseqOffset; }

std::int64_t Tokenizer::vocabSize() const { return maskId() + 1 + kNumTags + tokens::kNumPatchIndexTokens; }

std::int64_t Tokenizer::tagId(const char* tag) const {
    if (!tag) return -1;
    for (std::int64_t i = 0; i < kNumTags; ++i)
        if (std::strcmp(tokens::kTagTokens[static_cast<std::size_t>(i)], tag) == 0) return maskId() + 1 + i;
    return -1;
}

std::int64_t Tokenizer::patchIndexId(int index) const {
    if (index < 0 || index >= tokens::kNumPatchIndexTokens) return -1;
    return maskId() + 1 + kNumTags + index;
}

int Tokenizer::patchIndexOf(std::int64_t id) const {
    const std::int64_t first = maskId() + 1 + kNumTags;
    return id >= first && id < first + tokens::kNumPatchIndexTokens ? static_cast<int>(id - first) : -1;
}

bool Tokenizer::isTagOrPatch(std::int64_t id) const { return id > maskId() && id < vocabSize(); }

std::string Tokenizer::idToToken(std::int64_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    if (id < static_cast<std::int64_t>(kFairseqSpecials.size())) return kFairseqSpecials[static_cast<std::size_t>(id)];
    if (id < maskId()) return mSpm ? std::string(mSpm->idToPiece(static_cast<int>(id - kFairseqOffset))) : "";
    if (id == maskId()) return tokens::kMask;
    if (const int patch = patchIndexOf(id); patch >= 0) return patchToken(patch);
    return tokens::kTagTokens[static_cast<std::size_t>(id - maskId() - 1)];
}

std::int64_t Tokenizer::tokenToId(const std::string& token) const {
    for (std::size_t i = 0; i < kFairseqSpecials.size(); ++i)
        if (token == kFairseqSpecials[i]) return static_cast<std::int64_t>(i);
    if (token == tokens::kMask) return maskId();
    for (std::size_t i = 0; i < tokens::kTagTokens.size(); ++i)
        if (token == tokens::kTagTokens[i]) return maskId() + 1 + static_cast<std::int64_t>(i);
    if (token.size() == kPatchTokenLength)
        if (const int patch = patchIndexAt(token); patch >= 0) return patchIndexId(patch);
    if (!mSpm) return -1;
    const int spmId = mSpm->pieceToId(token);
    if (spmId < 0) return -1;
    return spmId == 0 ? unkId() : spmId + kFairseqOffset;   // transformers: spm's id 0 reads as <unk>
}

std::vector<std::int64_t> Tokenizer::encode(const std::string& text, bool addSpecial) const {
    if (!mSpm) throw Error("tokenizer: encode called on a tokenizer that was never loaded");

    // transformers' added-token trie: leftmost match, longest first. No added token is a substring of another,
    // so checking each '<' for the one token that can start there is the same split.
    std::vector<Segment> segments;
    const std::string_view all(text);
    std::size_t plainStart = 0;
    for (std::size_t pos = all.find('<'); pos != std::string_view::npos; pos = all.find('<', pos)) {
        const auto [length, id] = addedTokenAt(all.substr(pos), maskId());
        if (length == 0) {
            ++pos;
            continue;
        }
        if (pos > plainStart) segments.push_back({all.substr(plainStart, pos - plainStart)});
        segments.push_back({all.substr(pos, length), id});
        pos += length;
        plainStart = pos;
    }
    if (plainStart < all.size()) segments.push_back({all.substr(plainStart)});

    // <mask>, the tags and the patch tokens are AddedToken(lstrip=True): they eat the whitespace on their left.
    for (std::size_t i = 1; i < segments.size(); ++i)
        if (segments[i].id >= maskId() && segments[i - 1].id < 0)
            segments[i - 1].text = rstripPython(segments[i - 1].text);

    std::vector<std::int64_t> ids;
    if (addSpecial) ids.push_back(bosId());
    for (const Segment& segment : segments) {
        if (segment.id >= 0) {
            ids.push_back(segment.id);
        } else if (!segment.text.empty()) {
            for (int spmId : mSpm->encode(segment.text))
                ids.push_back(spmId == 0 ? unkId() : spmId + kFairseqOffset);
        }
    }
    if (addSpecial) ids.push_back(eosId());
    return ids;
}

std::string Tokenizer::decode(const std::vector<std::int64_t>& ids, bool skipSpecial) const {
    // The fast tokenizer's Metaspace decoder over all kept tokens, added ones included: '▁' -> ' ' and the very
    // first token drops one leading space; ids it does not know are dropped.
    static constexpr std::string_view kMetaspace = "\xe2\x96\x81";
    std::string out;
    bool first = true;
    for (std::int64_t id : ids) {
        if (skipSpecial && ((id >= bosId() && id <= unkId()) || id == maskId())) continue;
        std::string token = idToToken(id);
        if (token.empty()) continue;
        replaceAll(token, kMetaspace, " ");
        if (first && !token.empty() && token.front() == ' ') token.erase(0, 1);
        first = false;
        out += token;
    }
    cleanUpTokenization(out);
    return out;
}

} // namespace kosmos
