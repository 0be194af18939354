#pragma once
// GRIT JSON <-> Sample. Decoding keeps every field: the known ones (key, id, url, caption, width,
// height, clip similarities, noun_chunks, ref_exps, image) go to their Sample members when they have
// the published type, everything else — including a known field of another type — is kept verbatim
// in Sample::extraJson, so encoding gives the record back.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sample.h"
#include "model/input_limits.h"

namespace kosmos::store {

inline constexpr int kMaxJsonDepth = limits::kMaxJsonDepth;
inline constexpr std::size_t kMaxEntriesPerList = limits::kMaxEntitiesPerList;   // noun_chunks / ref_exps of one record

// Records are parsed keeping the order of their fields (unknown fields are written back in order).
using GritJson = nlohmann::ordered_json;

// Parses one JSON record (strict, nesting at most kMaxJsonDepth). Returns "" or "invalid JSON: ...".
std::string parseJsonRecord(std::string_view text, GritJson& out);

// Decodes one GRIT record from its JSON text into `out`, without building a document tree (imports
// read records so). Returns "" or the reason: "invalid JSON: ... at byte N", "record is not a JSON
// object", or what is wrong with a field or entry ("ref_exps[1]: box [...] outside [0,1]").
// Unknown fields are kept in Sample::extraJson as compact JSON text, in their order.
std::string decodeGritText(std::string_view text, Sample& out, std::optional<std::string>& imageField,
                           const std::string& fallbackKey = {});

// The same for a parsed object: decodes one GRIT object into `out` (entities: noun_chunks, then ref_exps, source Imported).
// `fallbackKey` is used when the record has no `key` (img2dataset names a sample by its file).
// `imageField` receives the `image` field (a path relative to the JSONL file) when present.
// Returns "" or the reason the record is bad, naming the field and entry ("ref_exps[1]: box ...").
std::string decodeGrit(const GritJson& record, Sample& out, std::optional<std::string>& imageField,
                       const std::string& fallbackKey = {});

// One GRIT object: the sample's fields, its extra fields, and `entities` written one entry per box
// ([start, end, x0, y0, x1, y1, confidence]; confidence 1 when the entity has none); `image` when
// `imageField` is not empty.
nlohmann::ordered_json encodeGrit(const Sample& sample, const std::vector<const EntityRecord*>& entities,
                                  const std::string& imageField);

// The entities an export writes: those of `sources` (every source when empty), except that an
// entity of another source whose span overlaps a person's (source Human) entity of the same kind is
// left out — human corrections replace the model's (and the imported) boxes.
std::vector<const EntityRecord*> effectiveEntities(const Sample& sample, const std::vector<EntitySource>& sources);

// Every field of a sample, entity sources included (the change history keeps previous versions so).
nlohmann::ordered_json sampleToJson(const Sample& sample);

} // namespace kosmos::store
