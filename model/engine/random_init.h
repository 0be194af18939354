#pragma once
#include <cstdint>

#include "model/engine/kosmos2_model.h"

namespace kosmos {

// transformers-style initialisation of a new model (Kosmos2PreTrainedModel._init_weights): normal(0, std) weights,
// zero biases, unit layer norms, tied lm_head. Used for benchmarks of random models and for training from scratch.
void randomInitialise(Kosmos2ForConditionalGeneration& model, std::uint64_t seed, double std = 0.02);

// Throws kosmos::Error naming `source` when a new f32 model of `config` (written to, so resident) would not fit
// in this machine's memory: a config whose every size is plausible may still describe trillions of weights.
void requireMemoryForNewModel(const KosmosConfig& config, const std::string& source);

} // namespace kosmos
