// GRIT record text -> Sample in one pass over the text (grit_codec.h, decodeGritText).
#include <array>
#include <cmath>
#include <set>

#include "core/grit_codec.h"
#include "core/json_scan.h"
#include "core/store_schema.h"

namespace kosmos::store {

namespace {

constexpr const char* kEntryShape = "expected [start, end, x0, y0, x1, y1, confidence]";

// One entry of noun_chunks / ref_exps as read, checked once the caption is known.
struct RawEntry {
    std::string problem;          // shape problem found while reading
    std::array<JsonNumber, 7> numbers;
};

class GritDecoder {
public:
    GritDecoder(std::string_view text, Sample& out, std::optional<std::string>& image)
        : scan_(text, kMaxJsonDepth), text_(text), out_(out), image_(image) {}

    std::string run(const std::string& fallbackKey) {
        out_ = Sample{};
        image_.reset();
        if (scan_.peek() != '{') {
            std::string ignored;
            if (!scan_.copyValue(ignored) || !scan_.atEnd()) return invalid();
            return "record is not a JSON object";
        }
        scan_.consume('{');
        if (!scan_.consume('}')) {
            do {
                if (std::string problem = field(); !problem.empty()) return problem;
            } while (scan_.consume(','));
            if (!scan_.consume('}')) {
                scan_.fail("',' or '}' expected");
                return invalid();
            }
        }
        if (!scan_.atEnd()) {
            scan_.fail("unexpected text after the record");
            return invalid();
        }
        if (out_.key.empty()) {
            if (fallbackKey.empty()) return "missing 'key'";
            out_.key = fallbackKey;
        }
        if (!hasCaption_) return "missing 'caption'";
        if (!extra_.empty()) out_.extraJson = "{" + extra_ + "}";
        out_.gritLists = lists_;
        const std::int64_t length = utf8Length(out_.caption);
        if (std::string problem = entities(nounChunks_, grit::kNounChunks, EntityKind::NounChunk, length); !problem.empty()) {
            return problem;
        }
        return entities(refExps_, grit::kRefExps, EntityKind::RefExp, length);
    }

private:
    std::string invalid() const { return "invalid JSON: " + scan_.error(); }

    // One "name": value of the record.
    std::string field() {
        scan_.peek();   // past white space: the name's raw text starts here
        const std::size_t keyStart = scan_.position();
        if (!scan_.readString(name_)) return invalid();
        // A repeated field would be half merged (a later "id" of another type kept beside the first, entries
        // of a later list added to the earlier one's), and a document parser keeps only the last: refused
        // (found by fuzzing: the record and its parsed document decoded differently).
        if (!seen_.insert(name_).second) return "duplicate field '" + name_ + "'";
        const std::string_view rawName = text_.substr(keyStart, scan_.position() - keyStart);
        if (!scan_.consume(':')) {
            scan_.fail("':' expected");
            return invalid();
        }
        const char next = scan_.peek();
        if (name_ == grit::kKey || name_ == grit::kCaption || name_ == grit::kImage) {
            std::string value;
            if (next != '"') {
                if (!scan_.copyValue(value)) return invalid();
                return name_ == grit::kImage ? "'image' must be a string (a path)"
                                             : "'" + name_ + "' must be a" + (name_ == grit::kKey ? " non-empty" : "") +
                                                   " string";
            }
            if (!scan_.readString(value)) return invalid();
            if (name_ == grit::kKey) {
                if (value.empty()) return "'key' must be a non-empty string";
                out_.key = std::move(value);
            } else if (name_ == grit::kCaption) {
                out_.caption = std::move(value);
                hasCaption_ = true;
            } else {
                image_ = std::move(value);
            }
            return {};
        }
        if ((name_ == grit::kNounChunks || name_ == grit::kRefExps) && next != 'n') {
            if (next != '[') {
                std::string ignored;
                if (!scan_.copyValue(ignored)) return invalid();
                return "'" + name_ + "' must be a list";
            }
            const bool nouns = name_ == grit::kNounChunks;
            lists_ |= nouns ? kHasNounChunks : kHasRefExps;
            return readEntries(nouns ? nounChunks_ : refExps_) ? std::string() : invalid();
        }
        if (next == '-' || (next >= '0' && next <= '9')) {
            JsonNumber number;
            const std::size_t start = scan_.position();
            if (!scan_.readNumber(number)) return invalid();
            const bool exact = number.integer && number.fitsInt64;
            if (name_ == grit::kId && exact) out_.gritId = number.asInt;
            else if (name_ == grit::kWidth && exact) out_.width = number.asInt;
            else if (name_ == grit::kHeight && exact) out_.height = number.asInt;
            else if (name_ == grit::kClipVitB32) out_.clipSimilarityVitB32 = number.asDouble;
            else if (name_ == grit::kClipVitL14) out_.clipSimilarityVitL14 = number.asDouble;
            else keepExtra(rawName, text_.substr(start, scan_.position() - start));
            return {};
        }
        if (name_ == grit::kUrl && next == '"') {
            std::string url;
            if (!scan_.readString(url)) return invalid();
            out_.url = std::move(url);
            return {};
        }
        // Unknown, or a known field of another type: kept as it was.
        std::string value;
        if (!scan_.copyValue(value, 1)) return invalid();
        keepExtra(rawName, value);
        forget(name_);
        return {};
    }

