#include "training/trainer_state.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "model/engine/checkpoint.h"
#include "model/error.h"
#include "model/json_error.h"
#include "training/model_folder.h"

namespace kosmos::training {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "kosmos2-workbench-trainer-state";

json optionsToJson(const TrainerOptions& o) {
    return {{"mode", o.mode},
            {"lora", {{"r", o.lora.rank}, {"alpha", o.lora.alpha}, {"dropout", o.lora.dropout},
                      {"targets", o.lora.targets}, {"include_vision", o.lora.includeVision}}},
            {"freeze_vision", o.freezeVision},
            {"dropout", o.dropout},
            {"batch_size", o.batchSize},
            {"gradient_accumulation", o.gradientAccumulation},
            {"learning_rate", o.learningRate},
            {"vision_lr_scale", o.visionLrScale},
            {"connector_lr_scale", o.connectorLrScale},
            {"weight_decay", o.weightDecay},
            {"beta1", o.beta1},
            {"beta2", o.beta2},
            {"eps", o.eps},
            {"warmup_steps", o.warmupSteps},
            {"min_learning_rate_ratio", o.minLearningRateRatio},
            {"max_grad_norm", o.maxGradNorm},
            {"gradient_checkpointing", o.gradientCheckpointing},
            {"ref_exp_ratio", o.refExpRatio},
            {"augment", {{"crop_probability", o.augment.cropProbability}, {"min_crop_scale", o.augment.minCropScale},
                         {"horizontal_flip", o.augment.horizontalFlip}}},
            {"max_tokens", o.maxTokens},
            {"limit", o.limit},
            {"seed", o.seed}};
}

void optionsFromJson(const json& j, TrainerOptions& o) {
    o.mode = j.at("mode").get<std::string>();
    const json& l = j.at("lora");
    o.lora.rank = l.at("r").get<int>();
    o.lora.alpha = l.at("alpha").get<double>();
    o.lora.dropout = l.at("dropout").get<double>();
    o.lora.targets = l.at("targets").get<std::vector<std::string>>();
    o.lora.includeVision = l.at("include_vision").get<bool>();
    o.freezeVision = j.at("freeze_vision").get<int>();
    o.dropout = j.at("dropout").get<double>();
    o.batchSize = j.at("batch_size").get<int>();
    o.gradientAccumulation = j.at("gradient_accumulation").get<int>();
    o.learningRate = j.at("learning_rate").get<double>();
    o.visionLrScale = j.value("vision_lr_scale", 1.0);
    o.connectorLrScale = j.value("connector_lr_scale", 1.0);
    o.weightDecay = j.at("weight_decay").get<double>();
    o.beta1 = j.at("beta1").get<double>();
    o.beta2 = j.at("beta2").get<double>();
    o.eps = j.at("eps").get<double>();
    o.warmupSteps = j.at("warmup_steps").get<std::int64_t>();
    o.minLearningRateRatio = j.at("min_learning_rate_ratio").get<double>();
    o.maxGradNorm = j.at("max_grad_norm").get<double>();
    o.gradientCheckpointing = j.value("gradient_checkpointing", false);
    o.refExpRatio = j.at("ref_exp_ratio").get<double>();
    const json& a = j.at("augment");
    o.augment.cropProbability = a.at("crop_probability").get<double>();
    o.augment.minCropScale = a.at("min_crop_scale").get<double>();
    o.augment.horizontalFlip = a.at("horizontal_flip").get<bool>();
    o.maxTokens = j.at("max_tokens").get<std::size_t>();
    o.limit = j.value("limit", std::size_t{0});
    o.seed = j.at("seed").get<std::uint64_t>();
}

} // namespace

void copyRunShapingOptions(const TrainerOptions& from, TrainerOptions& to) {
    optionsFromJson(optionsToJson(from), to);
}

