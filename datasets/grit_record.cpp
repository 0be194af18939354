#include "datasets/grit_record.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace kosmos::synth {

double roundCoordinate(double value) { return std::round(value * 1e6) / 1e6; }

std::string gritJsonLine(const GritRecord& record) {
    nlohmann::ordered_json entities = nlohmann::ordered_json::array();
    for (const GritEntity& e : record.entities)
        entities.push_back({e.start, e.end, roundCoordinate(e.x0), roundCoordinate(e.y0), roundCoordinate(e.x1),
                            roundCoordinate(e.y1), 1.0});
    nlohmann::ordered_json line;
    line["key"] = record.key;
    line["id"] = record.id;
    line["url"] = record.url;
    line["caption"] = record.caption;
    line["width"] = record.width;
    line["height"] = record.height;
    line["noun_chunks"] = entities;
    line["ref_exps"] = entities;
    line["image"] = record.image;
    return line.dump();
}

} // namespace kosmos::synth
