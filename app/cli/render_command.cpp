// kosmos2 render: ground an image and draw the boxes and phrases onto it.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/result_json.h"
#include "core/media/image_io.h"
#include "core/media/render.h"
#include "model/engine/engine.h"
#include "model/engine/runtime_info.h"

namespace kosmos::cli {
namespace {

struct RenderCommandOptions {
    std::string model, image, prompt = "<grounding>An image of", out, device = "cpu", dtype = "f32";
    GenerationParams params;
    bool constrained = false, json = false;
    double minConfidence = 0;
};

void runRender(RenderCommandOptions o) {
    std::string extension = std::filesystem::path(o.out).extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (extension != ".png") throw CommandError{"render writes PNG: --out needs a .png name, not " + o.out, 2};
    refuseToOverwriteInput(o.out, o.image, "--image");
    o.params.constrainedGrounding = o.constrained;
    LoadOptions load;
    load.device = o.device;
    load.dtype = o.dtype;
    auto engine = Engine::load(o.model, load);
    GenerationRequest request;
    request.image = loadImageFile(o.image);
    request.prompt = o.prompt;
    request.params = o.params;
    GenerationResult result = engine->generate(request);
    // What is drawn is what --json reports: the boxes --min-confidence keeps, the phrases that keep one.
    std::vector<GroundedEntity> kept;
    for (GroundedEntity& g : result.entities) {
        g.boxes.erase(std::remove_if(g.boxes.begin(), g.boxes.end(),
                                     [&](const BoxDetail& b) { return b.confidence < o.minConfidence; }),
                      g.boxes.end());
        if (!g.boxes.empty()) kept.push_back(std::move(g));
    }
    result.entities = std::move(kept);
    std::vector<Entity> entities;
    for (const auto& g : result.entities) {
        Entity e{g.phrase, g.span, {}};
        for (const auto& b : g.boxes) e.boxes.push_back(b.box);
        entities.push_back(std::move(e));
    }
    saveImagePng(o.out, renderEntities(toRgb(request.image), entities));
    if (o.json)
        std::cout << jsonText(resultJson(o.image, o.prompt, result, request.image.width, request.image.height)) << "\n";
    else
        std::cout << o.out << ": " << result.caption << " (" << entities.size()
                  << (entities.size() == 1 ? " grounded phrase)\n" : " grounded phrases)\n");
}

} // namespace

void addRenderCommand(CLI::App& app) {
    auto o = std::make_shared<RenderCommandOptions>();
    CLI::App* cmd = app.add_subcommand("render", "Ground an image and draw the boxes and phrases onto it (PNG)");
    cmd->add_option("--model", o->model, "Hugging Face KOSMOS-2 folder")->required();
    cmd->add_option("--image", o->image, "Image file")->required();
    cmd->add_option("--prompt", o->prompt, "Prompt")->capture_default_str();
    cmd->add_option("--out", o->out, "Output PNG")->required();
    cmd->add_option("--max-new-tokens", o->params.maxNewTokens, "Tokens to generate at most")->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--num-beams", o->params.numBeams, "Beam search width")->check(CLI::Range(1, 64));
    cmd->add_option("--no-repeat-ngram-size", o->params.noRepeatNgramSize, "Ban repeated n-grams (0: off)")
        ->check(CLI::Range(0, 1024));
    cmd->add_flag("--constrained", o->constrained, "Only well-formed <object> spans");
    cmd->add_option("--min-confidence", o->minConfidence, "Leave out boxes below this confidence")
        ->check(finiteWithin(0, 1));
    cmd->add_option("--device", o->device, "Where to run")->capture_default_str()->check(deviceName());
    cmd->add_option("--dtype", o->dtype, "Precision (int8: CPU, int8 decoder weights)")
        ->capture_default_str()
        ->check(dtypeName());
    cmd->add_flag("--json", o->json, "Print the drawn result as JSON instead of the summary line");
    cmd->callback([o] { runRender(*o); });
}

} // namespace kosmos::cli