std::vector<std::string> settingsKeptOnResume(const TrainerOptions& given, const TrainerOptions& saved) {
    // Compared as they act: freeze_vision -1 is the saved mode's default.
    const auto effective = [&saved](TrainerOptions o) {
        if (o.freezeVision < 0) o.freezeVision = saved.mode == "lora" ? 1 : 0;
        return optionsToJson(o);
    };
    const json asked = effective(given);
    const json kept = effective(saved);
    const json defaults = effective(TrainerOptions{});
    const auto wasGiven = [&](const std::string& name, const json& value, const json& defaultValue) {
        if (given.givenSettings.empty()) return value != defaultValue;
        return std::find(given.givenSettings.begin(), given.givenSettings.end(), name) != given.givenSettings.end();
    };
    std::vector<std::string> out;
    // Nested groups (lora, augment) are compared field by field: "lora.r 8 (not 16)".
    const auto compare = [&](const json& a, const json& k, const json& d, const std::string& prefix, auto& self) -> void {
        for (auto it = a.begin(); it != a.end(); ++it) {
            const std::string name = prefix + it.key();
            const json& keptValue = k.contains(it.key()) ? k.at(it.key()) : json();
            const json& defaultValue = d.contains(it.key()) ? d.at(it.key()) : json();
            if (it->is_object()) {
                self(*it, keptValue, defaultValue, name + ".", self);
            } else if (*it != keptValue && name != "gradient_checkpointing" && wasGiven(name, *it, defaultValue)) {
                out.push_back(name + " " + keptValue.dump() + " (not " + it->dump() + ")");
            }
        }
    };
    compare(asked, kept, defaults, "", compare);
    return out;
}

void writeTrainerState(const std::string& dir, const TrainerState& state) {
    json root = {{"format", kFormat},
                 {"version", 1},
                 {"step", state.step},
                 {"total_steps", state.totalSteps},
                 {"base_model", state.baseModel},
                 {"data", state.data},
                 {"records", state.records},
                 {"options", optionsToJson(state.options)},
                 {"losses", state.losses}};
    if (state.store) {
        json query = {{"db", state.store->dbPath}};
        if (state.store->split) query["split"] = *state.store->split;
        if (state.store->review) query["review"] = *state.store->review;
        if (state.store->source) query["source"] = *state.store->source;
        root["store"] = query;
    }
    saveTensors(dir + "/" + kTrainerStateTensors, state.optimizer, {{"format", "pt"}, {"step", std::to_string(state.step)}});
    writeTextFile(dir + "/" + kTrainerStateJson, root.dump(2) + "\n");
}

TrainerState readTrainerState(const std::string& dir) {
    const std::string path = dir + "/" + kTrainerStateJson;
    std::error_code missing;
    if (!std::filesystem::exists(dir, missing)) throw Error(dir + ": no such checkpoint folder");
    if (!std::filesystem::exists(path, missing))
        throw Error(dir + ": not a training checkpoint (it has no " + std::string(kTrainerStateJson) + ")");
    TrainerState state;
    try {
        const json root = json::parse(readTextFile(path, 256u << 20));
        if (root.value("format", std::string()) != kFormat) throw Error(path + ": not a trainer state file");
        state.step = root.at("step").get<std::int64_t>();
        state.totalSteps = root.at("total_steps").get<std::int64_t>();
        state.baseModel = root.at("base_model").get<std::string>();
        state.data = root.value("data", std::string());
        state.records = root.value("records", std::size_t{0});
        state.losses = root.value("losses", std::vector<double>{});
        optionsFromJson(root.at("options"), state.options);
        if (root.contains("store") && root["store"].is_object()) {
            const json& q = root["store"];
            StoreQuery query;
            query.dbPath = q.at("db").get<std::string>();
            if (q.contains("split")) query.split = q["split"].get<std::string>();
            if (q.contains("review")) query.review = q["review"].get<std::string>();
            if (q.contains("source")) query.source = q["source"].get<std::string>();
            state.store = query;
        }
    } catch (const json::exception& e) {
        throw Error(path + ": " + jsonErrorText(e));
    }
    if (state.step < 0) throw Error(path + ": negative step");
    const std::string tensors = dir + "/" + kTrainerStateTensors;
    const SafetensorsFile file = SafetensorsFile::open(tensors);
    for (const TensorInfo& info : file.tensors()) state.optimizer[info.name] = mappedTensor(file, info).clone();
    return state;
}

} // namespace kosmos::training
