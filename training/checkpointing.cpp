// Activation checkpointing (torch.utils.checkpoint, reentrant form) and the autocast scope, which
// differ between LibTorch versions; kept apart from the rest because of the autograd headers they need.
#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include "training/training_step.h"

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

#if defined(TORCH_VERSION_MAJOR) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))
#define KOSMOS_AUTOCAST_DEVICE_API 1
#endif

namespace kosmos::training {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

bool autocastEnabled() {
#ifdef KOSMOS_AUTOCAST_DEVICE_API
    return at::autocast::is_autocast_enabled(at::kCUDA);
#else
    return at::autocast::is_enabled();
#endif
}

void setAutocast(bool enabled, at::ScalarType dtype) {
#ifdef KOSMOS_AUTOCAST_DEVICE_API
    at::autocast::set_autocast_enabled(at::kCUDA, enabled);
    at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

at::ScalarType autocastDtype() {
#ifdef KOSMOS_AUTOCAST_DEVICE_API
    return at::autocast::get_autocast_dtype(at::kCUDA);
#else
    return at::autocast::get_autocast_gpu_dtype();
#endif
}

// What backward needs to run the block again as forward ran it.
struct SavedBlock : torch::CustomClassHolder {
    std::function<at::Tensor(const at::Tensor&)> block;
    at::Generator generator;
    at::Tensor rngState;
    bool autocast = false;
    at::ScalarType autocastType = at::kBFloat16;
};

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, c10::intrusive_ptr<SavedBlock> saved) {
        saved->generator = at::globalContext().defaultGenerator(input.device());
        {
            std::lock_guard<std::mutex> lock(saved->generator.mutex());
            saved->rngState = saved->generator.get_state();
        }
        saved->autocast = autocastEnabled();
        saved->autocastType = autocastDtype();
        ctx->save_for_backward({input});
        ctx->saved_data["block"] = c10::IValue::make_capsule(saved);
        return saved->block(input);   // autograd is off inside forward
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
        const at::Tensor input = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        auto capsule = ctx->saved_data["block"].toCapsule();
        auto* saved = static_cast<SavedBlock*>(capsule.get());
        at::Tensor now, output;
        {
            std::lock_guard<std::mutex> lock(saved->generator.mutex());
            now = saved->generator.get_state();
            saved->generator.set_state(saved->rngState);
        }
        {
            at::AutoGradMode grad(true);
            AutocastScope cast(saved->autocast, saved->autocastType);
            output = saved->block(input);
        }
        {
            std::lock_guard<std::mutex> lock(saved->generator.mutex());
            saved->generator.set_state(now);
        }
        torch::autograd::backward({output}, {gradOutputs[0]});
        return {input.grad(), at::Tensor()};
    }
};

} // namespace

AutocastScope::AutocastScope(bool enable, at::ScalarType dtype) : mEnabled(enable) {
    if (!mEnabled) return;
    mPrevious = autocastEnabled();
    mPreviousDtype = autocastDtype();
    setAutocast(true, dtype);
#ifndef KOSMOS_AUTOCAST_DEVICE_API
    at::autocast::increment_nesting();
#endif
}

AutocastScope::~AutocastScope() {
    if (!mEnabled) return;
#ifndef KOSMOS_AUTOCAST_DEVICE_API
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#else
    at::autocast::clear_cache();
#endif
    setAutocast(mPrevious, mPreviousDtype);
}

bool AutocastScope::active() { return autocastEnabled(); }
at::ScalarType AutocastScope::dtype() { return autocastDtype(); }

at::Tensor checkpointed(const std::function<at::Tensor(const at::Tensor&)>& block, const at::Tensor& input) {
    if (!at::GradMode::is_enabled()) return block(input);
    auto saved = c10::make_intrusive<SavedBlock>();
    saved->block = block;
    // With an input that needs no gradient the recomputed block's parameters would get none either
    // (the reentrant checkpoint's known trap): give the function an input that does.
    const at::Tensor x = input.requires_grad() ? input : input.detach().requires_grad_(true);
    return CheckpointFunction::apply(x, saved);
}

} // namespace kosmos::training
