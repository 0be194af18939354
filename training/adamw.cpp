#include "training/adamw.h"

#include <ATen/core/grad_mode.h>

#include <cmath>

#include "model/error.h"

namespace kosmos::training {

AdamW::AdamW(std::vector<NamedParameter> parameters, const AdamWOptions& options)
    : mParameters(std::move(parameters)), mOptions(options) {
    mExpAvg.resize(mParameters.size());
    mExpAvgSq.resize(mParameters.size());
}

void AdamW::step(double lr) {
    at::NoGradGuard noGrad;
    ++mSteps;
    const double b1 = mOptions.beta1, b2 = mOptions.beta2;
    const double correction1 = 1.0 - std::pow(b1, static_cast<double>(mSteps));
    const double correction2Sqrt = std::sqrt(1.0 - std::pow(b2, static_cast<double>(mSteps)));
    for (std::size_t i = 0; i < mParameters.size(); ++i) {
        at::Tensor& p = mParameters[i].tensor;
        const at::Tensor& grad = p.grad();
        if (!grad.defined()) continue;
        if (!mExpAvg[i].defined()) {
            mExpAvg[i] = at::zeros_like(p, at::MemoryFormat::Preserve);
            mExpAvgSq[i] = at::zeros_like(p, at::MemoryFormat::Preserve);
        }
        const double rate = lr * mParameters[i].lrScale;
        if (mParameters[i].decay && mOptions.weightDecay > 0) p.mul_(1.0 - rate * mOptions.weightDecay);
        mExpAvg[i].mul_(b1).add_(grad, 1.0 - b1);
        mExpAvgSq[i].mul_(b2).addcmul_(grad, grad, 1.0 - b2);
        at::Tensor denom = (mExpAvgSq[i].sqrt() / correction2Sqrt).add_(mOptions.eps);
        p.addcdiv_(mExpAvg[i], denom, -rate / correction1);
    }
}

void AdamW::zeroGrad() {
    for (auto& p : mParameters) {
        at::Tensor& grad = p.tensor.mutable_grad();
        if (grad.defined()) grad = at::Tensor();   // set_to_none, as torch's default
    }
}

std::map<std::string, at::Tensor> AdamW::state() const {
    std::map<std::string, at::Tensor> out;
    for (std::size_t i = 0; i < mParameters.size(); ++i) {
        if (!mExpAvg[i].defined()) continue;
        out["exp_avg/" + mParameters[i].name] = mExpAvg[i];
        out["exp_avg_sq/" + mParameters[i].name] = mExpAvgSq[i];
    }
    return out;
}

void AdamW::loadState(const std::map<std::string, at::Tensor>& state, std::int64_t steps, const std::string& source) {
    at::NoGradGuard noGrad;
    for (std::size_t i = 0; i < mParameters.size(); ++i) {
        const at::Tensor& p = mParameters[i].tensor;
        auto avg = state.find("exp_avg/" + mParameters[i].name);
        auto sq = state.find("exp_avg_sq/" + mParameters[i].name);
        if (avg == state.end() && sq == state.end()) {
            if (steps > 0) throw Error(source + ": no optimizer state for '" + mParameters[i].name + "'");
            continue;
        }
        if (avg == state.end() || sq == state.end() || !avg->second.sizes().equals(p.sizes()) ||
            !sq->second.sizes().equals(p.sizes()))
            throw Error(source + ": optimizer state for '" + mParameters[i].name + "' is incomplete or misshapen");
        // Taken over, not copied, where device and type already match: a full fine-tune's moments are
        // gigabytes, and the caller drops its map afterwards.
        mExpAvg[i] = avg->second.to(p.device(), p.scalar_type()).contiguous();
        mExpAvgSq[i] = sq->second.to(p.device(), p.scalar_type()).contiguous();
    }
    mSteps = steps;
}

double scheduledLearningRate(std::int64_t step, std::int64_t total, std::int64_t warmup, double peak, double minRatio) {
    const std::int64_t s = step - 1;   // updates done before this one
    if (warmup > 0 && s < warmup) return peak * static_cast<double>(s + 1) / static_cast<double>(warmup);
    // transformers' get_cosine_schedule_with_warmup after the warm-up: the last update still moves.
    const double span = static_cast<double>(std::max<std::int64_t>(1, total - warmup));
    const double progress = std::min(1.0, static_cast<double>(s - warmup) / span);
    const double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
    return peak * (minRatio + (1.0 - minRatio) * cosine);
}

double clipGradNorm(const std::vector<NamedParameter>& parameters, double maxNorm) {
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> norms;
    for (const auto& p : parameters)
        if (p.tensor.grad().defined()) norms.push_back(p.tensor.grad().detach().to(at::kFloat).norm(2));
    if (norms.empty()) return 0.0;
    const double total = at::stack(norms).norm(2).item<double>();
    if (maxNorm > 0 && std::isfinite(total)) {
        const double coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1.0)
            for (const auto& p : parameters)
                if (p.tensor.grad().defined()) p.tensor.grad().mul_(coefficient);
    }
    return total;
}

} // namespace kosmos::training
