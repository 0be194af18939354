#include "model/engine/random_init.h"

#include <ATen/core/grad_mode.h>

#include <cstdio>
#include <string>

#include "model/engine/kosmos2_loader.h"
#include "model/engine/runtime_info.h"
#include "model/error.h"

namespace kosmos {

void randomInitialise(Kosmos2ForConditionalGeneration& model, std::uint64_t seed, double std) {
    at::NoGradGuard noGrad;
    at::manual_seed(seed);
    for (auto& item : model->named_parameters()) {
        const std::string& name = item.key();
        at::Tensor& p = item.value();
        const bool isNorm = name.find("norm") != std::string::npos || name.find("layrnorm") != std::string::npos ||
                            name.find("inner_attn_ln") != std::string::npos;
        if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
            p.zero_();
        } else if (isNorm) {
            p.fill_(1.0);
        } else {
            p.normal_(0.0, std);
        }
    }
    tieLmHead(model);
}

void requireMemoryForNewModel(const KosmosConfig& config, const std::string& source) {
    const double bytes = parameterEstimate(config) * sizeof(float);
    const double memory = static_cast<double>(physicalMemoryBytes());
    if (memory <= 0 || bytes <= memory) return;
    char text[160];
    std::snprintf(text, sizeof text, ": describes a model of about %.3g parameters, %.1f GiB in float32, more than this "
                  "machine's %.1f GiB of memory", parameterEstimate(config), bytes / (1 << 30), memory / (1 << 30));
    throw Error(source + text);
}

} // namespace kosmos
