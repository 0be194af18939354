#pragma once
// The JSON shapes the CLI prints (generate --json and postprocess, as the README describes them).
#include <nlohmann/json.hpp>

#include "model/engine/engine.h"

namespace kosmos::cli {

nlohmann::json boxJson(const Box& box);
nlohmann::json resultJson(const std::string& image, const std::string& prompt, const GenerationResult& result,
                          int width, int height);

} // namespace kosmos::cli
