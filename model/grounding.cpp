// Port of transformers v4.40 processing_kosmos2.py: coordinate_to_patch_index, patch_index_to_coordinate,
// _insert_patch_index_tokens and the post-processing chain (extract_entities_with_patch_indices,
// adjust_entity_positions, _cleanup_spaces, clean_text_and_extract_entities_with_bboxes).
// Python's regexes are replaced by scanners with the same matches; offsets are code points, as Python's.
#include "model/grounding.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "model/error.h"
#include "model/tokens.h"

namespace kosmos {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes the UTF-8 sequence at s[i]; sets `length` to the bytes it takes. A byte that does not start a
// well-formed sequence reads as U+FFFD of length 1.
char32_t decodeAt(std::string_view s, std::size_t i, std::size_t& length) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    length = 1;
    if (b < 0x80) return b;
    std::size_t extra = 0;
    char32_t cp = 0, minimum = 0;
    if ((b & 0xE0) == 0xC0) { extra = 1; cp = b & 0x1F; minimum = 0x80; }
    else if ((b & 0xF0) == 0xE0) { extra = 2; cp = b & 0x0F; minimum = 0x800; }
    else if ((b & 0xF8) == 0xF0) { extra = 3; cp = b & 0x07; minimum = 0x10000; }
    else return kReplacement;
    if (i + extra >= s.size()) return kReplacement;
    for (std::size_t k = 1; k <= extra; ++k) {
        const unsigned char c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xC0) != 0x80) return kReplacement;
        cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kReplacement;
    length = extra + 1;
    return cp;
}

std::u32string toCodePoints(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    std::size_t length = 0;
    for (std::size_t i = 0; i < s.size(); i += length) out.push_back(decodeAt(s, i, length));
    return out;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string toUtf8(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t cp : s) appendUtf8(out, cp);
    return out;
}

