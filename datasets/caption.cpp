#include "datasets/caption.h"

#include <cctype>

namespace kosmos::synth {

std::string_view articleFor(std::string_view nextWord) {
    if (nextWord.empty()) return "a";
    switch (std::tolower(static_cast<unsigned char>(nextWord.front()))) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return "an";
    default: return "a";
    }
}

std::string itemPhrase(const CaptionItem& item) {
    std::string phrase(articleFor(item.colour));
    phrase += ' ';
    phrase += item.colour;
    phrase += ' ';
    phrase += item.shape;
    return phrase;
}

Caption buildCaption(CaptionTemplate captionTemplate, const std::vector<CaptionItem>& items) {
    Caption caption;
    switch (captionTemplate) {
    case CaptionTemplate::AnImageOf: caption.text = "An image of "; break;
    case CaptionTemplate::APictureShowing: caption.text = "A picture showing "; break;
    case CaptionTemplate::BareList: break;
    }
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) caption.text += (i + 1 == items.size()) ? " and " : ", ";
        std::string phrase = itemPhrase(items[i]);
        if (caption.text.empty()) phrase[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(phrase[0])));
        const int start = static_cast<int>(caption.text.size());
        caption.text += phrase;
        caption.spans.push_back({start, static_cast<int>(caption.text.size())});
    }
    caption.text += '.';
    return caption;
}

} // namespace kosmos::synth
