#pragma once
// Turns (prompt, optional boxes) into the token ids Kosmos-2 reads: [<s>, <image>, 64 slots, </image>, text...],
// with image_embeds_position_mask marking the slots; pads batches (left for generation).
#include <cstdint>
#include <string>
#include <vector>

#include "model/grounding.h"
#include "model/input_limits.h"

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
    std::size_t maxTokens = limits::kMaxPromptTokens;  // longer prompts are rejected
    bool withImage = true;         // false: text only, as transformers without images (no image tokens,
                                   // imageEmbedsPositionMask all 0)
};

// Prompts longer than this are rejected before anything else is done with them.
inline constexpr std::size_t kMaxPromptBytes = limits::kMaxPromptBytes;

// Throws kosmos::Error for an empty prompt, an unknown <tag>, or more than maxTokens ids.
ProcessedText processPrompt(const Tokenizer& tokenizer, const std::string& prompt,
                            const std::vector<std::vector<Box>>& boxesPerPhrase = {},
                            const ProcessorOptions& options = {});
// The same with boxes that may also be given as patch index pairs (transformers' (int, int) form).
ProcessedText processPromptWithBoxInputs(const Tokenizer& tokenizer, const std::string& prompt,
                                         const std::vector<std::vector<BoxInput>>& boxesPerPhrase,
                                         const ProcessorOptions& options = {});

// The text part alone (Kosmos2Processor.preprocess_examples): "<image> " + 64 x "<image> " + "</image> " +
// normalizePrompt(prompt), then the object tokens of the boxes. No <s>. Validates as processPrompt does
// (except the token count, which needs the tokenizer).
std::string preprocessPrompt(const std::string& prompt, const std::vector<std::vector<BoxInput>>& boxesPerPhrase = {},
                             const ProcessorOptions& options = {});

// transformers would tokenize an unknown "<word>" as plain text; we reject anything shaped like our tags
// (`</?[A-Za-z_][A-Za-z0-9_]*/?>`) that is not a token of the vocabulary (the 11 tags, <patch_index_0000> ..
// <patch_index_1023>, <s> </s> <pad> <unk> <mask>), so that a typo such as "<groundin>" is reported.
// Throws kosmos::Error naming the first such tag.
void checkPromptTags(const std::string& prompt);

// Pads to the longest row with pad id 1 / mask 0 on the left (leftPad) or right.
std::vector<ProcessedText> padBatch(std::vector<ProcessedText> rows, bool leftPad, std::int64_t padId = 1);

} // namespace kosmos