// Python str.isspace().
bool isPythonSpace(char32_t c) {
    switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x1C: case 0x1D: case 0x1E: case 0x1F:
    case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
        return true;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

// Python's regex \d (Unicode category Nd, Unicode 14 as in Python 3.11): the value 0..9, or -1.
int decimalDigitValue(char32_t c) {
    static constexpr char32_t kZeros[] = {
        0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6,
        0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0,
        0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30,
        0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0,
        0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec,
        0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0};
    if (c < 0x80) return (c >= '0' && c <= '9') ? static_cast<int>(c - '0') : -1;
    const auto* it = std::upper_bound(std::begin(kZeros), std::end(kZeros), c);
    if (it == std::begin(kZeros)) return -1;
    const char32_t zero = *(it - 1);
    return c - zero <= 9 ? static_cast<int>(c - zero) : -1;
}

bool startsWith(std::u32string_view s, std::size_t pos, std::u32string_view prefix) {
    return pos <= s.size() && s.size() - pos >= prefix.size() && s.compare(pos, prefix.size(), prefix) == 0;
}

std::size_t leadingSpaces(std::u32string_view s) {
    std::size_t n = 0;
    while (n < s.size() && isPythonSpace(s[n])) ++n;
    return n;
}

std::size_t trailingSpaces(std::u32string_view s) {
    std::size_t n = 0;
    while (n < s.size() && isPythonSpace(s[s.size() - 1 - n])) ++n;
    return n;
}

std::u32string_view pythonStrip(std::u32string_view s) {
    const std::size_t lead = leadingSpaces(s);
    if (lead == s.size()) return {};
    return s.substr(lead, s.size() - lead - trailingSpaces(s));
}

// Python floor division and modulo.
int floorDiv(int a, int b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int floorMod(int a, int b) { return a - floorDiv(a, b) * b; }

void checkBins(int bins) {
    if (bins <= 0 || bins > 4096) throw Error("patch grid: " + std::to_string(bins) + " bins per side is not supported");
}

std::string formatBox(const Box& box) {
    std::string s = "(";
    for (std::size_t i = 0; i < box.size(); ++i) s += (i ? ", " : "") + std::to_string(box[i]);
    return s + ")";
}

// ---- post-processing --------------------------------------------------------------------------------------

constexpr std::u32string_view kPhraseOpen = U"<phrase>";
constexpr std::u32string_view kPhraseClose = U"</phrase>";
constexpr std::u32string_view kObjectOpen = U"<object>";
constexpr std::u32string_view kObjectClose = U"</object>";
constexpr std::u32string_view kDelimiter = U"</delimiter_of_multi_objects/>";
constexpr std::u32string_view kPatchPrefix = U"<patch_index_";

// A patch index as written in generated text: any number of (Unicode) decimal digits, kept as an ASCII
// decimal string without leading zeros so that huge values behave as Python ints.
struct PatchNumber {
    std::string digits;
};

// re `<patch_index_(\d+)>` anchored at pos; returns the position after '>' or npos.
std::size_t matchPatchToken(std::u32string_view t, std::size_t pos, PatchNumber& number) {
    if (!startsWith(t, pos, kPatchPrefix)) return std::u32string_view::npos;
    std::size_t i = pos + kPatchPrefix.size();
    std::string digits;
    while (i < t.size()) {
        const int d = decimalDigitValue(t[i]);
        if (d < 0) break;
        if (!(digits.empty() && d == 0)) digits.push_back(static_cast<char>('0' + d));
        ++i;
    }
    if (i == pos + kPatchPrefix.size() || i >= t.size() || t[i] != U'>') return std::u32string_view::npos;
    number.digits = digits.empty() ? "0" : digits;
    return i + 1;
}

// `<object>((?:P P D)*P P)</object>` anchored at pos (P a patch token, D the delimiter). The regex's
// backtracking cannot help once a pair is followed by neither D nor </object>, so one forward pass decides.
std::size_t matchObject(std::u32string_view t, std::size_t pos, std::vector<std::pair<PatchNumber, PatchNumber>>& pairs) {
    constexpr std::size_t npos = std::u32string_view::npos;
    if (!startsWith(t, pos, kObjectOpen)) return npos;
    std::size_t i = pos + kObjectOpen.size();
    pairs.clear();
    while (true) {
        PatchNumber a, b;
        i = matchPatchToken(t, i, a);
        if (i == npos) return npos;
        i = matchPatchToken(t, i, b);
        if (i == npos) return npos;
        pairs.emplace_back(std::move(a), std::move(b));
        if (startsWith(t, i, kObjectClose)) return i + kObjectClose.size();
        if (!startsWith(t, i, kDelimiter)) return npos;
        i += kDelimiter.size();
    }
}

struct RawEntity {
    std::u32string name;
    std::size_t start = 0, end = 0;                      // in the text before tag removal
    std::vector<std::pair<PatchNumber, PatchNumber>> pairs;
};

// extract_entities_with_patch_indices: re.finditer of
// (?:(<phrase>([^<]+)</phrase>))?<object>((?:<patch_index_\d+><patch_index_\d+></delimiter_of_multi_objects/>)*<patch_index_\d+><patch_index_\d+>)</object>
std::vector<RawEntity> extractEntities(std::u32string_view t) {
    // nextLt[i]: first '<' at or after i.
    std::vector<std::size_t> nextLt(t.size() + 1, t.size());
    for (std::size_t i = t.size(); i-- > 0;) nextLt[i] = t[i] == U'<' ? i : nextLt[i + 1];

    std::vector<RawEntity> out;
    std::vector<std::pair<PatchNumber, PatchNumber>> pairs;
    std::size_t p = 0;
    while (p < t.size()) {
        if (t[p] != U'<') { p = nextLt[p]; continue; }
        std::size_t end = std::u32string_view::npos;
        bool withPhrase = false;
        std::size_t phraseStart = 0, phraseEnd = 0;
        if (startsWith(t, p, kPhraseOpen)) {
            phraseStart = p + kPhraseOpen.size();
            phraseEnd = nextLt[phraseStart];   // [^<]+ is greedy and cannot give back a char before '<'
            if (phraseEnd > phraseStart && startsWith(t, phraseEnd, kPhraseClose)) {
                end = matchObject(t, phraseEnd + kPhraseClose.size(), pairs);
                withPhrase = end != std::u32string_view::npos;
            }
        }
        if (!withPhrase) end = matchObject(t, p, pairs);
        if (end == std::u32string_view::npos) { ++p; continue; }

        if (withPhrase) {
            out.push_back({std::u32string(t.substr(phraseStart, phraseEnd - phraseStart)), phraseStart, phraseEnd, pairs});
        } else {
            for (auto& pair : pairs) {
                const std::string name = "<patch_index_" + pair.first.digits + "><patch_index_" + pair.second.digits + ">";
                out.push_back({std::u32string(name.begin(), name.end()), p, p, {pair}});
            }
        }
        p = end;
    }
    return out;
}

// The matches of re.sub("<.*?>", "", text) ('.' is anything but '\n').
std::vector<std::pair<std::size_t, std::size_t>> specialFields(std::u32string_view t) {
    // nextStop[i]: first '>' or '\n' at or after i.
    std::vector<std::size_t> nextStop(t.size() + 1, t.size());
    for (std::size_t i = t.size(); i-- > 0;) nextStop[i] = (t[i] == U'>' || t[i] == U'\n') ? i : nextStop[i + 1];
    std::vector<std::pair<std::size_t, std::size_t>> fields;
    std::size_t i = 0;
    while (i < t.size()) {
        if (t[i] == U'<') {
            const std::size_t k = nextStop[i + 1];
            if (k < t.size() && t[k] == U'>') {
                fields.emplace_back(i, k + 1);
                i = k + 1;
                continue;
            }
        }
        ++i;
    }
    return fields;
}

// len(re.sub("<.*?>", "", text[:k])) for any k. A field that straddles k does not match in the prefix, and
// no later one can (the prefix holds no '>' after the straddling '<'), so only fields ending by k count.
class PrefixLength {
public:
    explicit PrefixLength(const std::vector<std::pair<std::size_t, std::size_t>>& fields) : mFields(fields) {
        mRemovedBefore.reserve(fields.size() + 1);
        mRemovedBefore.push_back(0);
        for (const auto& f : fields) mRemovedBefore.push_back(mRemovedBefore.back() + (f.second - f.first));
    }
    std::size_t operator()(std::size_t k) const {
        const auto it = std::upper_bound(mFields.begin(), mFields.end(), k,
                                         [](std::size_t v, const std::pair<std::size_t, std::size_t>& f) { return v < f.second; });
        return k - mRemovedBefore[static_cast<std::size_t>(it - mFields.begin())];
    }

private:
    const std::vector<std::pair<std::size_t, std::size_t>>& mFields;
    std::vector<std::size_t> mRemovedBefore;
};

// Exact divmod of a decimal string by a small positive int.
std::pair<std::string, int> divmodDecimal(const std::string& digits, int divisor) {
    std::string quotient;
    long long rem = 0;
    for (char c : digits) {
        rem = rem * 10 + (c - '0');
        const long long q = rem / divisor;
        rem %= divisor;
        if (!(quotient.empty() && q == 0)) quotient.push_back(static_cast<char>('0' + q));
    }
    return {quotient.empty() ? "0" : quotient, static_cast<int>(rem)};
}

// float(int) as Python does it: correctly rounded, OverflowError past the double range.
double decimalToDouble(const std::string& digits, const PatchNumber& index) {
    const double v = digits.size() > 400 ? HUGE_VAL : std::strtod(digits.c_str(), nullptr);
    if (!std::isfinite(v))
        throw Error("post-processing: patch index " + index.digits.substr(0, 24) +
                    (index.digits.size() > 24 ? "... (" + std::to_string(index.digits.size()) + " digits)" : "") +
                    " is too large to be a coordinate");
    return v;
}

// patch_index_to_coordinate on Python ints of any size.
Box patchNumbersToBox(const PatchNumber& ul, const PatchNumber& lr, int bins) {
    const double cell = 1.0 / bins;
    const auto [ulY, ulX] = divmodDecimal(ul.digits, bins);
    const auto [lrY, lrX] = divmodDecimal(lr.digits, bins);
    const double x1c = ulX, y1c = decimalToDouble(ulY, ul), x2c = lrX, y2c = decimalToDouble(lrY, lr);
    if (ul.digits == lr.digits || ulX == lrX || ulY == lrY)
        return {x1c * cell, y1c * cell, x2c * cell + cell, y2c * cell + cell};
    return {x1c * cell + cell / 2, y1c * cell + cell / 2, x2c * cell + cell / 2, y2c * cell + cell / 2};
}

} // namespace

bool isValidUtf8(const std::string& text) {
    std::size_t length = 0;
    for (std::size_t i = 0; i < text.size(); i += length)
        if (decodeAt(text, i, length) == kReplacement && length == 1) return false;   // a real U+FFFD has 3 bytes
    return true;
}

std::string normalizePrompt(const std::string& text) {
    // Works on byte offsets so that bytes which are not UTF-8 pass through untouched.
    std::size_t begin = text.size(), end = 0, length = 0;
    for (std::size_t i = 0; i < text.size(); i += length) {
        if (isPythonSpace(decodeAt(text, i, length))) continue;
        begin = std::min(begin, i);
        end = i + length;
    }
    return begin < end ? text.substr(begin, end - begin) : std::string();
}

std::pair<int, int> boxToPatchIndices(const Box& box, int bins) {
    checkBins(bins);
    for (double v : box)
        if (!std::isfinite(v) || v < 0.0 || v > 1.0)
            throw Error("box " + formatBox(box) + ": coordinates must be normalised to [0, 1]");
    const auto [x1, y1, x2, y2] = box;
    if (!(x2 > x1 && y2 > y1)) throw Error("box " + formatBox(box) + ": needs x1 > x0 and y1 > y0");
    const int ulX = static_cast<int>(std::floor(x1 * bins));
    const int ulY = static_cast<int>(std::floor(y1 * bins));
    const int lrX = static_cast<int>(std::ceil(x2 * bins - 1));
    const int lrY = static_cast<int>(std::ceil(y2 * bins - 1));
    return {ulY * bins + ulX, lrY * bins + lrX};
}

Box patchIndicesToBox(int ul, int lr, int bins) {
    checkBins(bins);
    const double cell = 1.0 / bins;
    const int ulX = floorMod(ul, bins), ulY = floorDiv(ul, bins);
    const int lrX = floorMod(lr, bins), lrY = floorDiv(lr, bins);
    if (ul == lr || ulX == lrX || ulY == lrY)
        return {ulX * cell, ulY * cell, lrX * cell + cell, lrY * cell + cell};
    return {ulX * cell + cell / 2, ulY * cell + cell / 2, lrX * cell + cell / 2, lrY * cell + cell / 2};
}

std::string patchIndexToken(int index) {
    std::string digits = std::to_string(index < 0 ? -static_cast<long long>(index) : index);
    const std::size_t width = index < 0 ? 3 : 4;    // zfill(4) counts the sign
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    return "<patch_index_" + std::string(index < 0 ? "-" : "") + digits + ">";
}

std::string objectTokens(const std::vector<Box>& boxes, int bins) {
    if (boxes.empty()) return {};
    std::string out = tokens::kObject;
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        const auto [ul, lr] = boxToPatchIndices(boxes[i], bins);
        if (i) out += tokens::kDelimiter;
        out += patchIndexToken(ul) + patchIndexToken(lr);
    }
    return out + tokens::kEndOfObject;
}

