#include "ui/store/conflictmerge.h"

#include <QString>

#include <algorithm>

namespace kosmos::ui {

namespace st = kosmos::store;

namespace {

bool sameEntity(const st::EntityRecord& a, const st::EntityRecord& b) {
    return a.kind == b.kind && a.spanStart == b.spanStart && a.spanEnd == b.spanEnd && a.phrase == b.phrase &&
           a.boxes == b.boxes && a.confidence == b.confidence && a.source == b.source &&
           a.modelCheckpoint == b.modelCheckpoint && a.modelPrompt == b.modelPrompt && a.author == b.author;
}

// The same grounding, whoever made it.
bool sameGrounding(const st::EntityRecord& a, const st::EntityRecord& b) {
    return a.kind == b.kind && a.phrase == b.phrase && a.boxes == b.boxes;
}

} // namespace

bool sameAnnotation(const st::Sample& a, const st::Sample& b) {
    return a.caption == b.caption && a.review == b.review &&
           std::equal(a.entities.begin(), a.entities.end(), b.entities.begin(), b.entities.end(), sameEntity);
}

KeepBothResult keepBoth(const st::Sample& base, const st::Sample& ours, const st::Sample& theirs) {
    KeepBothResult out;
    out.sample = ours;
    const std::u32string caption = QString::fromStdString(ours.caption).toStdU32String();
    for (const st::EntityRecord& entity : theirs.entities) {
        const auto same = [&](const st::EntityRecord& e) { return sameGrounding(e, entity); };
        const bool known = std::any_of(base.entities.begin(), base.entities.end(), same) ||
                           std::any_of(out.sample.entities.begin(), out.sample.entities.end(), same);
        if (known) continue;
        st::EntityRecord placed = entity;
        if (theirs.caption != ours.caption) {
            const std::u32string phrase = QString::fromStdString(entity.phrase).toStdU32String();
            const std::size_t at = phrase.empty() ? std::u32string::npos : caption.find(phrase);
            if (at == std::u32string::npos) {
                ++out.dropped;
                continue;
            }
            placed.spanStart = static_cast<int>(at);
            placed.spanEnd = static_cast<int>(at + phrase.size());
        }
        out.sample.entities.push_back(std::move(placed));
        ++out.added;
    }
    return out;
}

} // namespace kosmos::ui
