#pragma once
// How a caption edit moves the grounded spans: the edit is found as the one replaced range between
// the old and the new text (code points, as the store counts), and each span follows it, grows or
// shrinks with an edit inside it, or is flagged when the edit cuts through its boundary or removes it.
#include <string>

namespace kosmos::ui {

// Code points [start, start + removed) of the old text became `inserted` code points.
struct CaptionEdit {
    int start = 0;
    int removed = 0;
    int inserted = 0;
    bool isNoop() const { return removed == 0 && inserted == 0; }
};

CaptionEdit diffCaptions(const std::u32string& before, const std::u32string& after);

struct SpanUpdate {
    int start = 0;
    int end = 0;        // start == end: nothing of the phrase is left
    bool cut = false;   // the edit crossed the span's boundary, replaced or removed the whole phrase
};

// Where span [start, end) of the old text lies after `edit`.
SpanUpdate updateSpan(int start, int end, const CaptionEdit& edit);

} // namespace kosmos::ui
