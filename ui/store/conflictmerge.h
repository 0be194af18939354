#pragma once
// What to do when a sample changed in the store while it was being edited: compare annotations, and
// "keep both" — ours with every entity they added since the version we both started from.
#include "core/sample.h"

namespace kosmos::ui {

// Same caption, review state and entities (in order): what an editor changes.
bool sameAnnotation(const kosmos::store::Sample& a, const kosmos::store::Sample& b);

struct KeepBothResult {
    kosmos::store::Sample sample;   // ours, plus the entities they added
    int added = 0;
    int dropped = 0;   // theirs whose phrase our caption does not have (their version stays in the history)
};

// `base` is the stored version both edits started from: their entities that are neither in it nor in
// ours (same kind, phrase and boxes) are added to ours, as they are when both captions are the same,
// otherwise at the first occurrence of their phrase in our caption.
KeepBothResult keepBoth(const kosmos::store::Sample& base, const kosmos::store::Sample& ours,
                        const kosmos::store::Sample& theirs);

} // namespace kosmos::ui
