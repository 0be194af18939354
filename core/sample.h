#pragma once
// Plain records of the annotation store: a sample (one caption of one image, GRIT fields) and its
// grounded entities. No database types here; the GUI, the trainer and the codecs share these.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/grounding.h"   // kosmos::Box: x0, y0, x1, y1 normalised to [0,1]

namespace kosmos::store {

enum class Split { Train, Validation, Test };
enum class ReviewState { Unreviewed, Corrected, Accepted, Rejected };
enum class EntitySource { Imported, Model, Human };
enum class EntityKind { NounChunk, RefExp };   // GRIT `noun_chunks` / `ref_exps`

// Stored names ("train", "corrected", "model", "ref_exp"); parse* return false on an unknown name.
const char* toString(Split value);
const char* toString(ReviewState value);
const char* toString(EntitySource value);
const char* toString(EntityKind value);
bool parseSplit(const std::string& name, Split& out);
bool parseReviewState(const std::string& name, ReviewState& out);
bool parseEntitySource(const std::string& name, EntitySource& out);
bool parseEntityKind(const std::string& name, EntityKind& out);

// One grounded phrase. Entities belong to their sample and are stored and read with it, in order.
struct EntityRecord {
    EntityKind kind = EntityKind::NounChunk;
    int spanStart = 0;                   // code points into the caption, end exclusive (as Python)
    int spanEnd = 0;
    std::string phrase;                  // the caption's text of the span
    std::vector<Box> boxes;              // one or more
    std::optional<double> confidence;    // GRIT's 7th number; the model's score; none for a person
    EntitySource source = EntitySource::Imported;
    std::string modelCheckpoint;         // source Model: which checkpoint
    std::string modelPrompt;             // source Model: which prompt
    std::string author;                  // source Human: who
};

struct ImageInfo {
    std::int64_t id = 0;
    std::string path;                    // absolute
    std::string contentHash;             // SHA-256, lower-case hex; empty when not computed
    std::int64_t byteSize = 0;
    int width = 0;                       // pixels, from the file header
    int height = 0;
    std::string format;                  // "png", "jpeg", ...
    bool hasThumbnail = false;
};

// Bits of Sample::gritLists: which GRIT entity lists the record carried (so export writes the same).
inline constexpr unsigned kHasNounChunks = 1;
inline constexpr unsigned kHasRefExps = 2;

struct Sample {
    std::int64_t id = 0;                 // 0 until stored
    std::string key;                     // GRIT `key`, unique in a store
    std::optional<std::int64_t> gritId;  // GRIT `id`
    std::optional<std::string> url;
    std::string caption;
    std::optional<std::int64_t> width;   // GRIT `width`/`height`: the original image's size
    std::optional<std::int64_t> height;
    std::optional<double> clipSimilarityVitB32;
    std::optional<double> clipSimilarityVitL14;
    unsigned gritLists = kHasNounChunks | kHasRefExps;
    std::string extraJson;               // fields the store does not know, as a JSON object ("" = none)
    std::optional<ImageInfo> image;
    Split split = Split::Train;
    ReviewState review = ReviewState::Unreviewed;
    std::int64_t revision = 0;           // increases with every stored change; 0 until stored
    std::string sourceFile;              // where the record was imported from
    std::string sourceLocation;          // "line 12", "member 000001.json"
    std::int64_t createdMs = 0;
    std::int64_t updatedMs = 0;
    std::vector<EntityRecord> entities;  // in order: GRIT noun_chunks first, then ref_exps
};

// One-line reason why a sample cannot be stored (span outside the caption, box outside [0,1] or
// inverted, no box, empty key, caption not UTF-8); empty when it is valid.
std::string validateSample(const Sample& sample);

// The reason a span or a box is invalid, or "" (used by validateSample and the GRIT decoder).
std::string spanProblem(std::int64_t start, std::int64_t end, std::int64_t captionLength);
std::string boxProblem(const Box& box);

// Number of Unicode code points of valid UTF-8 text; -1 when the text is not valid UTF-8.
std::int64_t utf8Length(const std::string& text);
// Code points [start, end) of valid UTF-8 text (clamped to the text).
std::string utf8Slice(const std::string& text, std::int64_t start, std::int64_t end);

} // namespace kosmos::store
