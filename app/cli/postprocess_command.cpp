// `kosmos2 postprocess TEXT...`: transformers' Kosmos2Processor.post_process_generation on each text,
// one JSON line per text: {"caption", "entities":[{"phrase","span":[s,e],"boxes":[[x0,y0,x1,y1],...]}]}.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "model/grounding.h"

namespace kosmos::cli {
namespace {

nlohmann::ordered_json toJson(const PostProcessed& result) {
    nlohmann::ordered_json entities = nlohmann::ordered_json::array();
    for (const Entity& entity : result.entities) {
        nlohmann::ordered_json boxes = nlohmann::ordered_json::array();
        for (const Box& box : entity.boxes) boxes.push_back({box[0], box[1], box[2], box[3]});
        entities.push_back({{"phrase", entity.phrase},
                            {"span", {entity.span.first, entity.span.second}},
                            {"boxes", std::move(boxes)}});
    }
    return {{"caption", result.caption}, {"entities", std::move(entities)}};
}

} // namespace

void addPostprocessCommand(CLI::App& app) {
    auto texts = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = app.add_subcommand(
        "postprocess", "Parse generated text into caption and grounded entities (post_process_generation)");
    cmd->add_option("TEXT", *texts, "Decoded model output, tags included (e.g. '<grounding> An image of<phrase> a "
                                    "cat</phrase><object><patch_index_0000><patch_index_1023></object>')")
        ->required();
    cmd->callback([texts] {
        for (const std::string& text : *texts) {
            // Captions come back as valid UTF-8 (bad input bytes read as U+FFFD), so dump cannot throw on them.
            std::cout << toJson(postProcessGeneration(text)).dump(-1, ' ', false,
                                                                  nlohmann::ordered_json::error_handler_t::replace)
                      << '\n';
        }
        std::cout.flush();
    });
}

} // namespace kosmos::cli
