// Port of the text side of transformers v4.40 Kosmos2Processor.__call__ / preprocess_examples.
#include "model/processor.h"

#include <algorithm>
#include <cctype>

#include "model/error.h"
#include "model/tokenizer.h"
#include "model/tokens.h"

namespace kosmos {
namespace {

bool isTagStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isTagChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Length of `</?[A-Za-z_][A-Za-z0-9_]*/?>` at pos, or 0.
std::size_t tagLengthAt(const std::string& s, std::size_t pos) {
    std::size_t i = pos + 1;
    if (i < s.size() && s[i] == '/') ++i;
    if (i >= s.size() || !isTagStart(s[i])) return 0;
    while (i < s.size() && isTagChar(s[i])) ++i;
    if (i < s.size() && s[i] == '/') ++i;
    return i < s.size() && s[i] == '>' ? i + 1 - pos : 0;
}

bool isPatchIndexToken(const std::string& tag) {
    const std::string prefix = "<patch_index_";
    if (tag.size() != prefix.size() + 5 || tag.compare(0, prefix.size(), prefix) != 0 || tag.back() != '>') return false;
    int value = 0;
    for (std::size_t i = prefix.size(); i < prefix.size() + 4; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(tag[i]))) return false;
        value = value * 10 + (tag[i] - '0');
    }
    return value < tokens::kNumPatchIndexTokens;
}

bool isKnownTag(const std::string& tag) {
    for (const char* known : tokens::kTagTokens)
        if (tag == known) return true;
    for (const char* special : {tokens::kBos, tokens::kPad, tokens::kEos, tokens::kUnk, tokens::kMask})
        if (tag == special) return true;
    return isPatchIndexToken(tag);
}

std::string imageInfo(int numImageTokens) {
    std::string info = tokens::kImage;
    for (int i = 0; i < numImageTokens; ++i) info += std::string(" ") + tokens::kImage;
    return info + " " + tokens::kEndOfImage;
}

void checkOptions(const ProcessorOptions& options) {
    if (options.withImage && (options.numImageTokens < 1 || static_cast<std::size_t>(options.numImageTokens) > options.maxTokens))
        throw Error("processor: " + std::to_string(options.numImageTokens) + " image tokens do not fit a prompt of at most " +
                    std::to_string(options.maxTokens) + " tokens");
}

} // namespace

void checkPromptTags(const std::string& prompt) {
    for (std::size_t pos = prompt.find('<'); pos != std::string::npos; pos = prompt.find('<', pos + 1)) {
        const std::size_t length = tagLengthAt(prompt, pos);
        if (length == 0) continue;
        const std::string tag = prompt.substr(pos, length);
        if (!isKnownTag(tag))
            throw Error("prompt: unknown tag '" + tag + "' at byte " + std::to_string(pos) +
                        " (known: <grounding> <phrase> </phrase> <object> </object> </delimiter_of_multi_objects/> "
                        "<image> </image> </doc> </chunk> </line> <patch_index_0000>..<patch_index_1023>)");
        pos += length - 1;
    }
}

std::string preprocessPrompt(const std::string& prompt, const std::vector<std::vector<BoxInput>>& boxesPerPhrase,
                             const ProcessorOptions& options) {
    checkOptions(options);
    if (prompt.size() > kMaxPromptBytes)
        throw Error("prompt: " + std::to_string(prompt.size()) + " bytes, more than the " +
                    std::to_string(kMaxPromptBytes) + " a prompt may have");
    if (!isValidUtf8(prompt)) throw Error("prompt: not valid UTF-8");
    const std::string text = normalizePrompt(prompt);
    if (text.empty()) throw Error("prompt: is empty");
    checkPromptTags(text);
    // _preprocess_single_example: image info first, then the boxes after each phrase of the whole text.
    const std::string withImage = options.withImage ? imageInfo(options.numImageTokens) + " " + text : text;
    return insertBoxInputs(withImage, boxesPerPhrase, tokens::kPatchGrid);
}

ProcessedText processPromptWithBoxInputs(const Tokenizer& tokenizer, const std::string& prompt,
                                         const std::vector<std::vector<BoxInput>>& boxesPerPhrase,
                                         const ProcessorOptions& options) {
    ProcessedText out;
    out.preprocessedText = preprocessPrompt(prompt, boxesPerPhrase, options);

    // __call__: add_eos_token=False prepends "<s>" to the text and tokenizes without special tokens;
    // add_eos_token=True tokenizes with them (<s> ... </s>).
    if (options.addEos) {
        out.inputIds = tokenizer.encode(out.preprocessedText, true);
    } else {
        out.inputIds.push_back(tokenizer.bosId());
        const std::vector<std::int64_t> text = tokenizer.encode(out.preprocessedText, false);
        out.inputIds.insert(out.inputIds.end(), text.begin(), text.end());
    }
    if (out.inputIds.size() > options.maxTokens)
        throw Error("prompt: " + std::to_string(out.inputIds.size()) + " tokens, more than the limit of " +
                    std::to_string(options.maxTokens));

    out.attentionMask.assign(out.inputIds.size(), 1);
    out.imageEmbedsPositionMask.assign(out.inputIds.size(), 0);
    if (!options.withImage) return out;

    // The 64 placeholder <image> tokens after <s> <image> become ids unk+1 ... unk+64, marked in the mask.
    const std::size_t first = 2, count = static_cast<std::size_t>(options.numImageTokens);
    if (out.inputIds.size() < first + count + 1 || out.inputIds[1] != tokenizer.tagId(tokens::kImage) ||
        out.inputIds[first + count] != tokenizer.tagId(tokens::kEndOfImage))
        throw Error("prompt: the tokenizer did not keep <image> ... </image> at the start of the sequence");
    for (std::size_t i = 0; i < count; ++i) {
        out.inputIds[first + i] = tokenizer.unkId() + 1 + static_cast<std::int64_t>(i);
        out.imageEmbedsPositionMask[first + i] = 1;
    }
    return out;
}

ProcessedText processPrompt(const Tokenizer& tokenizer, const std::string& prompt,
                            const std::vector<std::vector<Box>>& boxesPerPhrase, const ProcessorOptions& options) {
    std::vector<std::vector<BoxInput>> inputs;
    inputs.reserve(boxesPerPhrase.size());
    for (const auto& boxes : boxesPerPhrase) inputs.emplace_back(boxes.begin(), boxes.end());
    return processPromptWithBoxInputs(tokenizer, prompt, inputs, options);
}

std::vector<ProcessedText> padBatch(std::vector<ProcessedText> rows, bool leftPad, std::int64_t padId) {
    std::size_t longest = 0;
    for (const ProcessedText& row : rows) longest = std::max(longest, row.inputIds.size());
    for (ProcessedText& row : rows) {
        if (row.attentionMask.size() != row.inputIds.size() || row.imageEmbedsPositionMask.size() != row.inputIds.size())
            throw Error("padBatch: a row's masks and ids differ in length");
        const std::size_t missing = longest - row.inputIds.size();
        const auto pad = [&](std::vector<std::int64_t>& v, std::int64_t value) {
            v.insert(leftPad ? v.begin() : v.end(), missing, value);
        };
        pad(row.inputIds, padId);
        pad(row.attentionMask, 0);
        pad(row.imageEmbedsPositionMask, 0);
    }
    return rows;
}

} // namespace kosmos