std::string insertBoxes(const std::string& text, const std::vector<std::vector<Box>>& boxesPerPhrase) {
    std::vector<std::vector<BoxInput>> inputs;
    inputs.reserve(boxesPerPhrase.size());
    for (const auto& boxes : boxesPerPhrase) inputs.emplace_back(boxes.begin(), boxes.end());
    return insertBoxInputs(text, inputs);
}

std::string insertBoxInputs(const std::string& text, const std::vector<std::vector<BoxInput>>& boxesPerPhrase, int bins) {
    if (boxesPerPhrase.empty()) return text;
    checkBins(bins);
    // re.finditer(r"<phrase>.+?</phrase>"): lazy, at least one char, '.' stops at '\n'.
    const std::string_view open = tokens::kPhrase, close = tokens::kEndOfPhrase;
    // The searched-for positions only move forward, so the last find results are reused (linear time).
    std::vector<std::size_t> phraseEnds;
    std::size_t newline = 0, closeAt = 0;
    bool newlineKnown = false, closeKnown = false;
    std::size_t pos = 0;
    while ((pos = text.find(open, pos)) != std::string::npos) {
        const std::size_t body = pos + open.size();
        if (!newlineKnown || newline < body) newline = std::min(text.find('\n', body), text.size()), newlineKnown = true;
        if (!closeKnown || closeAt < body + 1) closeAt = text.find(close, body + 1), closeKnown = true;
        if (closeAt != std::string::npos && closeAt < newline) {
            phraseEnds.push_back(closeAt + close.size());
            pos = closeAt + close.size();
        } else {
            ++pos;
        }
    }
    if (phraseEnds.size() != boxesPerPhrase.size())
        throw Error("prompt has " + std::to_string(phraseEnds.size()) + " <phrase>...</phrase> pairs but " +
                    std::to_string(boxesPerPhrase.size()) + " box lists were given");

    std::string out;
    std::size_t current = 0;
    for (std::size_t i = 0; i < phraseEnds.size(); ++i) {
        out.append(text, current, phraseEnds[i] - current);
        current = phraseEnds[i];
        std::string positions;
        for (const BoxInput& box : boxesPerPhrase[i]) {
            PatchPair pair;
            if (const auto* p = std::get_if<PatchPair>(&box)) {
                for (int index : {p->first, p->second})
                    if (index < 0 || index >= bins * bins)
                        throw Error("box (" + std::to_string(p->first) + ", " + std::to_string(p->second) +
                                    "): patch indices must lie in [0, " + std::to_string(bins * bins) + ")");
                pair = *p;
            } else {
                pair = boxToPatchIndices(std::get<Box>(box), bins);
            }
            if (!positions.empty()) positions += std::string(" ") + tokens::kDelimiter + " ";
            positions += patchIndexToken(pair.first) + " " + patchIndexToken(pair.second);
        }
        if (!positions.empty()) out += std::string(tokens::kObject) + " " + positions + " " + tokens::kEndOfObject;
    }
    out.append(text, current, std::string::npos);
    return out;
}

