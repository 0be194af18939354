#include "app/cli/result_json.h"

namespace kosmos::cli {

nlohmann::json boxJson(const Box& box) { return nlohmann::json::array({box[0], box[1], box[2], box[3]}); }

nlohmann::json resultJson(const std::string& image, const std::string& prompt, const GenerationResult& result,
                          int width, int height) {
    nlohmann::json entities = nlohmann::json::array();
    for (const auto& entity : result.entities) {
        nlohmann::json boxes = nlohmann::json::array(), pixels = nlohmann::json::array(),
                       confidence = nlohmann::json::array();
        for (const auto& detail : entity.boxes) {
            boxes.push_back(boxJson(detail.box));
            pixels.push_back(boxJson(toPixelBox(detail.box, width, height)));
            confidence.push_back(detail.confidence);
        }
        entities.push_back({{"phrase", entity.phrase},
                            {"span", {entity.span.first, entity.span.second}},
                            {"boxes", boxes},
                            {"pixel_boxes", pixels},
                            {"confidence", confidence}});
    }
    return {{"image", image},
            {"prompt", prompt},
            {"generated_ids", result.generatedIds},
            {"text", result.text},
            {"caption", result.caption},
            {"entities", entities},
            {"stopped_by", result.stoppedBy},
            {"timings_ms", result.timingsMs}};
}

} // namespace kosmos::cli
