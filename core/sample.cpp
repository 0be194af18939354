#include "core/sample.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/store_schema.h"

namespace kosmos::store {

namespace {

template <typename Enum, std::size_t N>
bool parseName(const char* const (&names)[N], const std::string& name, Enum& out) {
    for (std::size_t i = 0; i < N; ++i) {
        if (name == names[i]) {
            out = static_cast<Enum>(i);
            return true;
        }
    }
    return false;
}

std::string formatNumber(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

// Length of the UTF-8 sequence starting at `p` (at most `left` bytes), 0 when invalid.
std::size_t sequenceLength(const unsigned char* p, std::size_t left) {
    const unsigned char c = p[0];
    std::size_t length = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) { length = 2; min = 0x80; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { length = 3; min = 0x800; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { length = 4; min = 0x10000; cp = c & 0x07; }
    else return 0;
    if (length > left) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return length;
}

} // namespace

const char* toString(Split value) { return schema::kSplitNames[static_cast<int>(value)]; }
const char* toString(ReviewState value) { return schema::kReviewNames[static_cast<int>(value)]; }
const char* toString(EntitySource value) { return schema::kSourceNames[static_cast<int>(value)]; }
const char* toString(EntityKind value) { return schema::kKindNames[static_cast<int>(value)]; }

bool parseSplit(const std::string& name, Split& out) { return parseName(schema::kSplitNames, name, out); }
bool parseReviewState(const std::string& name, ReviewState& out) {
    return parseName(schema::kReviewNames, name, out);
}
bool parseEntitySource(const std::string& name, EntitySource& out) {
    return parseName(schema::kSourceNames, name, out);
}
bool parseEntityKind(const std::string& name, EntityKind& out) {
    return parseName(schema::kKindNames, name, out);
}

std::int64_t utf8Length(const std::string& text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t i = 0;
    std::int64_t count = 0;
    while (i < text.size()) {
        if (p[i] < 0x80) {
            ++i;
        } else {
            const std::size_t n = sequenceLength(p + i, text.size() - i);
            if (n == 0) return -1;
            i += n;
        }
        ++count;
    }
    return count;
}

std::string utf8Slice(const std::string& text, std::int64_t start, std::int64_t end) {
    const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
        const auto size = static_cast<std::int64_t>(text.size());
        start = std::clamp<std::int64_t>(start, 0, size);
        end = std::clamp<std::int64_t>(end, start, size);
        return text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
    }
    std::size_t i = 0;
    std::int64_t index = 0;
    std::size_t from = text.size();
    std::size_t to = text.size();
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    while (i <= text.size()) {
        if (index == start) from = i;
        if (index == end) {
            to = i;
            break;
        }
        if (i == text.size()) break;
        const std::size_t n = sequenceLength(p + i, text.size() - i);
        i += n == 0 ? 1 : n;
        ++index;
    }
    if (from >= to) return {};
    return text.substr(from, to - from);
}

std::string spanProblem(std::int64_t start, std::int64_t end, std::int64_t captionLength) {
    if (start < 0 || end > captionLength || start >= end) {
        return "span [" + std::to_string(start) + ", " + std::to_string(end) + "] outside the caption (" +
               std::to_string(captionLength) + " characters)";
    }
    return {};
}

std::string boxProblem(const Box& box) {
    const auto text = [&] {
        return "[" + formatNumber(box[0]) + ", " + formatNumber(box[1]) + ", " + formatNumber(box[2]) + ", " +
               formatNumber(box[3]) + "]";
    };
    for (double v : box) {
        if (!std::isfinite(v) || v < 0.0 || v > 1.0) return "box " + text() + " outside [0,1]";
    }
    if (box[0] > box[2] || box[1] > box[3]) return "box " + text() + " inverted (x0 > x1 or y0 > y1)";
    return {};
}

std::string validateSample(const Sample& sample) {
    if (sample.key.empty()) return "empty key";
    const std::int64_t length = utf8Length(sample.caption);
    if (length < 0) return "caption is not valid UTF-8";
    for (std::size_t i = 0; i < sample.entities.size(); ++i) {
        const EntityRecord& entity = sample.entities[i];
        const std::string where = "entity " + std::to_string(i) + " (" + toString(entity.kind) + "): ";
        if (std::string problem = spanProblem(entity.spanStart, entity.spanEnd, length); !problem.empty()) {
            return where + problem;
        }
        if (entity.boxes.empty()) return where + "no box";
        for (const Box& box : entity.boxes) {
            if (std::string problem = boxProblem(box); !problem.empty()) return where + problem;
        }
        if (entity.confidence && !std::isfinite(*entity.confidence)) return where + "confidence is not finite";
    }
    return {};
}

} // namespace kosmos::store
