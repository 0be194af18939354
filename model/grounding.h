#pragma once
// Pure functions of the Kosmos-2 processor: prompt normalisation, box <-> patch-index tokens,
// and post-processing of generated text (transformers' Kosmos2Processor).
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kosmos {

using Box = std::array<double, 4>;   // x0, y0, x1, y1 normalised to [0,1]

// Kosmos2Processor._preprocess_single_example text part: strip, no space before a tag token,
// a space after a tag that is followed by plain text. "<grounding>An image of" -> "<grounding> An image of".
std::string normalizePrompt(const std::string& text);

// Box -> (upper-left, lower-right) patch index pair on the 32x32 grid.
std::pair<int, int> boxToPatchIndices(const Box& box, int bins = 32);
// Patch index pair -> box (full cells when the pair shares a row/column or is equal, else cell centres).
Box patchIndicesToBox(int ul, int lr, int bins = 32);

// Writes "<object><patch_index_a><patch_index_b></delimiter_of_multi_objects/>...</object>".
std::string objectTokens(const std::vector<Box>& boxes, int bins = 32);

// transformers' processor with bboxes: inserts the object tokens after each "</phrase>" in order.
// Throws kosmos::Error if the number of phrases and box lists disagree.
std::string insertBoxes(const std::string& text, const std::vector<std::vector<Box>>& boxesPerPhrase);

struct Entity {
    std::string phrase;
    std::pair<int, int> span;      // character span in the caption (code points, as Python)
    std::vector<Box> boxes;
};

struct PostProcessed {
    std::string caption;           // cleaned text
    std::vector<Entity> entities;
};

// Kosmos2Processor.post_process_generation(text, cleanup_and_extract=True).
PostProcessed postProcessGeneration(const std::string& generatedText);
// cleanup_and_extract=False: the text after the last </image>, tags kept.
std::string postProcessNoCleanup(const std::string& generatedText);

// Normalised box -> pixel box of an image of width x height (x * W, y * H).
Box toPixelBox(const Box& box, int width, int height);

} // namespace kosmos
