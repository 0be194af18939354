#pragma once
// Kosmos-2 training sequences: `<s><image> 64 slots </image><grounding>` + the grounded text + `</s>`,
// with labels equal to the ids (the loss shifts them) and -100 on the prompt part (bos, image tags and
// slots, <grounding>) and on padding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "training/grounded_record.h"

namespace kosmos {
class Tokenizer;
}

namespace kosmos::training {

inline constexpr std::int64_t kIgnoreLabel = -100;

enum class SequenceForm {
    GroundedCaption,       // the caption with <phrase>..</phrase><object>..</object> after each noun chunk
    ReferringExpression,   // <phrase> X</phrase><object>..</object> for one object
};

// "<grounding>An image of<phrase> a red circle</phrase><object><patch_index_0100><patch_index_0421></object>."
// The space before a phrase goes inside it, as the released model writes it.
std::string groundedCaptionText(const GroundedRecord& record);
// "<grounding><phrase> a red circle</phrase><object>...</object>"
std::string referringExpressionText(const GroundedPhrase& phrase);
// The text the model is prompted with for each task (what evaluation sends).
std::string referringExpressionPrompt(const std::string& phraseText);

struct TrainingSequence {
    std::vector<std::int64_t> inputIds;
    std::vector<std::int64_t> labels;      // kIgnoreLabel where nothing is learnt
    std::vector<std::int64_t> imageMask;   // 1 on the 64 image slots
    std::size_t promptLength = 0;          // tokens up to and including <grounding>
    std::string text;
};

// Tokenises `text` (which starts with <grounding>) the way the processor does, with eos at the end.
// Throws kosmos::Error when it is longer than maxTokens or has an unknown tag.
TrainingSequence buildSequence(const Tokenizer& tokenizer, const std::string& text, std::size_t maxTokens = 2048);

} // namespace kosmos::training