    void forget(const std::string& name) {
        if (name == grit::kId) out_.gritId.reset();
        if (name == grit::kUrl) out_.url.reset();
        if (name == grit::kWidth) out_.width.reset();
        if (name == grit::kHeight) out_.height.reset();
        if (name == grit::kClipVitB32) out_.clipSimilarityVitB32.reset();
        if (name == grit::kClipVitL14) out_.clipSimilarityVitL14.reset();
    }

    void keepExtra(std::string_view rawName, std::string_view value) {
        if (!extra_.empty()) extra_ += ',';
        extra_.append(rawName);
        extra_ += ':';
        extra_.append(value);
    }

    bool readEntries(std::vector<RawEntry>& entries) {
        entries.clear();
        scan_.consume('[');
        if (scan_.consume(']')) return true;
        do {
            if (entries.size() == kMaxEntriesPerList) {
                if (tooMany_.empty()) tooMany_ = name_;   // read on (the JSON must still be checked), keep nothing more
                std::string ignored;
                if (!scan_.copyValue(ignored, 2)) return false;
                continue;
            }
            RawEntry& entry = entries.emplace_back();
            if (scan_.peek() != '[') {
                std::string ignored;
                if (!scan_.copyValue(ignored, 2)) return false;
                entry.problem = kEntryShape;
                continue;
            }
            scan_.consume('[');
            std::size_t count = 0;
            if (!scan_.consume(']')) {
                do {
                    const char next = scan_.peek();
                    if (next == '-' || (next >= '0' && next <= '9')) {
                        JsonNumber number;
                        if (!scan_.readNumber(number)) return false;
                        if (count < entry.numbers.size()) entry.numbers[count] = number;
                    } else {
                        std::string ignored;
                        if (!scan_.copyValue(ignored, 3)) return false;
                        if (entry.problem.empty()) entry.problem = std::string(kEntryShape) + " (numbers)";
                    }
                    ++count;
                } while (scan_.consume(','));
                if (!scan_.consume(']')) return scan_.fail("',' or ']' expected");
            }
            if (count != 7 && entry.problem.empty()) entry.problem = kEntryShape;
        } while (scan_.consume(','));
        return scan_.consume(']') || scan_.fail("',' or ']' expected");
    }

    std::string entities(const std::vector<RawEntry>& entries, const char* list, EntityKind kind, std::int64_t length) {
        if (!tooMany_.empty())
            return "'" + tooMany_ + "' has more than " + std::to_string(kMaxEntriesPerList) + " entries";
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const RawEntry& raw = entries[i];
            const auto problem = [&](const std::string& reason) {
                return std::string(list) + "[" + std::to_string(i) + "]: " + reason;
            };
            if (!raw.problem.empty()) return problem(raw.problem);
            const JsonNumber& start = raw.numbers[0];
            const JsonNumber& end = raw.numbers[1];
            if (!start.integer || !end.integer || !start.fitsInt64 || !end.fitsInt64) {
                return problem("span start and end must be integers");
            }
            if (std::string reason = spanProblem(start.asInt, end.asInt, length); !reason.empty()) return problem(reason);
            const Box box{raw.numbers[2].asDouble, raw.numbers[3].asDouble, raw.numbers[4].asDouble,
                          raw.numbers[5].asDouble};
            if (std::string reason = boxProblem(box); !reason.empty()) return problem(reason);
            if (!std::isfinite(raw.numbers[6].asDouble)) return problem("confidence is not a finite number");
            EntityRecord& entity = out_.entities.emplace_back();
            entity.kind = kind;
            entity.spanStart = static_cast<int>(start.asInt);
            entity.spanEnd = static_cast<int>(end.asInt);
            entity.phrase = utf8Slice(out_.caption, start.asInt, end.asInt);
            entity.boxes.assign(1, box);
            entity.confidence = raw.numbers[6].asDouble;
            entity.source = EntitySource::Imported;
        }
        return {};
    }

    JsonScanner scan_;
    std::string_view text_;
    Sample& out_;
    std::optional<std::string>& image_;
    std::string name_;
    std::set<std::string> seen_;
    std::string extra_;
    bool hasCaption_ = false;
    std::string tooMany_;   // the first list with more entries than are kept
    unsigned lists_ = 0;
    std::vector<RawEntry> nounChunks_;
    std::vector<RawEntry> refExps_;
};

} // namespace

std::string decodeGritText(std::string_view text, Sample& out, std::optional<std::string>& imageField,
                           const std::string& fallbackKey) {
    GritDecoder decoder(text, out, imageField);
    return decoder.run(fallbackKey);
}

} // namespace kosmos::store
