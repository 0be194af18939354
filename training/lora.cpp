#include "training/lora.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "model/engine/checkpoint.h"
#include "model/error.h"
#include "model/json_error.h"

namespace kosmos::training {
namespace {

const std::string kPeftPrefix = "base_model.model.";

std::string lastComponent(const std::string& name) {
    const auto dot = name.find_last_of('.');
    return dot == std::string::npos ? name : name.substr(dot + 1);
}

bool isVision(const std::string& name) { return name.rfind("vision_model.", 0) == 0; }

bool matches(const std::string& name, const LoraOptions& options) {
    if (!options.includeVision && isVision(name)) return false;
    for (const std::string& target : options.targets) {
        if (target == "all-linear" || target == "all_linear" || target == "all") return true;
        if (lastComponent(name) == target || name == target) return true;
    }
    return false;
}

} // namespace

std::vector<LoraModule> loraModules(Kosmos2ForConditionalGeneration& model) {
    std::vector<LoraModule> out;
    for (const auto& item : model->named_modules("", /*include_self=*/false)) {
        auto linear = std::dynamic_pointer_cast<LinearImpl>(item.value());
        if (linear && linear->loraA.defined()) out.push_back({item.key(), Linear(linear)});
    }
    return out;
}

void validateLoraOptions(const LoraOptions& options) {
    if (options.rank < 1 || options.rank > 4096) throw Error("LoRA rank must be in 1..4096");
    if (!(options.alpha > 0)) throw Error("LoRA alpha must be positive");
    if (!(options.dropout >= 0 && options.dropout < 1)) throw Error("LoRA dropout must be in [0, 1)");
}

std::vector<LoraModule> enableLora(Kosmos2ForConditionalGeneration& model, const LoraOptions& options,
                                   std::uint64_t seed) {
    validateLoraOptions(options);
    if (!loraModules(model).empty()) throw Error("the model already has LoRA adapters");
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    at::NoGradGuard noGrad;
    std::vector<LoraModule> out;
    for (const auto& item : model->named_modules("", /*include_self=*/false)) {
        auto linear = std::dynamic_pointer_cast<LinearImpl>(item.value());
        if (!linear || !matches(item.key(), options)) continue;
        const std::int64_t outFeatures = linear->weight.size(0), inFeatures = linear->weight.size(1);
        auto cpu = at::TensorOptions().dtype(at::kFloat);
        // PEFT: kaiming_uniform_(A, a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)); B = 0, so the adapted model starts
        // equal to the base.
        const double bound = 1.0 / std::sqrt(static_cast<double>(inFeatures));
        at::Tensor a = at::empty({options.rank, inFeatures}, cpu).uniform_(-bound, bound, generator);
        at::Tensor b = at::zeros({outFeatures, options.rank}, cpu);
        const auto target = linear->weight.options();
        linear->loraA = linear->register_parameter("lora_A", a.to(target));
        linear->loraB = linear->register_parameter("lora_B", b.to(target));
        linear->loraScale = options.scale();
        linear->loraDropout = options.dropout;
        out.push_back({item.key(), Linear(linear)});
    }
    if (out.empty()) {
        std::string names;
        for (const auto& t : options.targets) names += (names.empty() ? "" : ",") + t;
        throw Error("LoRA targets '" + names + "' match no Linear module of the model");
    }
    return out;
}

at::Tensor mergedWeight(const LoraModule& module) {
    at::NoGradGuard noGrad;
    const auto& l = module.linear;
    at::Tensor delta = at::matmul(l->loraB.to(at::kDouble), l->loraA.to(at::kDouble)) * l->loraScale;
    return (l->weight.to(at::kDouble) + delta).to(l->weight.scalar_type());
}

std::map<std::string, at::Tensor> adapterTensors(const std::vector<LoraModule>& modules) {
    std::map<std::string, at::Tensor> out;
    for (const auto& m : modules) {
        out[kPeftPrefix + m.name + ".lora_A.weight"] = m.linear->loraA.detach();
        out[kPeftPrefix + m.name + ".lora_B.weight"] = m.linear->loraB.detach();
    }
    return out;
}

std::string adapterConfigJson(const LoraOptions& options, const std::vector<LoraModule>& modules,
                              const std::string& baseModel) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& m : modules) targets.push_back(m.name);
    nlohmann::json root = {{"peft_type", "LORA"},
                           {"task_type", nullptr},
                           {"base_model_name_or_path", baseModel},
                           {"r", options.rank},
                           {"lora_alpha", options.alpha},
                           {"lora_dropout", options.dropout},
                           {"target_modules", targets},
                           {"bias", "none"},
                           {"fan_in_fan_out", false},
                           {"inference_mode", true},
                           {"init_lora_weights", true},
                           {"modules_to_save", nullptr},
                           {"use_rslora", false},
                           {"use_dora", false}};
    return root.dump(2);
}

LoraOptions parseAdapterConfig(const std::string& text, const std::string& source) {
    LoraOptions options;
    try {
        const nlohmann::json root = nlohmann::json::parse(text);
        options.rank = root.at("r").get<int>();
        options.alpha = root.at("lora_alpha").get<double>();
        options.dropout = root.value("lora_dropout", 0.0);
        options.targets.clear();
        for (const auto& t : root.at("target_modules")) options.targets.push_back(t.get<std::string>());
        options.includeVision = std::any_of(options.targets.begin(), options.targets.end(),
                                            [](const std::string& t) { return isVision(t); });
    } catch (const nlohmann::json::exception& e) {
        throw Error(source + ": " + jsonErrorText(e));
    }
    if (options.rank < 1 || options.rank > 4096 || !(options.alpha > 0))
        throw Error(source + ": r or lora_alpha out of range");
    return options;
}

void loadAdapterTensors(const std::vector<LoraModule>& modules, const std::string& adapterFile) {
    const SafetensorsFile file = SafetensorsFile::open(adapterFile);
    at::NoGradGuard noGrad;
    for (const auto& m : modules) {
        for (auto [suffix, target] : {std::pair<const char*, at::Tensor>{".lora_A.weight", m.linear->loraA},
                                      std::pair<const char*, at::Tensor>{".lora_B.weight", m.linear->loraB}}) {
            const std::string key = kPeftPrefix + m.name + suffix;
            const TensorInfo* info = file.find(key);
            if (!info) throw Error(adapterFile + ": tensor '" + key + "' is missing");
            if (!at::IntArrayRef(info->shape).equals(target.sizes()))
                throw Error(adapterFile + ": tensor '" + key + "' has the wrong shape");
            if (info->dtype != DType::F32 && info->dtype != DType::F16 && info->dtype != DType::BF16 &&
                info->dtype != DType::F64)
                throw Error(adapterFile + ": tensor '" + key + "' is not floating point");
            target.copy_(mappedTensor(file, *info));
        }
    }
}

} // namespace kosmos::training
