// kosmos2 dump: the intermediate tensors of one forward pass, to diff against transformers.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <filesystem>
#include <iostream>

#include "app/cli/commands.h"
#include "core/media/image_io.h"
#include "model/engine/checkpoint.h"
#include "model/engine/engine_impl.h"
#include "model/engine/kosmos2_model.h"
#include "model/engine/text_model.h"

namespace kosmos::cli {
namespace {

struct DumpOptions {
    std::string model, image, prompt = "<grounding>An image of", out, device = "cpu", dtype = "f32";
};

at::Tensor row(const std::vector<std::int64_t>& values) {
    return at::tensor(values, at::TensorOptions().dtype(at::kLong)).view({1, -1});
}

void runDump(const DumpOptions& o) {
    // The dump replaces its file whole: never one of the model's own files (its weights, an index shard).
    std::error_code error;
    namespace fs = std::filesystem;
    const fs::path out = fs::weakly_canonical(fs::absolute(o.out, error), error);
    const fs::path modelDir = fs::weakly_canonical(fs::absolute(o.model, error), error);
    if (out.parent_path() == modelDir && fs::exists(out, error))
        throw CommandError{o.out + ": is a file of the model folder " + o.model + "; write the dump elsewhere"};
    refuseToOverwriteInput(o.out, o.image, "--image");
    LoadOptions load;
    load.device = o.device;
    load.dtype = o.dtype;
    TorchEngine engine(o.model, load, {});
    at::NoGradGuard noGrad;
    const ImageU8 image = loadImageFile(o.image);
    const ProcessedText text = processPrompt(engine.tokenizer(), o.prompt);
    at::Tensor pixels = engine.pixelValues(image);
    auto& model = engine.model();
    at::Tensor imageEmbeds = model->imageEmbeds(pixels.to(engine.device(), engine.dtype()));
    at::Tensor ids = row(text.inputIds).to(engine.device());
    at::Tensor mask = row(text.attentionMask).to(engine.device());
    at::Tensor imageMask = row(text.imageEmbedsPositionMask).to(engine.device());
    at::Tensor positions = positionIdsFromInputIds(ids, engine.config().text.padTokenId, at::Tensor());
    at::Tensor attn = buildAttentionMask(mask, ids.size(1), engine.dtype());
    at::Tensor hidden = model->text_model->model(ids, positions, imageEmbeds, imageMask, attn, nullptr);
    at::Tensor logits = model->text_model->logits(hidden);
    saveTensors(o.out, {{"pixel_values", pixels},
                        {"input_ids", row(text.inputIds)},
                        {"attention_mask", row(text.attentionMask)},
                        {"image_embeds_position_mask", row(text.imageEmbedsPositionMask)},
                        {"image_embeds", imageEmbeds.to(at::kCPU, at::kFloat)},
                        {"logits", logits.to(at::kCPU, at::kFloat)}});
    std::cout << "wrote " << o.out << " (input_ids " << text.inputIds.size() << ", logits " << logits.sizes() << ")\n";
}

} // namespace

void addDumpCommand(CLI::App& app) {
    auto options = std::make_shared<DumpOptions>();
    CLI::App* cmd = app.add_subcommand("dump", "Write the intermediate tensors of one forward pass (safetensors)");
    cmd->add_option("--model", options->model, "Hugging Face KOSMOS-2 folder")->required();
    cmd->add_option("--image", options->image, "Image file")->required();
    cmd->add_option("--prompt", options->prompt, "Prompt")->capture_default_str();
    cmd->add_option("--out", options->out, "Output .safetensors file")->required();
    cmd->add_option("--device", options->device, "Where to run")->capture_default_str()->check(deviceName());
    cmd->add_option("--dtype", options->dtype, "Precision (int8: CPU, int8 decoder weights)")
        ->capture_default_str()
        ->check(dtypeName());
    cmd->callback([options] { runDump(*options); });
}

} // namespace kosmos::cli
