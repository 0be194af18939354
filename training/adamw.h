#pragma once
// AdamW (decoupled weight decay, as torch.optim.AdamW) over named parameters, with its state (moments
// and step) exposed by name so checkpoints can save and restore it exactly. Weight decay applies to
// the "decay" group only (biases and norms are left undecayed by the trainer, as transformers' Trainer
// does). Plus the warm-up + cosine learning-rate schedule and global-norm gradient clipping.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kosmos::training {

struct NamedParameter {
    std::string name;
    at::Tensor tensor;
    bool decay = true;
    double lrScale = 1.0;   // this parameter's learning rate is lr * lrScale (decay included)
};

struct AdamWOptions {
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weightDecay = 0.01;
};

class AdamW {
public:
    AdamW(std::vector<NamedParameter> parameters, const AdamWOptions& options);

    // One update with learning rate `lr` from the parameters' .grad() (parameters without a gradient are
    // skipped, as torch does).
    void step(double lr);
    void zeroGrad();
    std::int64_t steps() const { return mSteps; }

    // "exp_avg/<name>", "exp_avg_sq/<name>" for every parameter that has state.
    std::map<std::string, at::Tensor> state() const;
    // Restores moments (by name, shapes checked) and the step count. Tensors already on the parameters' device
    // and type are shared, not copied: the caller must not use them afterwards. Throws kosmos::Error naming a
    // missing or misshapen tensor.
    void loadState(const std::map<std::string, at::Tensor>& state, std::int64_t steps, const std::string& source);

    const std::vector<NamedParameter>& parameters() const { return mParameters; }

private:
    std::vector<NamedParameter> mParameters;
    std::vector<at::Tensor> mExpAvg, mExpAvgSq;
    AdamWOptions mOptions;
    std::int64_t mSteps = 0;
};

// Linear warm-up reaching `peak` at update `warmup`, then cosine decay towards peak * minRatio at `total`
// (the last update keeps a small positive rate, as transformers' cosine schedule). `step` counts from 1.
double scheduledLearningRate(std::int64_t step, std::int64_t total, std::int64_t warmup, double peak,
                             double minRatio = 0.0);

// torch.nn.utils.clip_grad_norm_: scales all gradients so their global L2 norm is at most maxNorm
// (maxNorm <= 0: no clipping). Returns the norm before clipping.
double clipGradNorm(const std::vector<NamedParameter>& parameters, double maxNorm);

} // namespace kosmos::training
