#include "ui/document/captionedit.h"

#include <algorithm>

namespace kosmos::ui {

CaptionEdit diffCaptions(const std::u32string& before, const std::u32string& after) {
    const std::size_t shorter = std::min(before.size(), after.size());
    std::size_t prefix = 0;
    while (prefix < shorter && before[prefix] == after[prefix]) ++prefix;
    std::size_t suffix = 0;
    while (suffix < shorter - prefix && before[before.size() - 1 - suffix] == after[after.size() - 1 - suffix])
        ++suffix;
    CaptionEdit edit;
    edit.start = static_cast<int>(prefix);
    edit.removed = static_cast<int>(before.size() - prefix - suffix);
    edit.inserted = static_cast<int>(after.size() - prefix - suffix);
    return edit;
}

SpanUpdate updateSpan(int start, int end, const CaptionEdit& edit) {
    const int a = edit.start;
    const int b = edit.start + edit.removed;
    const int delta = edit.inserted - edit.removed;
    if (edit.isNoop()) return {start, end, false};
    if (edit.removed == 0) {
        // An insertion at the phrase's start goes before it, one at its end after it.
        if (a <= start) return {start + delta, end + delta, false};
        if (a >= end) return {start, end, false};
        return {start, end + delta, false};
    }
    if (b <= start) return {start + delta, end + delta, false};
    if (a >= end) return {start, end, false};
    if (a <= start && b >= end) {
        // The whole phrase was replaced: the new text takes its place when the edit was exactly the
        // phrase, otherwise nothing of it is left.
        if (a == start && b == end && edit.inserted > 0) return {start, start + edit.inserted, true};
        return {a, a, true};
    }
    if (a >= start && b <= end) return {start, end + delta, false};
    if (a < start) return {a + edit.inserted, end + delta, true};   // cut through the phrase's start
    return {start, a, true};                                          // cut through its end
}

} // namespace kosmos::ui
