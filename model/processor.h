#pragma once
// Turns (prompt, optional boxes) into the token ids Kosmos-2 reads: [<s>, <image>, 64 slots, </image>, text...],
// with image_embeds_position_mask marking the slots; pads batches (left for generation).
#include <cstdint>
#include <string>
#include <vector>

#include "model/grounding.h"

namespace kosmos {

class Tokenizer;

struct ProcessedText {
    std::vector<std::int64_t> inputIds;
    std::vector<std::int64_t> attentionMask;
    std::vector<std::int64_t> imageEmbedsPositionMask;
    std::string preprocessedText;  // the text the tokenizer saw (image tags + normalised prompt)
};

struct ProcessorOptions {
    int numImageTokens = 64;
    bool addEos = false;           // transformers adds </s> for training/scoring, not for generation
    std::size_t maxTokens = 2048;  // longer prompts are rejected
};

// Throws kosmos::Error for an empty prompt, an unknown <tag>, or more than maxTokens ids.
ProcessedText processPrompt(const Tokenizer& tokenizer, const std::string& prompt,
                            const std::vector<std::vector<Box>>& boxesPerPhrase = {},
                            const ProcessorOptions& options = {});

// Pads to the longest row with pad id 1 / mask 0 on the left (leftPad) or right.
std::vector<ProcessedText> padBatch(std::vector<ProcessedText> rows, bool leftPad, std::int64_t padId = 1);

} // namespace kosmos
