#pragma once
// Pure functions of the Kosmos-2 processor: prompt normalisation, box <-> patch-index tokens,
// and post-processing of generated text (transformers' Kosmos2Processor).
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace kosmos {

using Box = std::array<double, 4>;   // x0, y0, x1, y1 normalised to [0,1]

// An (upper-left, lower-right) patch index pair, the other box form transformers accepts.
using PatchPair = std::pair<int, int>;
// A box as given to the processor: normalised coordinates or an already computed patch index pair.
using BoxInput = std::variant<Box, PatchPair>;

// Kosmos2Processor._preprocess_single_example text part, as transformers v4.40 does it: the text is
// stripped (Python str.strip(), Unicode whitespace) and otherwise left alone; spaces around tag tokens are
// the tokenizer's business (tag tokens strip the spaces on their left).
std::string normalizePrompt(const std::string& text);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool isValidUtf8(const std::string& text);

// Box -> (upper-left, lower-right) patch index pair on the bins x bins grid (coordinate_to_patch_index).
// Throws kosmos::Error unless 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 (transformers rejects x1 <= x0, y1 <= y0;
// coordinates outside [0,1] would name patch tokens that do not exist).
std::pair<int, int> boxToPatchIndices(const Box& box, int bins = 32);
// Patch index pair -> box (full cells when the pair shares a row/column or is equal, else cell centres).
// Python semantics: indices are split with floor division, so any int gives what transformers gives.
Box patchIndicesToBox(int ul, int lr, int bins = 32);

// "<patch_index_0044>": the token of one patch index (Python str(index).zfill(4)).
std::string patchIndexToken(int index);

// Writes "<object><patch_index_a><patch_index_b></delimiter_of_multi_objects/>...</object>"; "" for no boxes.
std::string objectTokens(const std::vector<Box>& boxes, int bins = 32);

// transformers' processor with bboxes: inserts the object tokens after each "</phrase>" in order, in
// transformers' spaced form "<object> <patch_index_a> <patch_index_b> </delimiter_of_multi_objects/> ... </object>".
// An empty list for a phrase inserts nothing for it (transformers' None); no lists at all leave the text as is.
// Throws kosmos::Error if the number of phrases and box lists disagree, or a box is invalid.
std::string insertBoxes(const std::string& text, const std::vector<std::vector<Box>>& boxesPerPhrase);
// The same with boxes that may be patch index pairs (each index in [0, bins*bins)).
std::string insertBoxInputs(const std::string& text, const std::vector<std::vector<BoxInput>>& boxesPerPhrase,
                            int bins = 32);

struct Entity {
    std::string phrase;
    std::pair<int, int> span;      // character span in the caption (code points, as Python)
    std::vector<Box> boxes;
};

struct PostProcessed {
    std::string caption;           // cleaned text
    std::vector<Entity> entities;
};

// Kosmos2Processor.post_process_generation(text, cleanup_and_extract=True). Invalid UTF-8 bytes are read as
// U+FFFD. Throws kosmos::Error only where transformers raises too (a patch index too large for a float).
PostProcessed postProcessGeneration(const std::string& generatedText);
// cleanup_and_extract=False: the text after the last </image>, tags kept.
std::string postProcessNoCleanup(const std::string& generatedText);

// Normalised box -> pixel box of an image of width x height (x * W, y * H).
Box toPixelBox(const Box& box, int width, int height);

} // namespace kosmos
