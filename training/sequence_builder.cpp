#include "training/sequence_builder.h"

#include "core/sample.h"
#include "model/error.h"
#include "model/processor.h"
#include "model/tokenizer.h"
#include "model/tokens.h"

namespace kosmos::training {
namespace {

std::string trimRight(std::string text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

std::string trimLeft(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : text.substr(first);
}

std::string phraseMarkup(const std::string& phraseText, const std::vector<Box>& boxes) {
    return std::string(tokens::kPhrase) + " " + trimLeft(trimRight(phraseText)) + tokens::kEndOfPhrase +
           objectTokens(boxes);
}

} // namespace

std::string groundedCaptionText(const GroundedRecord& record) {
    std::string text = tokens::kGrounding;
    std::int64_t position = 0;
    for (const GroundedPhrase& phrase : record.nounChunks) {
        text += trimRight(store::utf8Slice(record.caption, position, phrase.spanStart));
        text += phraseMarkup(phrase.text, phrase.boxes);
        position = phrase.spanEnd;
    }
    text += trimRight(store::utf8Slice(record.caption, position, store::utf8Length(record.caption)));
    return text;
}

std::string referringExpressionPrompt(const std::string& phraseText) {
    return std::string(tokens::kGrounding) + tokens::kPhrase + " " + trimLeft(trimRight(phraseText)) +
           tokens::kEndOfPhrase;
}

std::string referringExpressionText(const GroundedPhrase& phrase) {
    return std::string(tokens::kGrounding) + phraseMarkup(phrase.text, phrase.boxes);
}

TrainingSequence buildSequence(const Tokenizer& tokenizer, const std::string& text, std::size_t maxTokens) {
    ProcessorOptions options;
    options.addEos = true;
    options.maxTokens = maxTokens;
    ProcessedText processed = processPrompt(tokenizer, text, {}, options);
    TrainingSequence sequence;
    sequence.text = text;
    sequence.inputIds = std::move(processed.inputIds);
    sequence.imageMask = std::move(processed.imageEmbedsPositionMask);
    const std::int64_t grounding = tokenizer.tagId(tokens::kGrounding);
    const std::size_t imageEnd = 2 + tokens::kNumImageTokens;   // index of </image>
    std::size_t promptLength = imageEnd + 1;
    if (promptLength < sequence.inputIds.size() && sequence.inputIds[promptLength] == grounding) ++promptLength;
    if (promptLength + 1 >= sequence.inputIds.size())
        throw Error("training text '" + text + "' has nothing to learn after the prompt");
    sequence.promptLength = promptLength;
    sequence.labels = sequence.inputIds;
    for (std::size_t i = 0; i < promptLength; ++i) sequence.labels[i] = kIgnoreLabel;
    return sequence;
}

} // namespace kosmos::training
