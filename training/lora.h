#pragma once
// LoRA on the engine's Linear modules: y = W x + b + (alpha / r) * B A dropout(x), with A [r, in] and
// B [out, r] registered as parameters "lora_A" / "lora_B" of the Linear, so named_parameters() gives
// PEFT-like names ("text_model.model.layers.0.self_attn.q_proj.lora_A"). Saved the PEFT way:
// adapter_model.safetensors ("base_model.model.<module>.lora_A.weight") + adapter_config.json.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/engine/kosmos2_model.h"
#include "training/lora_options.h"

namespace kosmos::training {

struct LoraModule {
    std::string name;   // module path, e.g. "text_model.model.layers.0.self_attn.q_proj"
    Linear linear{nullptr};
};

// Adds adapters (A: PEFT's kaiming-uniform init from `seed`, B: zeros) to the matching modules.
// Throws kosmos::Error when nothing matches or the options are out of range.
// Throws kosmos::Error naming a rank, alpha or dropout out of range.
void validateLoraOptions(const LoraOptions& options);
std::vector<LoraModule> enableLora(Kosmos2ForConditionalGeneration& model, const LoraOptions& options,
                                   std::uint64_t seed);

// Existing adapters of a model (after enableLora).
std::vector<LoraModule> loraModules(Kosmos2ForConditionalGeneration& model);

// The module's weight with its adapter folded in: W + scale * B @ A (computed in float64, returned in W's dtype).
at::Tensor mergedWeight(const LoraModule& module);

// PEFT adapter tensors: "base_model.model.<name>.lora_A.weight" / ".lora_B.weight".
std::map<std::string, at::Tensor> adapterTensors(const std::vector<LoraModule>& modules);
// adapter_config.json text.
std::string adapterConfigJson(const LoraOptions& options, const std::vector<LoraModule>& modules,
                              const std::string& baseModel);
// Reads r / lora_alpha / lora_dropout / target_modules back from adapter_config.json text.
LoraOptions parseAdapterConfig(const std::string& jsonText, const std::string& sourceName);
// Loads adapter tensors (adapterTensors' keys) into the modules; throws naming a missing or misshapen one.
void loadAdapterTensors(const std::vector<LoraModule>& modules, const std::string& adapterFile);

} // namespace kosmos::training
