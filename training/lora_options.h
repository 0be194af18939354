#pragma once
// What LoRA adapts and how (see training/lora.h), without LibTorch: TrainerOptions and the GUI use it.
#include <string>
#include <vector>

namespace kosmos::training {

struct LoraOptions {
    int rank = 8;
    double alpha = 16.0;
    double dropout = 0.05;
    // Module names (last component) to adapt, e.g. {"q_proj", "v_proj"}; {"all-linear"} adapts every
    // Linear (attention projections, MLPs, the image-to-text dense). lm_head is never adapted.
    std::vector<std::string> targets = {"q_proj", "v_proj"};
    bool includeVision = false;   // adapt the vision tower too
    double scale() const { return alpha / rank; }
};

} // namespace kosmos::training
