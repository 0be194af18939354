// Fuzz targets of text: the tokenizer on arbitrary bytes and ids, prompt normalisation and processing,
// post-processing of arbitrary generated text.
#include "fuzz/targets/fuzz_targets.h"

#include <cstring>

#include "model/error.h"
#include "model/grounding.h"
#include "model/processor.h"
#include "model/tokenizer.h"

namespace kosmos::fuzz {

namespace {

// Boxes for up to three phrases from the first bytes: normalised boxes and patch index pairs.
std::vector<std::vector<BoxInput>> boxesFrom(const std::uint8_t*& data, std::size_t& size) {
    std::vector<std::vector<BoxInput>> boxes;
    if (size == 0) return boxes;
    const int lists = data[0] % 4;
    ++data, --size;
    for (int i = 0; i < lists && size >= 1; ++i) {
        auto& list = boxes.emplace_back();
        const int count = data[0] % 3;
        ++data, --size;
        for (int k = 0; k < count && size >= 4; ++k, data += 4, size -= 4) {
            if (data[0] & 1) {
                list.push_back(PatchPair{(data[0] << 4) | data[1], (data[2] << 4) | data[3]});
            } else {
                list.push_back(Box{data[0] / 255.0, data[1] / 255.0, data[2] / 255.0, data[3] / 255.0});
            }
        }
    }
    return boxes;
}

} // namespace

int tokenizerText(const std::uint8_t* data, std::size_t size) {
    const Tokenizer& tokenizer = fixtureTokenizer();
    const std::string text(reinterpret_cast<const char*>(data), size);
    const bool special = size > 0 && (data[0] & 1);
    std::vector<std::int64_t> ids;
    try {
        ids = tokenizer.encode(text, special);
    } catch (const Error&) {
        return 0;
    }
    for (std::int64_t id : ids) require(id >= 0 && id < tokenizer.vocabSize(), "encode gave an id outside the vocabulary");
    tokenizer.decode(ids, true);
    tokenizer.decode(ids, false);
    require(tokenizer.tokenToId(text) >= -1, "tokenToId below -1");
    // The same bytes read as ids, any value included (negative, past the vocabulary).
    std::vector<std::int64_t> raw(size / 4);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        std::int32_t v = 0;
        std::memcpy(&v, data + 4 * i, 4);
        raw[i] = v % (2 * tokenizer.vocabSize());
    }
    tokenizer.decode(raw, false);
    for (std::int64_t id : raw) {
        const std::string token = tokenizer.idToToken(id);
        require(token.empty() == (id < 0 || id >= tokenizer.vocabSize()), "idToToken disagrees with the vocabulary");
    }
    return 0;
}

int promptText(const std::uint8_t* data, std::size_t size) {
    const auto boxes = boxesFrom(data, size);
    const std::string prompt(reinterpret_cast<const char*>(data), size);
    const std::string normalized = normalizePrompt(prompt);
    require(normalized.size() <= prompt.size(), "normalisation lengthened the prompt");
    require(normalizePrompt(normalized) == normalized, "normalisation is not idempotent");
    try {
        checkPromptTags(prompt);
    } catch (const Error&) {
    }
    ProcessorOptions options;
    options.withImage = size % 3 != 0;
    options.maxTokens = size % 5 == 0 ? 80 : limits::kMaxPromptTokens;
    try {
        const ProcessedText processed = processPromptWithBoxInputs(fixtureTokenizer(), prompt, boxes, options);
        require(processed.inputIds.size() <= options.maxTokens, "a prompt longer than maxTokens was accepted");
        require(processed.attentionMask.size() == processed.inputIds.size() &&
                    processed.imageEmbedsPositionMask.size() == processed.inputIds.size(),
                "masks and ids differ in length");
        std::size_t slots = 0;
        for (std::int64_t m : processed.imageEmbedsPositionMask) slots += m == 1;
        require(slots == (options.withImage ? std::size_t(options.numImageTokens) : 0), "wrong number of image slots");
        const auto padded = padBatch({processed, processed}, true);
        require(padded.size() == 2 && padded[0].inputIds == processed.inputIds, "padding changed an unpadded row");
    } catch (const Error&) {
    }
    return 0;
}

int generatedText(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string tail = postProcessNoCleanup(text);
    require(tail.size() <= text.size(), "post-processing without clean-up lengthened the text");
    try {
        const PostProcessed result = postProcessGeneration(text);
        require(isValidUtf8(result.caption), "the caption is not valid UTF-8");
        for (const Entity& entity : result.entities) {
            require(isValidUtf8(entity.phrase), "a phrase is not valid UTF-8");
            require(!entity.boxes.empty(), "an entity without boxes");
        }
    } catch (const Error&) {
    }
    return 0;
}

} // namespace kosmos::fuzz
