#pragma once
// The Kosmos-2 tokenizer: XLM-R sentencepiece BPE with fairseq ids, then <mask>, the 11 tag tokens
// and the 1024 patch-index tokens (layout in tokens.h and the reference doc). Works for any spm size.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kosmos {

class SentencePiece;   // spm_loader.h: sentencepiece behind dlopen

class Tokenizer {
public:
    // `path` is a model folder holding sentencepiece.bpe.model, or the .model file itself.
    // Throws kosmos::Error naming the file.
    static Tokenizer load(const std::string& path);

    // transformers: tokenizer(text, add_special_tokens=addSpecial).input_ids (slow XLMRobertaTokenizer;
    // tag and patch tokens matched verbatim anywhere in the text).
    std::vector<std::int64_t> encode(const std::string& text, bool addSpecial = false) const;

    // Decoding as users of the hub checkpoint see it (the fast tokenizer): no spaces around tag tokens,
    // '▁' -> ' ', the first token loses one leading space, then transformers' clean-up.
    // skipSpecial drops the tokens transformers treats as special (<s>, <pad>, </s>, <unk>, <mask>);
    // tag and patch-index tokens are always kept.
    std::string decode(const std::vector<std::int64_t>& ids, bool skipSpecial = true) const;

    std::string idToToken(std::int64_t id) const;         // "" for ids out of range
    std::int64_t tokenToId(const std::string& token) const; // -1 when unknown (pieces, specials, tags, patches)
    std::int64_t vocabSize() const;                       // spm pieces + 1 (fairseq) + 1 (<mask>) + 11 + 1024

    std::int64_t bosId() const { return 0; }
    std::int64_t padId() const { return 1; }
    std::int64_t eosId() const { return 2; }
    std::int64_t unkId() const { return 3; }
    std::int64_t maskId() const;
    std::int64_t tagId(const char* tag) const;            // one of tokens::kTagTokens, else -1
    std::int64_t patchIndexId(int index) const;           // 0..1023
    int patchIndexOf(std::int64_t id) const;              // -1 if id is not a patch-index token
    bool isTagOrPatch(std::int64_t id) const;

private:
    std::shared_ptr<const SentencePiece> mSpm;
    std::int64_t mSpmSize = 0;
};

} // namespace kosmos
