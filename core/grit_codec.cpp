#include "core/grit_codec.h"

#include <algorithm>
#include <optional>
#include <set>

#include "core/json_scan.h"
#include "core/store_schema.h"

namespace kosmos::store {

using nlohmann::ordered_json;

std::string parseJsonRecord(std::string_view text, GritJson& out) {
    // The scanner bounds the nesting (the tree's destructor and dump() recurse) and checks UTF-8.
    JsonScanner scanner(text, kMaxJsonDepth);
    std::string compact;
    if (!scanner.copyValue(compact) || (!scanner.atEnd() && !scanner.fail("unexpected text after the value"))) {
        return "invalid JSON: " + scanner.error();
    }
    // Repeated fields of the record are refused, as decodeGritText refuses them.
    std::set<std::string> fields;
    std::optional<std::string> repeated;   // the empty name is a name too
    const auto checkFields = [&](int depth, GritJson::parse_event_t event, GritJson& parsed) {
        if (depth == 1 && event == GritJson::parse_event_t::key && !repeated &&
            !fields.insert(parsed.get<std::string>()).second)
            repeated = parsed.get<std::string>();
        return true;
    };
    out = GritJson::parse(compact, checkFields, false);
    if (out.is_discarded()) return "invalid JSON";
    if (repeated) return "duplicate field '" + *repeated + "'";
    return {};
}

std::string decodeGrit(const GritJson& record, Sample& out, std::optional<std::string>& imageField,
                       const std::string& fallbackKey) {
    return decodeGritText(record.dump(), out, imageField, fallbackKey);
}

ordered_json encodeGrit(const Sample& sample, const std::vector<const EntityRecord*>& entities,
                        const std::string& imageField) {
    ordered_json out = ordered_json::object();
    out[grit::kKey] = sample.key;
    if (sample.gritId) out[grit::kId] = *sample.gritId;
    if (sample.url) out[grit::kUrl] = *sample.url;
    out[grit::kCaption] = sample.caption;
    if (sample.width) out[grit::kWidth] = *sample.width;
    if (sample.height) out[grit::kHeight] = *sample.height;
    if (sample.clipSimilarityVitB32) out[grit::kClipVitB32] = *sample.clipSimilarityVitB32;
    if (sample.clipSimilarityVitL14) out[grit::kClipVitL14] = *sample.clipSimilarityVitL14;
    const auto writeList = [&](EntityKind kind, const char* name, unsigned bit) {
        ordered_json list = ordered_json::array();
        for (const EntityRecord* entity : entities) {
            if (entity->kind != kind) continue;
            for (const Box& box : entity->boxes) {
                list.push_back({entity->spanStart, entity->spanEnd, box[0], box[1], box[2], box[3],
                                entity->confidence.value_or(1.0)});
            }
        }
        if (!list.empty() || (sample.gritLists & bit)) out[name] = std::move(list);
    };
    writeList(EntityKind::NounChunk, grit::kNounChunks, kHasNounChunks);
    writeList(EntityKind::RefExp, grit::kRefExps, kHasRefExps);
    if (!imageField.empty()) out[grit::kImage] = imageField;
    if (!sample.extraJson.empty()) {
        const ordered_json extra = ordered_json::parse(sample.extraJson, nullptr, false);
        if (extra.is_object()) {
            for (auto it = extra.begin(); it != extra.end(); ++it) {
                if (!out.contains(it.key())) out[it.key()] = it.value();
            }
        }
    }
    return out;
}

std::vector<const EntityRecord*> effectiveEntities(const Sample& sample, const std::vector<EntitySource>& sources) {
    const auto wanted = [&](EntitySource source) {
        return sources.empty() || std::find(sources.begin(), sources.end(), source) != sources.end();
    };
    std::vector<const EntityRecord*> human;
    for (const EntityRecord& entity : sample.entities) {
        if (entity.source == EntitySource::Human && wanted(EntitySource::Human)) human.push_back(&entity);
    }
    std::vector<const EntityRecord*> out;
    for (const EntityRecord& entity : sample.entities) {
        if (!wanted(entity.source)) continue;
        bool replaced = false;
        if (entity.source != EntitySource::Human) {
            for (const EntityRecord* correction : human) {
                replaced = replaced || (correction->kind == entity.kind && correction->spanStart < entity.spanEnd &&
                                        entity.spanStart < correction->spanEnd);
            }
        }
        if (!replaced) out.push_back(&entity);
    }
    return out;
}

ordered_json sampleToJson(const Sample& sample) {
    std::vector<const EntityRecord*> none;
    ordered_json out = encodeGrit(sample, none, sample.image ? sample.image->path : std::string());
    out.erase(grit::kNounChunks);
    out.erase(grit::kRefExps);
    out["split"] = toString(sample.split);
    out["review_state"] = toString(sample.review);
    out["revision"] = sample.revision;
    ordered_json entities = ordered_json::array();
    for (const EntityRecord& entity : sample.entities) {
        ordered_json e = {{"kind", toString(entity.kind)}, {"span", {entity.spanStart, entity.spanEnd}},
                          {"phrase", entity.phrase}, {"source", toString(entity.source)}};
        ordered_json boxes = ordered_json::array();
        for (const Box& box : entity.boxes) boxes.push_back({box[0], box[1], box[2], box[3]});
        e["boxes"] = std::move(boxes);
        if (entity.confidence) e["confidence"] = *entity.confidence;
        if (!entity.modelCheckpoint.empty()) e["model_checkpoint"] = entity.modelCheckpoint;
        if (!entity.modelPrompt.empty()) e["model_prompt"] = entity.modelPrompt;
        if (!entity.author.empty()) e["author"] = entity.author;
        entities.push_back(std::move(e));
    }
    out["entities"] = std::move(entities);
    return out;
}

} // namespace kosmos::store