PostProcessed postProcessGeneration(const std::string& generatedText) {
    const std::u32string t = toCodePoints(postProcessNoCleanup(generatedText));
    if (t.size() > static_cast<std::size_t>(INT_MAX) / 2) throw Error("post-processing: text too long");

    // clean_text_and_extract_entities_with_bboxes
    const auto fields = specialFields(t);
    std::u32string processed;
    processed.reserve(t.size());
    std::size_t cursor = 0;
    for (const auto& f : fields) {
        processed.append(t, cursor, f.first - cursor);
        cursor = f.second;
    }
    processed.append(t, cursor, std::u32string::npos);

    const PrefixLength prefixLength(fields);
    const int leading = static_cast<int>(leadingSpaces(processed));   // _cleanup_spaces

    PostProcessed result;
    result.caption = toUtf8(pythonStrip(processed));
    for (const RawEntity& raw : extractEntities(t)) {
        Entity entity;
        const int nameLeading = static_cast<int>(leadingSpaces(raw.name));
        const int nameTrailing = static_cast<int>(trailingSpaces(raw.name));
        entity.span = {static_cast<int>(prefixLength(raw.start)) - leading + nameLeading,
                       static_cast<int>(prefixLength(raw.end)) - leading - nameTrailing};
        entity.phrase = toUtf8(pythonStrip(raw.name));
        for (const auto& pair : raw.pairs) entity.boxes.push_back(patchNumbersToBox(pair.first, pair.second, tokens::kPatchGrid));
        result.entities.push_back(std::move(entity));
    }
    return result;
}

std::string postProcessNoCleanup(const std::string& generatedText) {
    const std::string_view endOfImage = tokens::kEndOfImage;
    const std::size_t last = generatedText.rfind(endOfImage);
    return last == std::string::npos ? generatedText : generatedText.substr(last + endOfImage.size());
}

Box toPixelBox(const Box& box, int width, int height) {
    return {box[0] * width, box[1] * height, box[2] * width, box[3] * height};
}

} // namespace kosmos
