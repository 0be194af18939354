#include "model/engine/random_init.h"

#include <ATen/core/grad_mode.h>

#include "model/engine/kosmos2_loader.h"

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

} // namespace kosmos
