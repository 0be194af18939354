#pragma once
// Captions of the shapes world: "An image of {list}.", "A picture showing {list}.", "{List}.", where the list
// reads "X", "X and Y" or "X, Y and Z" (no Oxford comma) and each item is "a red circle" / "an orange star".
#include <string>
#include <string_view>
#include <vector>

#include "datasets/shapes_spec.h"

namespace kosmos::synth {

struct CaptionItem {
    std::string_view colour;
    std::string_view shape;
};

// Character span [start, end) of one item in the caption.
struct CaptionSpan {
    int start = 0;
    int end = 0;
};

struct Caption {
    std::string text;
    std::vector<CaptionSpan> spans;  // one per item, in order
};

// "an" before a word that starts with a vowel letter, "a" otherwise.
std::string_view articleFor(std::string_view nextWord);

// "a red circle"
std::string itemPhrase(const CaptionItem& item);

Caption buildCaption(CaptionTemplate captionTemplate, const std::vector<CaptionItem>& items);

} // namespace kosmos::synth
